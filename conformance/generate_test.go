package conformance

import (
	"github.com/corsgate/corsgate/judge"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/policy"
)

// noEnv is a getenv with no variables set.
func noEnv(string) (string, bool) { return "", false }

// demoPolicy parses the embedded demo policy.
func demoPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(DemoPolicyName, DemoPolicy, noEnv)
	if err != nil {
		t.Fatalf("policy.Parse(%s): got error %v; want none", DemoPolicyName, err)
	}
	return p
}

// parsePolicy parses a hand-written policy.
func parsePolicy(t *testing.T, name, yaml string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(name, []byte(yaml), noEnv)
	if err != nil {
		t.Fatalf("policy.Parse(%s): got error %v; want none", name, err)
	}
	return p
}

// knownLabels are the labels a scenario may carry.
var knownLabels = []string{"allowed", "refused", "cache", "origins", "credentials", "preflight", "security", "errors"}

func TestGenerateDemoNamesUniqueAndStable(t *testing.T) {
	p := demoPolicy(t)
	first, second := Generate(p), Generate(demoPolicy(t))
	if len(first) == 0 {
		t.Fatalf("Generate(demo): got no scenarios; want some")
	}
	seen := map[string]bool{}
	for _, s := range first {
		if seen[s.Name] {
			t.Errorf("Generate(demo): got scenario name %q twice; want unique names", s.Name)
		}
		seen[s.Name] = true
	}
	if len(first) != len(second) {
		t.Fatalf("Generate(demo) twice: got %d then %d scenarios; want the same", len(first), len(second))
	}
	for i := range first {
		if first[i].Name != second[i].Name {
			t.Errorf("Generate(demo) twice: scenario %d got %q then %q; want a stable order and names", i, first[i].Name, second[i].Name)
		}
	}
}

func TestGenerateDemoScenarioFields(t *testing.T) {
	for _, s := range Generate(demoPolicy(t)) {
		if len(s.Labels) == 0 {
			t.Errorf("scenario %q: got no labels; want at least one", s.Name)
		}
		for _, l := range s.Labels {
			if !slices.Contains(knownLabels, l) {
				t.Errorf("scenario %q: got label %q; want one of %v", s.Name, l, knownLabels)
			}
		}
		if !strings.HasPrefix(s.Spec, "https://fetch.spec.whatwg.org/#") {
			t.Errorf("scenario %q: got Spec %q; want a Fetch-standard URL", s.Name, s.Spec)
		}
		switch s.Want().Outcome {
		case judge.Readable, judge.Blocked, judge.BlockedAtPreflight:
		default:
			t.Errorf("scenario %q: got outcome %q; want readable, refused or refused at preflight", s.Name, s.Want().Outcome)
		}
		if !strings.HasPrefix(s.Name, s.Labels[0]+"/"+s.Origin+"/") {
			t.Errorf("scenario %q: got a name not of the form kind/origin/request (kind %q, origin %q)", s.Name, s.Labels[0], s.Origin)
		}
		if s.Probe.Page != PageName(s.Origin) {
			t.Errorf("scenario %q: got Probe.Page %q; want %q", s.Name, s.Probe.Page, PageName(s.Origin))
		}
		if !strings.HasPrefix(s.Probe.URL, "/") {
			t.Errorf("scenario %q: got Probe.URL %q; want a path relative to the target", s.Name, s.Probe.URL)
		}
		if s.Probe.Body != "" && (s.Probe.Method == "GET" || s.Probe.Method == "HEAD") {
			t.Errorf("scenario %q: got a body on %s; want none", s.Name, s.Probe.Method)
		}
	}
}

// The "origins" label is added by scenario() for refused scenarios and again
// by unlisted().
func TestGenerateDemoLabelsNotRepeated(t *testing.T) {
	var bad []string
	for _, s := range Generate(demoPolicy(t)) {
		seen := map[string]bool{}
		for _, l := range s.Labels {
			if seen[l] {
				bad = append(bad, s.Name+" "+strings.Join(s.Labels, ","))
				break
			}
			seen[l] = true
		}
	}
	if len(bad) > 0 {
		t.Errorf("generate.go unlisted() appends \"origins\" again: %d scenarios repeat a label, e.g. %q; want each label once", len(bad), bad[0])
	}
}

