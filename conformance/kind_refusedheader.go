package conformance

import (
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// RefusedHeader: a request header the policy does not list must fail at
// the preflight (https://fetch.spec.whatwg.org/#cors-preflight-fetch).
var RefusedHeader = &Kind{Name: "refused header", Group: "refused", PerOrigin: func(g *generator, o string) {
	s := g.scenario(o, "GET", g.p.Endpoints[0].Path, g.p.Credentials, judge.Want{Outcome: judge.BlockedAtPreflight})
	s.Probe.Headers = append(s.Probe.Headers, harness.Header{Name: UnlistedHeader, Value: "1"})
	s.Column += " +" + UnlistedHeader
	s.Spec = specPreflight
	s.label("preflight")
	g.add(s)
}}
