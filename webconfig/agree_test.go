package webconfig_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/webconfig"
)

// agreeInputs are the lab configurations and the corpus of real files.
func agreeInputs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, g := range []string{"../fixtures/iis/testdata/*.config", "testdata/corpus/*.config", "testdata/*.config"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d web.config files to check; the lab configurations are missing", len(files))
	}
	return files
}

// toRequest turns a conformance scenario into the request a browser makes:
// only CORS-unsafe headers take part in the preflight.
func toRequest(s conformance.Scenario) webconfig.Request {
	r := webconfig.Request{Origin: s.Origin, Method: s.Probe.Method, Path: s.Probe.URL,
		Credentials: s.Probe.Credentials == harness.CredentialsInclude}
	for _, h := range s.Probe.Headers {
		if !fetchspec.IsSafelistedRequestHeader(h.Name, h.Value) {
			r.Headers = append(r.Headers, h.Name)
		}
	}
	return r
}

// agrees judges the emulated outcome against what the scenario expects.
func agrees(s conformance.Scenario, out webconfig.Outcome) bool {
	want := s.Want()
	switch want.Outcome {
	case judge.Readable:
		return out.CorsError == ""
	case judge.BlockedAtPreflight:
		return out.Preflight != nil && out.Actual == nil
	}
	if out.CorsError == "" {
		return false
	}
	return want.RawStatus == 0 || out.Actual == nil || out.Actual.Status == want.RawStatus
}

// explanation returns the finding or note that explains a disagreement, ""
// when none does: a mistake the lint names with the very CorsError the
// emulation produced, a finding or note naming the origin let in, or a
// note saying the policy widened a list ("any request header", a method
// wildcard).
func explanation(cfg *iis.Config, s conformance.Scenario, out webconfig.Outcome, fs []webconfig.Finding, notes []string) string {
	for _, f := range fs {
		switch {
		case out.CorsError == "" && (f.Rule == webconfig.RuleUnanchoredOrigin || f.Rule == webconfig.RuleUnescapedDotOrigin) && patternAt(cfg, f.Line, s.Origin):
			return fmt.Sprintf("%s (line %d), whose pattern matches %s", f.Rule, f.Line, s.Origin)
		case f.Rule == webconfig.RuleIISConfigError:
			return f.Rule
		case out.CorsError != "" && !f.Note && (f.Verdict == out.CorsError || "Preflight"+f.Verdict == out.CorsError):
			return fmt.Sprintf("%s (line %d)", f.Rule, f.Line)
		case out.CorsError == "" && s.Want().Outcome == judge.Blocked && f.Example == s.Origin:
			return fmt.Sprintf("%s (line %d)", f.Rule, f.Line)
		}
	}
	for _, n := range notes {
		switch {
		case s.Origin != "" && strings.Contains(n, s.Origin):
			return "note: " + n
		case s.Want().Outcome == judge.Blocked && strings.Contains(n, `the origin="*" rule`):
			return "note: " + n
		case out.CorsError == "" && s.Want().Outcome == judge.BlockedAtPreflight &&
			(strings.Contains(n, "any request header") || strings.Contains(n, "any header") || strings.Contains(n, "method wildcard")):
			return "note: " + n
		}
	}
	return ""
}

// patternAt reports whether an {HTTP_ORIGIN} condition on line, as the iis
// package compiled it, matches origin.
func patternAt(cfg *iis.Config, line int, origin string) bool {
	for _, r := range append(append([]iis.Rule{}, cfg.InboundRules...), cfg.OutboundRules...) {
		for _, c := range r.Conditions {
			if ok, _ := c.Match(origin); c.Line == line && ok {
				return true
			}
		}
	}
	return false
}

