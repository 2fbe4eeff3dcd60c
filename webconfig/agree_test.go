package webconfig_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/origins"
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

// agrees judges the emulated outcome against what one step of the scenario
// expects: the outcome, and for a refusal Chrome's CorsError and failed
// parameter when the expectation names them, and the raw status.
func agrees(want judge.Want, out webconfig.Outcome) bool {
	switch want.Outcome {
	case judge.Readable:
		return out.CorsError == ""
	case judge.BlockedAtPreflight:
		if out.Preflight == nil || out.Actual != nil {
			return false
		}
	case judge.Blocked:
		if out.CorsError == "" {
			return false
		}
		if want.RawStatus != 0 && out.Actual != nil && out.Actual.Status != want.RawStatus {
			return false
		}
	default:
		// NetworkFailure: a failure below CORS the emulation cannot show.
		return out.CorsError != ""
	}
	if want.CORSError != "" && string(want.CORSError) != out.CorsError {
		return false
	}
	if want.CORSError != "" && !want.AnyParameter && want.FailedParameter != out.Failed {
		return false
	}
	return true
}

// stepRequest is the request of step i of s, from the step's own page
// origin. The emulation has no HTTP cache and no preflight cache: every
// step is judged as a fresh request from its origin. For a Vary sequence
// that is what a browser sees when the response varies on Origin; a
// response echoing the origin without Vary is the lint's echo-without-vary
// finding, not a disagreement here. For a preflight-cache sequence the
// second step's "preflight cached" is not judged, only its outcome.
func stepRequest(s conformance.Scenario, i int) webconfig.Request {
	r := toRequest(s)
	switch p := s.Steps[i].Page; {
	case p == origins.Opaque:
		r.Origin = "null"
	case p != "":
		r.Origin = string(p)
	}
	return r
}

// explanation returns the finding or note that explains a disagreement, ""
// when none does: a finding whose Chrome verdict is the very CorsError the
// emulation produced (with or without Chrome's Preflight prefix); a finding
// about an origin pattern that lets this origin in, or that names this
// origin as its example, when the emulation lets in an origin the policy
// refuses; or a note that names both the origin and the configuration rule
// (its line) behind the difference.
//
// anyOrigin says the policy lets origin in by its "*" entry, which a note
// names as "every origin".
func explanation(cfg *iis.Config, origin string, anyOrigin bool, want judge.Want, out webconfig.Outcome, fs []webconfig.Finding, notes []string) string {
	for _, f := range fs {
		switch {
		case out.CorsError == "" && (f.Rule == webconfig.RuleUnanchoredOrigin || f.Rule == webconfig.RuleUnescapedDotOrigin) && patternAt(cfg, f.Line, origin):
			return fmt.Sprintf("%s (line %d), whose pattern matches %s", f.Rule, f.Line, origin)
		case out.CorsError != "" && f.Verdict != "" && (f.Verdict == out.CorsError || "Preflight"+f.Verdict == out.CorsError):
			return fmt.Sprintf("%s (line %d, chrome: %s)", f.Rule, f.Line, f.Verdict)
		case out.CorsError == "" && want.Outcome != judge.Readable && f.Example == origin:
			return fmt.Sprintf("%s (line %d) names %s", f.Rule, f.Line, origin)
		}
	}
	for _, n := range notes {
		if origin != "" && (strings.Contains(n, origin) || (anyOrigin && strings.Contains(n, "every origin"))) && noteLine.MatchString(n) {
			return "note: " + n
		}
	}
	return ""
}

// noteLine finds the configuration line a note names.
var noteLine = regexp.MustCompile(`\bline \d+\b`)

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
				for i, st := range s.Steps {
					total++
					r := stepRequest(s, i)
					out := emu.Fetch(r)
					if agrees(st.Want, out) {
						continue
					}
					disagree++
					step := ""
					if s.Sequence() {
						step = fmt.Sprintf(" step %d (from %s)", i+1, r.Origin)
					}
					entry, _ := p.OriginFor(r.Origin)
					why := explanation(cfg, r.Origin, entry.Any || r.Origin == "null", st.Want, out, fs, notes)
					if why == "" {
						t.Errorf("%s%s: expected %s, the emulation gives %q (failed %q); no finding or note explains it",
							s.Name, step, st.Want, out.CorsError, out.Failed)
						continue
					}
					t.Logf("%s%s: expected %s, emulation %q: explained by %s", s.Name, step, st.Want, out.CorsError, why)
				}
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
