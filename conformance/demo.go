package conformance

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/policy"
)

// DemoPolicy is the sample policy of `make check` without arguments.
//
//go:embed demo-policy.yaml
var DemoPolicy []byte

// DemoPolicyName names the embedded sample policy in messages and reports.
const DemoPolicyName = "conformance/demo-policy.yaml"

// Demo is a demo API serving a policy on loopback.
type Demo struct {
	// Target is http://api.localhost:PORT; Address 127.0.0.1:PORT.
	Target, Address string
	srv             *loopback.Server
}

// StartDemo serves p with the correct demo API, or with realistic mistakes
// when broken is set, on http://api.localhost:PORT.
func StartDemo(p *policy.Policy, broken bool) (*Demo, error) {
	srv, err := loopback.Listen(DemoHandler(p, broken), nil)
	if err != nil {
		return nil, fmt.Errorf("conformance: starting the demo API: %w", err)
	}
	return &Demo{Target: fmt.Sprintf("http://api.localhost:%d", srv.Port), Address: srv.Addr(), srv: srv}, nil
}

// Close stops the demo API.
func (d *Demo) Close() { d.srv.Close() }

// DemoHandler is the demo API for p: rs/cors with p's rules (every
// mistake of fixtures.AllMistakes when broken). Endpoints with rules of
// their own are served with those (fixtures.ByPath), and an origin object's
// own rules apply to requests from that origin (fixtures.ByOrigin).
func DemoHandler(p *policy.Policy, broken bool) http.Handler {
	views := p.Views()
	if len(views) == 1 {
		return viewHandler(views[0], broken)
	}
	routes := map[string]http.Handler{}
	for _, v := range views {
		h := viewHandler(v, broken)
		for _, ep := range v.Endpoints {
			path, _, _ := strings.Cut(ep.Path, "?")
			routes[path] = h
		}
	}
	return fixtures.ByPath(routes)
}

func viewHandler(p *policy.Policy, broken bool) http.Handler {
	h := corsHandler(p, p.Origins, broken)
	own := map[string]http.Handler{}
	for _, o := range p.Origins {
		if o.HasOwnRules() && !o.Wildcard && !o.Any {
			own[o.Value] = corsHandler(p.ForOrigin(o), []policy.Origin{o}, broken)
		}
	}
	if len(own) == 0 {
		return h
	}
	return fixtures.ByOrigin(own, h)
}

func corsHandler(p *policy.Policy, origins []policy.Origin, broken bool) http.Handler {
	opts := fixtures.CORSOptions{
		Credentials: p.Credentials, Methods: p.Methods, Headers: p.Headers,
		Expose: p.Expose, MaxAge: p.MaxAge, Reject: p.Unlisted == policy.UnlistedReject,
	}
	for _, o := range origins {
		opts.Origins = append(opts.Origins, o.Value)
	}
	if broken {
		return fixtures.BrokenDemoAPI(opts)
	}
	return fixtures.DemoAPI(opts)
}
