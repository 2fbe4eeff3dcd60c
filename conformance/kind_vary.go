package conformance

import (
	"net/url"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// VaryOrigin: the same request from one allowed origin and then from
// another of the same site, in one browser context, must be readable both
// times: Vary: Origin keeps the HTTP cache from serving one origin's
// Access-Control-Allow-Origin to the other
// (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches).
var VaryOrigin = &Kind{
	Name: "vary origin", Group: "cache",
	Once: func(g *generator) {
		var pair []string
		for _, o := range g.p.Origins {
			if o.Wildcard {
				pair = []string{o.Sample(), strings.Replace(o.Value, "*", "corsgate-second", 1)}
				break
			}
		}
		if pair == nil {
			// Origins with rules of their own (origin objects) answer
			// differently by design; pair only those under the common rules.
			exact := g.commonOrigins()
			for i := 0; i < len(exact) && pair == nil; i++ {
				for j := i + 1; j < len(exact); j++ {
					if exact[i] != "null" && site(exact[i]) == site(exact[j]) {
						pair = []string{exact[i], exact[j]}
						break
					}
				}
			}
		}
		if pair == nil {
			return
		}
		s := g.scenario(pair[0], "GET", g.p.Endpoints[0].Path, g.p.Credentials, judge.Want{Outcome: judge.Readable})
		s.Steps = append(s.Steps, Step{Page: PageName(pair[1]), Want: judge.Want{Outcome: judge.Readable}})
		s.Column += " then from " + pair[1]
		s.Spec = specVary
		g.add(s)
	},
	Hint: func(_ Scenario, obs []*harness.Observation) string {
		if len(obs) > 1 && !obs[1].Readable() {
			return "the HTTP cache served one origin's Access-Control-Allow-Origin to another: send Vary: Origin when the header depends on the request"
		}
		return ""
	},
}

// site is origin's scheme and registrable domain (its last two labels).
func site(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return origin
	}
	labels := strings.Split(u.Hostname(), ".")
	if len(labels) >= 2 {
		labels = labels[len(labels)-2:]
	}
	return u.Scheme + "://" + strings.Join(labels, ".")
}
