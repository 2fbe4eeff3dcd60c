// Package lab is the teaching lab's catalogue: each entry is an IIS
// web.config from fixtures/iis/testdata that reproduces one mistake of the
// field guide (or its correct counterpart), the probes that expose it, and
// the verdict Chrome must give — taken from the Fetch standard or observed
// Chrome behaviour, cited in Why, never from what the emulator happens to do.
package lab

import (
	"fmt"
	"path/filepath"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/origins"
)

// The production origins the lab's configurations allow or refuse; the
// harness serves pages as these exact origins.
const (
	App       = "https://app.example.com"
	Admin     = "https://admin.example.com"
	Lookalike = "https://app.example.com.attacker.test"
)

// Origins are the origins an Env for the lab must impersonate.
var Origins = []string{App, Admin, Lookalike}

// Check is one probe against a configuration and Chrome's expected verdict.
type Check struct {
	Name  string
	Probe harness.Probe // Page is an impersonated origin; URL is a path
	// Want is harness.OutcomeReadable or harness.OutcomeCORSBlocked.
	Want            harness.Outcome
	CORSError       network.CorsError
	FailedParameter string
	// Status is the status JavaScript must read (readable checks), 0 for any.
	Status int
	// Why cites the rule the verdict comes from.
	Why string
}

// Entry is one configuration of the lab.
type Entry struct {
	// Config is the file name under fixtures/iis/testdata.
	Config  string
	Mistake string
	Fix     string
	Checks  []Check
}

// Server is one configuration served by the IIS emulation on loopback.
type Server struct {
	Base string // http://api.localhost:PORT
	Rec  *fixtures.Recorder
	srv  *loopback.Server
}

// Serve loads dir/e.Config and serves it in front of the application.
func Serve(dir string, e Entry) (*Server, error) {
	cfg, err := iis.Load(filepath.Join(dir, e.Config))
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	rec := fixtures.Record(iis.New(cfg, fixtures.App()))
	srv, err := loopback.Listen(rec, nil)
	if err != nil {
		return nil, fmt.Errorf("lab: serving %q: %w", e.Config, err)
	}
	return &Server{Base: fmt.Sprintf("http://api.localhost:%d", srv.Port), Rec: rec, srv: srv}, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Probe is the check's probe aimed at this server.
func (s *Server) Probe(c Check) harness.Probe {
	p := c.Probe
	p.URL = s.Base + p.URL
	return p
}

// nameOf turns an impersonated origin into the harness's origin name.
func nameOf(origin string) origins.Name { return origins.Name(origin) }
