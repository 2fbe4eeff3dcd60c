package conformance

import (
	"slices"

	"github.com/corsgate/corsgate/judge"
)

// RefusedMethod: PUT, DELETE and PATCH, when the policy does not allow them,
// must fail at the preflight
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch).
var RefusedMethod = &Kind{Name: "refused method", Group: "refused", PerOrigin: func(g *generator, o string) {
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if slices.Contains(g.p.Methods, m) {
			continue
		}
		s := g.scenario(o, m, g.p.Endpoints[0].Path, g.p.Credentials, judge.Want{Outcome: judge.BlockedAtPreflight})
		s.Spec = specPreflight
		s.label("preflight")
		g.add(s)
	}
}}
