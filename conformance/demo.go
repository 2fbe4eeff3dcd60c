package conformance

import (
	_ "embed"
	"fmt"
	"net/http"

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
	opts := fixtures.CORSOptions{
		Credentials: p.Credentials, Methods: p.Methods, Headers: p.Headers,
		Expose: p.Expose, MaxAge: p.MaxAge, Reject: p.Unlisted == policy.UnlistedReject,
	}
	for _, o := range p.Origins {
		opts.Origins = append(opts.Origins, o.Value)
	}
	var h http.Handler = fixtures.DemoAPI(opts)
	if broken {
		h = fixtures.BrokenDemoAPI(opts)
	}
	srv, err := loopback.Listen(h, nil)
	if err != nil {
		return nil, fmt.Errorf("conformance: starting the demo API: %w", err)
	}
	return &Demo{Target: fmt.Sprintf("http://api.localhost:%d", srv.Port), Address: srv.Addr(), srv: srv}, nil
}

// Close stops the demo API.
func (d *Demo) Close() { d.srv.Close() }
