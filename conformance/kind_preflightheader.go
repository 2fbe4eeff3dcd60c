package conformance

import (
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// PreflightHeader: each request header the policy allows, and all of them
// together, must pass the preflight
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch).
var PreflightHeader = &Kind{Name: "preflight header", Group: "allowed", PerOrigin: func(g *generator, o string) {
	first := g.p.Endpoints[0]
	var all []harness.Header
	for _, h := range g.p.Headers {
		hv := harness.Header{Name: h, Value: g.sampleValue(h)}
		all = append(all, hv)
		s := g.scenario(o, "GET", first.Path, g.p.Credentials, judge.Want{Outcome: judge.Readable})
		s.Probe.Headers, s.Column = append(s.Probe.Headers, hv), s.Column+" +"+h
		s.Spec = specPreflight
		s.label("preflight")
		g.add(s)
	}
	if len(all) > 1 {
		s := g.scenario(o, "GET", first.Path, g.p.Credentials, judge.Want{Outcome: judge.Readable})
		s.Probe.Headers, s.Column = append(s.Probe.Headers, all...), s.Column+" +all headers"
		s.Spec = specPreflight
		s.label("preflight")
		g.add(s)
	}
}}
