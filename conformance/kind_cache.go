package conformance

import (
	"fmt"
	"slices"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
)

// PreflightCache: with maxAge in the policy, the same preflighted request
// twice in one browser context must be answered from Chrome's preflight
// cache the second time, and the preflight must carry
// Access-Control-Max-Age of at least the policy's (capped at Chrome's
// fetchspec.ChromeMaxAge) (https://fetch.spec.whatwg.org/#cors-preflight-cache).
var PreflightCache = &Kind{
	Name: "preflight cache", Group: "cache",
	Once: func(g *generator) {
		os := g.commonOrigins()
		if g.p.MaxAge <= 0 || len(os) == 0 || os[0] == "null" {
			return
		}
		m := preflightedMethod(g.p)
		if m == "" {
			return
		}
		first := judge.Want{Outcome: judge.Readable, PreflightMaxAge: min(g.p.MaxAge, fetchspec.ChromeMaxAge)}
		s := g.scenario(os[0], m, g.p.Endpoints[0].Path, g.p.Credentials, first)
		s.Steps = append(s.Steps, Step{Want: judge.Want{Outcome: judge.Readable, Preflight: harness.PreflightCached}})
		s.Column += " twice"
		s.Spec = specCache
		s.label("preflight")
		g.add(s)
	},
	Hint: func(s Scenario, obs []*harness.Observation) string {
		o, want := obs[0], s.Want().PreflightMaxAge
		if judge.PreflightMaxAge(o) < want {
			return fmt.Sprintf("send Access-Control-Max-Age: %d (or more) on preflight responses; without it Chrome caches a preflight for %d s", want, fetchspec.ChromeDefaultMaxAge)
		}
		if len(obs) > 1 && obs[1].Preflight == harness.PreflightSent {
			if len(o.Preflights) > 0 && len(o.Preflights[0].ResponseHeader("Access-Control-Max-Age")) == 0 {
				return fmt.Sprintf("the preflight response has no Access-Control-Max-Age, so Chrome keeps it %d seconds at most", fetchspec.ChromeDefaultMaxAge)
			}
			return fmt.Sprintf("Chrome re-sent the preflight: check Access-Control-Max-Age (Chrome caps it at %d s)", fetchspec.ChromeMaxAge)
		}
		return ""
	},
}

// preflightedMethod is a method the policy allows on its first endpoint
// that always needs a preflight, or "".
func preflightedMethod(p *policy.Policy) string {
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if slices.Contains(p.Methods, m) && slices.Contains(p.Endpoints[0].Methods, m) {
			return m
		}
	}
	return ""
}