// TestEmulationAgrees sends the scenarios each derived policy implies
// through the IIS emulation of the same file, in-process, and judges the
// responses by the Fetch CORS rules (https://fetch.spec.whatwg.org/#cors-check,
// https://fetch.spec.whatwg.org/#cors-preflight-fetch). Where the emulation
// and the policy disagree — the configuration does not do what it means —
// the lint or the derivation must say so.
func TestEmulationAgrees(t *testing.T) {
	total, disagree, derived := 0, 0, 0
	for _, path := range agreeInputs(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".config")
		t.Run(name, func(t *testing.T) {
			cfg, err := iis.Load(path)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			p, notes, err := webconfig.DerivePolicy(cfg)
			if err != nil {
				t.Logf("no policy (%v); nothing to agree on", err)
				return
			}
			derived++
			fs := webconfig.Lint(cfg)
			emu := webconfig.NewEmulator(cfg)
			notes = append(notes, p.Notes...)
			for _, s := range conformance.Generate(p) {
				total++
				out := emu.Fetch(toRequest(s))
				if agrees(s, out) {
					continue
				}
				disagree++
				why := explanation(cfg, s, out, fs, notes)
				if why == "" {
					t.Errorf("%s: expected %s, the emulation gives %q (failed %q); no finding or note explains it",
						s.Name, s.Expected(), out.CorsError, out.Failed)
					continue
				}
				t.Logf("%s: expected %s, emulation %q: explained by %s", s.Name, s.Expected(), out.CorsError, why)
			}
		})
	}
	t.Logf("%d scenarios from %d derived policies; %d disagreements, each explained or reported above", total, derived, disagree)
	if derived < 15 {
		t.Errorf("only %d of the files derived a policy", derived)
	}
}

// TestEmulatorJudge checks the Fetch judging itself on hand-written
// configurations whose browser verdicts are known.
func TestEmulatorJudge(t *testing.T) {
	const wrap = `<configuration><system.webServer>%s</system.webServer></configuration>`
	tests := []struct {
		name, body string
		req        webconfig.Request
		want       string
	}{
		{"exact origin, simple GET", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://a.example"}, ""},
		{"other origin", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://b.example"}, "AllowOriginMismatch"},
		{"star with credentials", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*"/><add name="Access-Control-Allow-Credentials" value="true"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://a.example", Credentials: true}, "WildcardOriginNotAllowed"},
		{"no Allow-Methods for PUT", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://a.example", Method: "PUT"}, "MethodDisallowedByPreflightResponse"},
		{"no Allow-Headers for JSON", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*"/><add name="Access-Control-Allow-Methods" value="GET,POST"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://a.example", Method: "POST", Headers: []string{"Content-Type"}}, "HeaderDisallowedByPreflightResponse"},
		// Chromium 156, not the standard: "*" covers Authorization without
		// credentials (fetchspec.HeaderAllowed); with credentials it is literal.
		{"star covers Authorization in Chrome", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*"/><add name="Access-Control-Allow-Headers" value="*"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://a.example", Headers: []string{"Authorization"}}, ""},
		{"star is literal with credentials", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Credentials" value="true"/><add name="Access-Control-Allow-Headers" value="*"/></customHeaders></httpProtocol>`,
			webconfig.Request{Origin: "https://a.example", Headers: []string{"Authorization"}, Credentials: true}, "HeaderDisallowedByPreflightResponse"},
		{"request filtering denies OPTIONS", `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*"/></customHeaders></httpProtocol><security><requestFiltering><verbs><add verb="OPTIONS" allowed="false"/></verbs></requestFiltering></security>`,
			webconfig.Request{Origin: "https://a.example", Headers: []string{"X-Custom"}}, "PreflightInvalidStatus"},
		{"CORS Module echoes a listed origin", `<cors enabled="true"><add origin="https://a.example"><allowHeaders><add header="Content-Type"/></allowHeaders></add></cors>`,
			webconfig.Request{Origin: "https://a.example", Method: "POST", Headers: []string{"Content-Type"}}, ""},
		{"CORS Module, unlisted origin", `<cors enabled="true"><add origin="https://a.example"/></cors>`,
			webconfig.Request{Origin: "https://b.example"}, "MissingAllowOriginHeader"},
	}
	for _, tt := range tests {
		cfg, err := iis.Parse("web.config", []byte(strings.Replace(wrap, "%s", tt.body, 1)))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		out := webconfig.NewEmulator(cfg).Fetch(tt.req)
		if out.CorsError != tt.want {
			t.Errorf("%s: CorsError %q, want %q (preflight %+v, actual %+v)", tt.name, out.CorsError, tt.want, out.Preflight, out.Actual)
		}
		if needs := tt.req.Method == "PUT" || len(tt.req.Headers) > 0; needs != (out.Preflight != nil) {
			t.Errorf("%s: preflight sent = %v, want %v", tt.name, out.Preflight != nil, needs)
		}
	}
}
