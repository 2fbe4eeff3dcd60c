package conformance

import (
	"slices"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/judge"
)

// Allowed: every method of every endpoint that answers below 400, with and
// without credentials, must be readable from an allowed origin
// (https://fetch.spec.whatwg.org/#cors-check; the preflight when the
// request needs one).
var Allowed = &Kind{Name: "allowed", Group: "allowed", PerOrigin: func(g *generator, o string) { g.endpoints(o, false) }}

// endpoints adds the readable method × credentials scenarios of the
// endpoints answering an error (errors) or not.
func (g *generator) endpoints(o string, errors bool) {
	for _, ep := range g.p.Endpoints {
		if (ep.Status >= 400) != errors {
			continue
		}
		for _, m := range ep.Methods {
			if !g.originMayUse(o, m) {
				continue // refused at preflight: kind_refusedmethod.go
			}
			for _, cred := range g.credModes() {
				s := g.scenario(o, m, ep.Path, cred, judge.Want{Outcome: judge.Readable, Status: ep.Status})
				s.Spec = specCORSCheck
				if s.Probe.NeedsPreflight(o) {
					s.Spec = specPreflight
				}
				if errors {
					s.label("errors")
				}
				g.add(s)
			}
		}
	}
}

// originMayUse reports whether method m must pass from origin o: always,
// unless o is an origin object with its own methods that do not include
// m (a safelisted method needs no preflight, so it always passes).
func (g *generator) originMayUse(o, m string) bool {
	e, ok := g.p.OriginFor(o)
	return !ok || e.Methods == nil || slices.Contains(e.Methods, m) || fetchspec.IsSafelistedMethod(m)
}