func TestGenerateDemoLookalikesRefused(t *testing.T) {
	byOrigin := map[string]Scenario{}
	for _, s := range Generate(demoPolicy(t)) {
		if s.Want().Outcome == judge.Blocked {
			byOrigin[s.Origin] = s
		}
	}
	for _, o := range []string{
		"https://app.example.com.attacker.test",
		"https://attackerexample.com",
		"https://appxexample.com",
		"https://corsgate-other.example.com",
		"http://app.example.com",
		"https://app.example-partner.com.attacker.test",
		"https://attackerexample-partner.com",
		"https://appxexample-partner.com",
		"http://app.example-partner.com",
		"null",
		"https://unrelated.corsgate.test",
	} {
		s, ok := byOrigin[o]
		if !ok {
			t.Errorf("Generate(demo), origin %s: got no judge.Blocked scenario; want one", o)
			continue
		}
		if !s.Security {
			t.Errorf("Generate(demo), origin %s: got Security false; want true", o)
		}
		if !slices.Contains(s.Labels, "security") || !slices.Contains(s.Labels, "refused") {
			t.Errorf("Generate(demo), origin %s: got labels %v; want refused and security among them", o, s.Labels)
		}
		if s.Want().RawStatus != 0 {
			t.Errorf("Generate(demo), origin %s: got RawStatus %d; want 0 (unlisted: omit)", o, s.Want().RawStatus)
		}
	}
	// The wildcard's own other subdomains are allowed, so no "corsgate-other"
	// lookalike for it.
	if _, ok := byOrigin["https://corsgate-other.example-partner.com"]; ok {
		t.Errorf("Generate(demo): got a judge.Blocked scenario for https://corsgate-other.example-partner.com; want none (the wildcard allows it)")
	}
}

func TestGenerateDemoExpectMatchesPolicy(t *testing.T) {
	p := demoPolicy(t)
	for _, s := range Generate(p) {
		switch s.Want().Outcome {
		case judge.Blocked:
			if p.Allowed(s.Origin) {
				t.Errorf("scenario %q: got outcome refused for origin %s; the policy allows it", s.Name, s.Origin)
			}
		case judge.Readable, judge.BlockedAtPreflight:
			if !p.Allowed(s.Origin) {
				t.Errorf("scenario %q: got outcome %q for origin %s; the policy does not allow it", s.Name, s.Want().Outcome, s.Origin)
			}
			if secondOrigin(s) != "" && !p.Allowed(secondOrigin(s)) {
				t.Errorf("scenario %q: got SecondOrigin %s; the policy does not allow it", s.Name, secondOrigin(s))
			}
		}
	}
}

func TestGenerateDemoMethodsOutsidePolicy(t *testing.T) {
	p := demoPolicy(t)
	ss := Generate(p)
	for _, o := range []string{"https://app.example.com", "https://app.example-partner.com"} {
		var patch *Scenario
		for i, s := range ss {
			if s.Origin == o && s.Probe.Method == "PATCH" {
				patch = &ss[i]
			}
			if s.Origin == o && (s.Probe.Method == "PUT" || s.Probe.Method == "DELETE") && s.Want().Outcome != judge.Readable {
				t.Errorf("scenario %q: got outcome %q for %s, which the policy allows; want readable", s.Name, s.Want().Outcome, s.Probe.Method)
			}
		}
		if patch == nil {
			t.Errorf("Generate(demo), origin %s: got no PATCH scenario; want one refused at preflight", o)
			continue
		}
		if patch.Want().Outcome != judge.BlockedAtPreflight {
			t.Errorf("scenario %q: got outcome %q; want %q", patch.Name, patch.Want().Outcome, judge.BlockedAtPreflight)
		}
		if patch.Spec != specPreflight || !slices.Contains(patch.Labels, "preflight") {
			t.Errorf("scenario %q: got Spec %q labels %v; want %s and the preflight label", patch.Name, patch.Spec, patch.Labels, specPreflight)
		}
	}
	found := false
	for _, s := range ss {
		if s.Want().Outcome == judge.BlockedAtPreflight && slices.ContainsFunc(s.Probe.Headers, func(h harness.Header) bool { return h.Name == UnlistedHeader }) {
			found = true
		}
	}
	if !found {
		t.Errorf("Generate(demo): got no scenario sending %s; want one refused at preflight", UnlistedHeader)
	}
}

