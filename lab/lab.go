// Package lab is the teaching lab's catalogue: each entry is an IIS
// web.config from fixtures/iis/testdata that reproduces one mistake of the
// field guide (or its correct counterpart), the probes that expose it, and
// the verdict Chrome must give — taken from the Fetch standard or observed
// Chrome behaviour, cited in Why, never from what the emulator happens to do.
package lab

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/origins"
)

// The production origins the lab's configurations allow or refuse; the
// harness serves pages as these exact origins.
const (
	App       = "https://app.example.com"
	Admin     = "https://admin.example.com"
	Lookalike = "https://app.example.com.attacker.test"
)

// The intranet configurations' frontends (localnetwork.go).
const (
	// Portal is a public portal calling the intranet API.
	Portal = "https://portal.example.com"
	// LegacyPortal is the same portal on http: not a secure context.
	LegacyPortal = "http://legacy-portal.example.com"
	// IntranetPage is an http page on the intranet itself.
	IntranetPage = "http://intranet.example.com"
)

// Origins are the origins an Env for the lab must impersonate.
var Origins = []string{App, Admin, Lookalike, Portal, LegacyPortal, IntranetPage}

// Check is one probe against a configuration and what Chrome must decide
// about it.
type Check struct {
	Name string
	// Probe's Page is an impersonated origin (or empty with SameOrigin);
	// its URL is a path on the configuration's server.
	Probe harness.Probe
	// SameOrigin runs the probe from a page served by the API itself.
	SameOrigin bool
	// Want is Chrome's expected verdict. The preflight state of the first
	// run is not written here: it follows from the probe (Steps).
	Want judge.Want
	// Twice runs the probe a second time in the same browser context; the
	// second must be answered from Chrome's preflight cache.
	Twice bool
	// Why cites the rule the verdict comes from.
	Why string
}

// Steps is what Chrome must decide about each run of c: Want, with the
// preflight the Fetch rules predict for the first run (a fresh browser
// context, https://fetch.spec.whatwg.org/#main-fetch, step 12), and for the
// second run of a Twice check the same verdict from the preflight cache.
func (c Check) Steps() []judge.Want {
	first := c.Want
	first.Preflight = harness.PreflightNotNeeded
	p := c.Probe
	if p.Method == "" {
		p.Method = "GET" // the probe page's default, as fetch's
	}
	if !c.SameOrigin && p.NeedsPreflight(string(p.Page)) {
		first.Preflight = harness.PreflightSent
	}
	steps := []judge.Want{first}
	if c.Twice {
		second := c.Want
		second.Preflight = harness.PreflightCached
		steps = append(steps, second)
	}
	return steps
}

// AppKind is the application behind the IIS layers.
type AppKind string

// The applications.
const (
	// PlainApp does no CORS of its own (fixtures.App).
	PlainApp AppKind = ""
	// AppLevelCORS does CORS in the application for App and Admin, and
	// loses the headers on its error page (fixtures.AppLevelCORS).
	AppLevelCORS AppKind = "application-level CORS"
)

// Entry is one configuration of the lab.
type Entry struct {
	// Config is the file name under fixtures/iis/testdata.
	Config string
	// App is the application behind IIS.
	App     AppKind
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

// Serve loads dir/e.Config and serves it (ServeConfig).
func Serve(dir string, e Entry) (*Server, error) {
	cfg, err := iis.Load(filepath.Join(dir, e.Config))
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	s, err := ServeConfig(cfg, e.App, nil)
	if err != nil {
		return nil, fmt.Errorf("lab: serving %q: %w", e.Config, err)
	}
	return s, nil
}

// ServeConfig serves cfg in front of the application app, as lint and make
// diff see the site (iis.NewSite). The server also serves the probe page,
// so a check can run from the API's own origin (same-origin requests).
// wrap, when not nil, wraps the whole server (the playground's guard
// against redirects off it).
func ServeConfig(cfg *iis.Config, app AppKind, wrap func(http.Handler) http.Handler) (*Server, error) {
	backend := fixtures.App()
	if app == AppLevelCORS {
		backend = fixtures.AppLevelCORS(App, Admin)
	}
	rec := fixtures.Record(iis.NewSite(cfg, backend))
	mux := http.NewServeMux()
	mux.Handle(origins.PagePath, origins.PageHandler())
	mux.Handle("/", rec)
	var h http.Handler = mux
	if wrap != nil {
		h = wrap(mux)
	}
	srv, err := loopback.Listen(h, nil)
	if err != nil {
		return nil, err
	}
	return &Server{Base: fmt.Sprintf("http://api.localhost:%d", srv.Port), Rec: rec, srv: srv}, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Probe is the check's probe aimed at this server, from page.
func (s *Server) Probe(c Check, page origins.Name) harness.Probe {
	p := c.Probe
	p.URL = s.Base + p.URL
	p.Page = page
	return p
}

// Result is what Chrome decided for one check.
type Result struct {
	Check Check
	// Observations has one observation, two for a Twice check.
	Observations []*harness.Observation
}

// Run performs the check against the server in env, in a fresh browser
// context (both runs of a Twice check share it).
func (s *Server) Run(ctx context.Context, env *harness.Env, c Check) (*Result, error) {
	page := c.Probe.Page
	if c.SameOrigin {
		page = origins.Name(s.Base)
		if _, err := env.Origin(page); err != nil {
			if _, err := env.AddOrigin(page, s.Base); err != nil {
				return nil, err
			}
		}
	}
	sess, err := env.NewSession(ctx, page)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	r := &Result{Check: c}
	for range c.Steps() {
		o, err := sess.Run(ctx, s.Probe(c, page))
		if err != nil {
			return nil, err
		}
		r.Observations = append(r.Observations, o)
	}
	return r, nil
}

// Verdict judges the result against the check's steps.
func (r *Result) Verdict() judge.Verdict { return judge.Judge(r.Check.Steps(), r.Observations) }

// nameOf turns an impersonated origin into the harness's origin name.
func nameOf(origin string) origins.Name { return origins.Name(origin) }
