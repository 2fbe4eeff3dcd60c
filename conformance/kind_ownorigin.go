package conformance

import (
	"fmt"
	"slices"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// OwnOrigin: with an address, the front serves the probe page on the API's
// own origin, and a POST (or another unsafe method) from there is
// same-origin but still carries an Origin header
// (https://fetch.spec.whatwg.org/#origin-header): the API must serve it
// like any request of its own site. Refusing it breaks the site itself
// (the IIS CORS module with failUnlistedOrigins="true" and its own origin
// not listed).
var OwnOrigin = &Kind{
	Name: "own origin", Group: "allowed",
	Once: func(g *generator) {
		if g.p.Address == "" || g.p.Target == "" {
			return
		}
		for _, ep := range g.p.Endpoints {
			if ep.Status >= 400 {
				continue
			}
			i := slices.IndexFunc(ep.Methods, func(m string) bool { return m != "GET" && m != "HEAD" })
			if i < 0 {
				continue
			}
			s := g.scenario(g.p.Target, ep.Methods[i], ep.Path, false, judge.Want{Outcome: judge.Readable, Status: ep.Status})
			s.Probe.Credentials = harness.CredentialsSameOrigin
			s.Column += " (own page)"
			s.Spec, s.OwnOrigin = specOrigin, true
			g.add(s)
		}
	},
	Hint: func(s Scenario, obs []*harness.Observation) string {
		if st := obs[0].Actual.Status; st == 403 || st == 401 {
			return fmt.Sprintf("the API answered %d to its own site's %s, which carries Origin: %s although it is same-origin: an origin check that refuses unlisted origins must let the API's own origin through (IIS: failUnlistedOrigins=\"true\" without the site's own origin in <cors>)", st, s.Probe.Method, s.Origin)
		}
		return ""
	},
}