// PUT and DELETE need a preflight; the generator leaves Probe.Mode empty (the
// browser default "cors") and harness.Probe.NeedsPreflight answers false for
// an empty mode.
func TestGenerateDemoPreflightedMethodsCiteThePreflight(t *testing.T) {
	for _, s := range Generate(demoPolicy(t)) {
		if s.Want().Outcome != judge.Readable || s.Sequence() || (s.Probe.Method != "PUT" && s.Probe.Method != "DELETE") {
			continue
		}
		if s.Spec != specPreflight || !slices.Contains(s.Labels, "preflight") {
			t.Errorf("generate.go scenario() never sets Probe.Mode, and harness.Probe.NeedsPreflight (harness/probe.go:140) returns false for mode \"\": scenario %q got Spec %q labels %v; want %s and the preflight label", s.Name, s.Spec, s.Labels, specPreflight)
		}
	}
}

func TestGenerateDemoSequences(t *testing.T) {
	ss := Generate(demoPolicy(t))
	var cached, vary []Scenario
	for _, s := range ss {
		switch s.Kind {
		case PreflightCache:
			cached = append(cached, s)
		case VaryOrigin:
			vary = append(vary, s)
		}
	}
	if len(cached) != 1 {
		t.Fatalf("Generate(demo): got %d CachedPreflight scenarios; want 1", len(cached))
	}
	if len(vary) != 1 {
		t.Fatalf("Generate(demo): got %d VaryOrigin scenarios; want 1", len(vary))
	}
	c := cached[0]
	if c.Probe.Method != "PUT" || c.Spec != specCache || c.Want().Outcome != judge.Readable || c.Origin != "https://app.example.com" {
		t.Errorf("CachedPreflight scenario %q: got method %s spec %s expect %q origin %s; want PUT %s readable https://app.example.com", c.Name, c.Probe.Method, c.Spec, c.Want().Outcome, c.Origin, specCache)
	}
	v := vary[0]
	if secondOrigin(v) == "" || secondOrigin(v) == v.Origin {
		t.Errorf("VaryOrigin scenario %q: got SecondOrigin %q; want a second, different origin", v.Name, secondOrigin(v))
	}
	if v.Spec != specVary || v.Want().Outcome != judge.Readable {
		t.Errorf("VaryOrigin scenario %q: got spec %s expect %q; want %s readable", v.Name, v.Spec, v.Want().Outcome, specVary)
	}
	if site(v.Origin) != site(secondOrigin(v)) {
		t.Errorf("VaryOrigin scenario %q: got origins %s and %s of different sites; want one site", v.Name, v.Origin, secondOrigin(v))
	}
}

func TestGenerateDemoImpersonations(t *testing.T) {
	ss := Generate(demoPolicy(t))
	imp := Impersonations(ss)
	if slices.Contains(imp, "null") || slices.Contains(imp, "") {
		t.Errorf("Impersonations(demo): got %v; want neither null nor empty", imp)
	}
	seen := map[string]bool{}
	for _, o := range imp {
		if seen[o] {
			t.Errorf("Impersonations(demo): got %s twice; want each once", o)
		}
		seen[o] = true
	}
	for _, s := range ss {
		for _, o := range []string{s.Origin, secondOrigin(s)} {
			if o != "" && o != "null" && !seen[o] {
				t.Errorf("Impersonations(demo): scenario %q uses %s; got it missing from %v", s.Name, o, imp)
			}
		}
	}
}

