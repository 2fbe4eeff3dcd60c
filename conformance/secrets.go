package conformance

import (
	"slices"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/report"
)

// secretValues are the values no report may show: the auth cookies' (the
// policy's and those a login left in the jar) and the auth headers'. The
// harness redacts Cookie and Authorization headers; an API that echoes a
// cookie in its body would otherwise put its value in the evidence.
func secretValues(p *policy.Policy, jar []harness.JarCookie) []string {
	var out []string
	for _, c := range jar {
		out = append(out, c.Value)
	}
	for _, h := range p.Auth.Headers {
		out = append(out, h.Value)
		if _, tok, ok := strings.Cut(h.Value, " "); ok {
			out = append(out, tok) // "Bearer <token>": the token alone too
		}
	}
	if l := p.Auth.Login; l != nil && l.Body != "" {
		out = append(out, l.Body)
	}
	out = slices.DeleteFunc(out, func(s string) bool { return len(s) < 4 }) // too short to hide without hiding words
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })  // longest first
	return out
}

// redactRow replaces every secret value in the row's texts.
func redactRow(r *report.Result, secrets []string) {
	for _, s := range secrets {
		for _, f := range []*string{&r.Evidence, &r.Observed, &r.Hint, &r.Console} {
			*f = strings.ReplaceAll(*f, s, policy.RedactedValue)
		}
	}
}

// wantLoginCookies makes every readable credentialed step of a scenario
// that carries the auth cookies want the cookies the login left sent, as
// it does for the policy's own auth.cookies (generator.add).
func wantLoginCookies(ss []Scenario, jar []harness.JarCookie) []Scenario {
	out := make([]Scenario, len(ss))
	for i, s := range ss {
		if s.Cookies {
			s.Steps = slices.Clone(s.Steps)
			for j := range s.Steps {
				w := &s.Steps[j].Want
				if w.Outcome != judge.Readable {
					continue
				}
				w.CookiesSent = slices.Clone(w.CookiesSent)
				for _, c := range jar {
					if !slices.Contains(w.CookiesSent, c.Name) {
						w.CookiesSent = append(w.CookiesSent, c.Name)
					}
				}
			}
		}
		out[i] = s
	}
	return out
}
