package conformance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/policy"
)

// Spec links, cited by every scenario.
const (
	specCORSCheck = "https://fetch.spec.whatwg.org/#cors-check"
	specPreflight = "https://fetch.spec.whatwg.org/#cors-preflight-fetch"
	specCache     = "https://fetch.spec.whatwg.org/#cors-preflight-cache"
	specExpose    = "https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name"
	specVary      = "https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches"
	specOrigin    = "https://fetch.spec.whatwg.org/#origin-header"
)

// UnlistedHeader is a request header no policy lists, used to check that
// headers outside the policy are refused at preflight.
const UnlistedHeader = "X-Corsgate-Unlisted"

// Generate derives every scenario from p, in a stable order with stable
// names. For each rule set of the policy (policy.Views: the endpoints that
// share their effective rules; one for a policy without per-endpoint
// rules): for each allowed origin the scenarios of every per-origin kind,
// under that origin's own rules (an origin object's credentials, methods,
// headers), then those of the other kinds (Kinds).
func Generate(p *policy.Policy) []Scenario {
	g := &generator{}
	for _, v := range p.Views() {
		g.p = v
		for _, o := range g.allowedOrigins() {
			g.p = v
			if entry, ok := v.OriginFor(o); ok || o == "null" {
				if o == "null" {
					entry, _ = v.OriginFor("https://any-site.corsgate.test")
				}
				g.p = v.ForOrigin(entry)
			}
			for _, k := range Kinds {
				if k.PerOrigin != nil {
					g.kind = k
					k.PerOrigin(g, o)
				}
			}
		}
		g.p = v
		for _, k := range Kinds {
			if k.Once != nil {
				g.kind = k
				k.Once(g)
			}
		}
	}
	return g.out
}

type generator struct {
	p    *policy.Policy
	kind *Kind // the kind generating now
	out  []Scenario
}

// add appends s unless a scenario of the same name exists. A credentialed
// scenario with auth cookies wants them sent on every readable step.
func (g *generator) add(s Scenario) {
	s.Name = fmt.Sprintf("%s/%s/%s", s.Labels[0], s.Origin, s.Column)
	for _, x := range g.out {
		if x.Name == s.Name {
			return
		}
	}
	if s.Probe.Grant != nil {
		// Granted, the request must reach the target where the policy says
		// it lives (kind_localnetwork.go).
		for i := range s.Steps {
			if s.Steps[i].Want.Outcome == judge.Readable {
				s.Steps[i].Want.ResourceSpace = resourceSpace(g.p.TargetSpace())
			}
		}
	}
	if s.Cookies {
		for i := range s.Steps {
			if s.Steps[i].Want.Outcome == judge.Readable {
				for _, c := range g.p.Auth.Cookies {
					s.Steps[i].Want.CookiesSent = append(s.Steps[i].Want.CookiesSent, c.Name)
				}
			}
		}
	}
	g.out = append(g.out, s)
}

// allowedOrigins are the concrete origins the policy allows: exact ones as
// written, a sample subdomain for each wildcard, and for "*" an unrelated
// site plus the opaque origin.
func (g *generator) allowedOrigins() []string {
	var os []string
	for _, o := range g.p.Origins {
		switch {
		case o.Any:
			os = append(os, "https://any-site.corsgate.test", "null")
		default:
			os = append(os, o.Sample())
		}
	}
	return dedupe(os)
}

// commonOrigins are the allowed origins under the rules of the policy (or
// endpoint) itself, not an origin object's own: what the kinds that probe
// one origin for the whole rule set (preflight cache, Vary) use.
func (g *generator) commonOrigins() []string {
	var out []string
	for _, o := range g.allowedOrigins() {
		if e, ok := g.p.OriginFor(o); !ok || !e.HasOwnRules() {
			out = append(out, o)
		}
	}
	return out
}

func (g *generator) credModes() []bool {
	if g.p.Credentials {
		return []bool{false, true}
	}
	return []bool{false}
}

// scenario is the common part of the generating kind's scenarios: page,
// method, path, credentials, labels, and one step wanting w.
func (g *generator) scenario(origin, method, path string, cred bool, w judge.Want) Scenario {
	group := g.kind.Group
	s := Scenario{
		Kind:   g.kind,
		Origin: origin,
		Column: method + " " + path,
		Labels: []string{group},
		Probe:  harness.Probe{Page: PageName(origin), URL: path, Method: method},
		Steps:  []Step{{Want: w}},
	}
	switch group {
	case "allowed", "refused":
		s.label("origins")
	}
	if cred {
		s.Probe.Credentials = harness.CredentialsInclude
		s.Column += " +cred"
		s.label("credentials")
		for _, h := range g.p.Auth.Headers {
			s.Probe.Headers = append(s.Probe.Headers, harness.Header{Name: h.Name, Value: h.Value})
		}
		s.Cookies = len(g.p.Auth.Cookies) > 0 || g.p.Auth.Login != nil
	} else {
		s.Probe.Credentials = harness.CredentialsOmit
	}
	if method != "GET" && method != "HEAD" {
		s.Probe.Body = "corsgate=1"
	}
	if s.Probe.NeedsPreflight(origin) {
		s.label("preflight")
	}
	if grant := g.grant(origin); grant != nil { // kind_localnetwork.go
		s.Probe.Grant = grant
		s.Column += " +" + string(grant[0])
		s.label("local-network")
	}
	return s
}

// sampleValue is a value for header h that is not CORS-safelisted, so the
// header takes part in the preflight.
func (g *generator) sampleValue(h string) string {
	for _, a := range g.p.Auth.Headers {
		if strings.EqualFold(a.Name, h) {
			return a.Value
		}
	}
	switch strings.ToLower(h) {
	case "content-type":
		return "application/json"
	case "authorization":
		return "Bearer corsgate-probe"
	}
	return "corsgate"
}

// PageName is the harness origin name of a page origin.
func PageName(origin string) origins.Name {
	if origin == "null" {
		return origins.Opaque
	}
	return origins.Name(origin)
}

// Impersonations are the page origins to serve locally for scenarios (the
// API's own origin is served by the front, not impersonated).
func Impersonations(ss []Scenario) []string {
	var out []string
	for _, s := range ss {
		if s.OwnOrigin {
			continue
		}
		for _, o := range s.Pages() {
			if o != "" && o != "null" {
				out = append(out, o)
			}
		}
	}
	return dedupe(out)
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
