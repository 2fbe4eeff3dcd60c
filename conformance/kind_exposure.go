package conformance

import (
	"fmt"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// Exposure: the response headers the policy exposes must be readable by
// page JavaScript
// (https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name).
var Exposure = &Kind{
	Name: "exposure", Group: "allowed",
	PerOrigin: func(g *generator, o string) {
		if len(g.p.Expose) == 0 {
			return
		}
		first := g.p.Endpoints[0]
		s := g.scenario(o, "GET", first.Path, g.p.Credentials, judge.Want{Outcome: judge.Readable, Readable: g.p.Expose})
		s.Column += " +expose"
		s.Spec = specExpose
		g.add(s)
	},
	Hint: func(s Scenario, obs []*harness.Observation) string {
		if o := obs[0]; o.Readable() {
			for _, h := range s.Want().Readable {
				if _, ok := o.JS.Header(h); !ok {
					return fmt.Sprintf("list %s in Access-Control-Expose-Headers", h)
				}
			}
		}
		return ""
	},
}
