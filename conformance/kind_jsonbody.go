package conformance

import (
	"slices"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// JSONBody: a JSON POST, when the policy allows POST and Content-Type, must
// pass its preflight (application/json is not a CORS-safelisted
// Content-Type: https://fetch.spec.whatwg.org/#cors-safelisted-request-header).
var JSONBody = &Kind{Name: "json body", Group: "allowed", PerOrigin: func(g *generator, o string) {
	first := g.p.Endpoints[0]
	if !slices.Contains(first.Methods, "POST") || !slices.Contains(g.p.Headers, "Content-Type") {
		return
	}
	s := g.scenario(o, "POST", first.Path, g.p.Credentials, judge.Want{Outcome: judge.Readable})
	s.Probe.Headers = append(s.Probe.Headers, harness.Header{Name: "Content-Type", Value: "application/json"})
	s.Probe.Body, s.Column = `{"corsgate":true}`, s.Column+" +json"
	s.Spec = specPreflight
	s.label("preflight")
	g.add(s)
}}