func TestGenerateSmallPolicies(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(t *testing.T, p *policy.Policy, ss []Scenario)
	}{
		{
			name: "any origin, no credentials",
			yaml: "origins: [\"*\"]\ncredentials: false\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				allowedFrom := map[string]bool{}
				for _, s := range ss {
					if s.Want().Outcome == judge.Blocked {
						t.Errorf("scenario %q: got outcome refused; want no refused origin under \"*\"", s.Name)
					}
					if s.Want().Outcome == judge.Readable {
						allowedFrom[s.Origin] = true
					}
				}
				for _, o := range []string{"https://any-site.corsgate.test", "null"} {
					if !allowedFrom[o] {
						t.Errorf("origins [*]: got no readable scenario from %s; want one", o)
					}
				}
			},
		},
		{
			name: "unlisted reject",
			yaml: "origins: [https://app.example.com]\nunlisted: reject\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				n := 0
				for _, s := range ss {
					if s.Want().Outcome == judge.Blocked {
						n++
						if s.Want().RawStatus != 403 {
							t.Errorf("scenario %q: got RawStatus %d; want 403 (unlisted: reject)", s.Name, s.Want().RawStatus)
						}
					} else if s.Want().RawStatus != 0 {
						t.Errorf("scenario %q: got RawStatus %d; want 0 (not a refused origin)", s.Name, s.Want().RawStatus)
					}
				}
				if n == 0 {
					t.Errorf("unlisted: reject: got no refused-origin scenarios; want some")
				}
			},
		},
		{
			name: "no maxAge",
			yaml: "origins: [https://app.example.com]\nendpoints: [{path: /x, methods: [GET, PUT]}]\nmethods: [GET, PUT]\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				for _, s := range ss {
					if s.Kind == PreflightCache {
						t.Errorf("scenario %q: got a CachedPreflight sequence; want none without maxAge", s.Name)
					}
				}
			},
		},
		{
			name: "maxAge with a preflighted method",
			yaml: "origins: [https://app.example.com]\nendpoints: [{path: /x, methods: [GET, DELETE]}]\nmethods: [GET, DELETE]\nmaxAge: 60\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				n := 0
				for _, s := range ss {
					if s.Kind == PreflightCache {
						n++
						if s.Probe.Method != "DELETE" {
							t.Errorf("scenario %q: got method %s; want DELETE", s.Name, s.Probe.Method)
						}
					}
				}
				if n != 1 {
					t.Errorf("maxAge 60 with DELETE: got %d CachedPreflight scenarios; want 1", n)
				}
			},
		},
		{
			name: "maxAge without a preflighted method",
			yaml: "origins: [https://app.example.com]\nmaxAge: 60\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				for _, s := range ss {
					if s.Kind == PreflightCache {
						t.Errorf("scenario %q: got a CachedPreflight sequence; want none when no endpoint method needs a preflight", s.Name)
					}
				}
			},
		},
		{
			name: "credentials false",
			yaml: "origins: [https://app.example.com]\nheaders: [X-Api-Key]\nexpose: [X-Request-Id]\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				for _, s := range ss {
					if strings.Contains(s.Name, "+cred") || s.Probe.Credentials != harness.CredentialsOmit || slices.Contains(s.Labels, "credentials") || s.Cookies {
						t.Errorf("scenario %q: got credentials %q labels %v cookies %v; want omit, no +cred, no credentials label, no cookies", s.Name, s.Probe.Credentials, s.Labels, s.Cookies)
					}
				}
			},
		},
		{
			name: "auth cookies with credentials",
			yaml: "origins: [https://app.example.com]\ncredentials: true\nauth:\n  cookies: [{name: session, value: abc}]\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				var got *Scenario
				for i, s := range ss {
					if strings.HasSuffix(s.Name, "+cookies") {
						got = &ss[i]
					}
				}
				if got == nil {
					t.Fatalf("auth cookies with credentials: got no +cookies scenario; want one")
				}
				if !got.Cookies || got.Want().Outcome != judge.Readable || got.Probe.Credentials != harness.CredentialsInclude {
					t.Errorf("scenario %q: got Cookies %v Expect %q credentials %q; want true, readable, include", got.Name, got.Cookies, got.Want().Outcome, got.Probe.Credentials)
				}
			},
		},
		{
			name: "auth cookies without credentials",
			yaml: "origins: [https://app.example.com]\nauth:\n  cookies: [{name: session, value: abc}]\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				for _, s := range ss {
					if strings.HasSuffix(s.Name, "+cookies") || s.Cookies {
						t.Errorf("scenario %q: got Cookies %v; want no cookie scenario without credentials", s.Name, s.Cookies)
					}
				}
			},
		},
		{
			name: "auth header carried on credentialed probes",
			yaml: "origins: [https://app.example.com]\ncredentials: true\nheaders: [Authorization]\nauth:\n  headers: {Authorization: Bearer tok}\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				for _, s := range ss {
					if s.Probe.Credentials != harness.CredentialsInclude {
						continue
					}
					if !slices.Contains(s.Probe.Headers, harness.Header{Name: "Authorization", Value: "Bearer tok"}) {
						t.Errorf("scenario %q: got headers %v; want Authorization: Bearer tok", s.Name, s.Probe.Headers)
					}
				}
			},
		},
		{
			name: "two exact origins of one site get a vary scenario",
			yaml: "origins: [https://a.example.com, https://b.example.com]\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				n := 0
				for _, s := range ss {
					if s.Kind == VaryOrigin {
						n++
						if s.Origin != "https://a.example.com" || secondOrigin(s) != "https://b.example.com" {
							t.Errorf("scenario %q: got %s then %s; want https://a.example.com then https://b.example.com", s.Name, s.Origin, secondOrigin(s))
						}
					}
				}
				if n != 1 {
					t.Errorf("two exact origins of one site: got %d VaryOrigin scenarios; want 1", n)
				}
			},
		},
		{
			name: "one exact origin has no vary scenario",
			yaml: "origins: [https://a.example.com]\n",
			check: func(t *testing.T, p *policy.Policy, ss []Scenario) {
				for _, s := range ss {
					if s.Kind == VaryOrigin {
						t.Errorf("scenario %q: got a VaryOrigin sequence; want none with one origin", s.Name)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parsePolicy(t, tt.name, tt.yaml)
			ss := Generate(p)
			if len(ss) == 0 {
				t.Fatalf("Generate(%s): got no scenarios; want some", tt.name)
			}
			for _, s := range ss {
				switch s.Want().Outcome {
				case judge.Blocked:
					if p.Allowed(s.Origin) {
						t.Errorf("scenario %q: got outcome refused for %s; the policy allows it", s.Name, s.Origin)
					}
				default:
					if !p.Allowed(s.Origin) {
						t.Errorf("scenario %q: got outcome %q for %s; the policy does not allow it", s.Name, s.Want().Outcome, s.Origin)
					}
				}
			}
			tt.check(t, p, ss)
		})
	}
}

// Every origin the generator makes up must be a well-formed origin the
// harness can serve a page from.
func TestGenerateOriginsWellFormed(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"demo", string(DemoPolicy)},
		{"port", "origins: [http://localhost:3000, https://app.example.com:8443]\n"},
		{"ipv4", "origins: [http://127.0.0.1:3000]\n"},
		{"ipv6", "origins: [\"http://[::1]:3000\"]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range Generate(parsePolicy(t, tt.name, tt.yaml)) {
				for _, o := range []string{s.Origin, secondOrigin(s)} {
					if o == "" || o == "null" {
						continue
					}
					u, err := url.Parse(o)
					bad := err != nil || u.Scheme+"://"+u.Host != o || u.Hostname() == "" ||
						(strings.Contains(u.Hostname(), ":") && !strings.HasPrefix(u.Host, "["))
					if bad {
						msg := "scenario %q (policy %s): got origin %q; want scheme://host[:port]"
						if tt.name == "ipv6" {
							t.Errorf("generate.go lookalikes() appends to u.Hostname() without re-bracketing IPv6 hosts: "+msg, s.Name, tt.name, o)
						}
						t.Errorf(msg, s.Name, tt.name, o)
					}
				}
			}
		})
	}
}

// secondOrigin is the page origin of a sequence's second step, "" for none.
func secondOrigin(s Scenario) string {
	if len(s.Steps) > 1 {
		return string(s.Steps[1].Page)
	}
	return ""
}
