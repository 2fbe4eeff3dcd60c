package playground

// Every use of the lab package is in this file, so that a change of the
// lab's API is adapted here alone.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/lab"
	"github.com/corsgate/corsgate/origins"
)

// LabOrigins are the impersonated origins the lab's checks run from.
var LabOrigins = lab.Origins

// Case is one lab check as the page shows it: the configuration it runs
// against, the request, and what the lab knows about the mistake.
type Case struct {
	// Config is the lab configuration's name, its file name without
	// ".config"; Check the check's index and Slug its stable name (the
	// stable link is /?lab=<Config>&check=<Slug>; the page still reads
	// older links with the index).
	Config  string `json:"config"`
	Check   int    `json:"check"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Mistake string `json:"mistake"`
	Fix     string `json:"fix"`
	Why     string `json:"why"`
	// Text is the web.config as the lab serves it.
	Text    string  `json:"text"`
	App     string  `json:"app"`
	Request Request `json:"request"`
}

// loadCases reads every configuration of the lab's catalogue from dir.
func loadCases(dir string) ([]Case, error) {
	var cs []Case
	for _, e := range lab.Catalogue {
		text, err := os.ReadFile(filepath.Join(dir, e.Config))
		if err != nil {
			return nil, fmt.Errorf("playground: lab configuration %q: %w; run from the repository root or pass -configs", e.Config, err)
		}
		for i, c := range e.Checks {
			cs = append(cs, Case{
				Config: strings.TrimSuffix(e.Config, ".config"), Check: i, Slug: lab.CheckSlug(c.Name), Name: c.Name,
				Mistake: e.Mistake, Fix: e.Fix, Why: c.Why, Text: string(text),
				App: appName(e.App), Request: requestOf(c),
			})
		}
	}
	return cs, nil
}

// The application kinds, as the page names them.
const (
	appPlain    = "plain"
	appLevelApp = "app-level-cors"
)

func appName(k lab.AppKind) string {
	if k == lab.AppLevelCORS {
		return appLevelApp
	}
	return appPlain
}

func appKind(name string) lab.AppKind {
	if name == appLevelApp {
		return lab.AppLevelCORS
	}
	return lab.PlainApp
}

// requestOf is the page's form of a lab check's request.
func requestOf(c lab.Check) Request {
	p := c.Probe
	r := Request{Origin: string(p.Page), Path: p.URL, Method: p.Method, Credentials: string(p.Credentials), Body: p.Body}
	if c.SameOrigin {
		r.Origin = SameOrigin
	}
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.Credentials == "" {
		r.Credentials = string(harness.CredentialsSameOrigin)
	}
	for _, h := range p.Headers {
		if strings.EqualFold(h.Name, "Content-Type") && r.BodyType == "" {
			if t, ok := bodyTypeOf(h.Value); ok {
				r.BodyType = t
				continue
			}
		}
		r.Headers = append(r.Headers, Header{Name: h.Name, Value: h.Value})
	}
	if r.Body != "" && r.BodyType == "" {
		r.BodyType = BodyRaw
	}
	if c.Twice {
		r.Sequence = SequenceTwice
	}
	if len(p.Grant) > 0 {
		r.Grant = string(p.Grant[0])
	}
	return r
}

// checkFor is the lab check that performs r (its Probe's URL is a path on the
// emulated server, as in the lab's catalogue).
func checkFor(r Request) lab.Check {
	p := harness.Probe{URL: r.Path, Method: r.Method, Credentials: harness.Credentials(r.Credentials), Body: r.Body}
	if ct := contentTypes[r.BodyType]; ct != "" {
		p.Headers = append(p.Headers, harness.Header{Name: "Content-Type", Value: ct})
	}
	for _, h := range r.Headers {
		p.Headers = append(p.Headers, harness.Header{Name: h.Name, Value: h.Value})
	}
	if r.Grant != "" {
		p.Grant = []harness.Permission{harness.Permission(r.Grant)}
	}
	c := lab.Check{Name: "playground", Probe: p, Twice: r.Sequence == SequenceTwice}
	if r.Origin == SameOrigin {
		c.SameOrigin = true
	} else {
		c.Probe.Page = origins.Name(r.Origin)
	}
	return c
}

// emulated is one web.config served by the IIS emulation as the lab serves
// its configurations (lab.Serve: iis.NewSite in front of the application,
// recorded, with the probe page mounted so a request can come from the
// API's own origin), wrapped in offHost so Chrome never leaves it. lab.Serve
// offers no place for that wrapper, so the composition is repeated here; the
// playground suite holds every lab case to make lab's verdict.
type emulated struct {
	srv  *lab.Server
	stop *offHost
}

// serve parses text with the lab's parser and serves it as the lab does
// (lab.ServeConfig), behind the guard that keeps Chrome on this server.
func serve(text, app string) (*emulated, error) {
	cfg, cerr := parse(text)
	if cerr != nil {
		return nil, fmt.Errorf("playground: %s", cerr.Text)
	}
	stop := &offHost{}
	srv, err := lab.ServeConfig(cfg, appKind(app), func(h http.Handler) http.Handler {
		stop.next = h
		return stop
	})
	if err != nil {
		return nil, fmt.Errorf("playground: serving the web.config: %w", err)
	}
	return &emulated{srv: srv, stop: stop}, nil
}

func (e *emulated) Close() { e.srv.Close() }

// base is the emulated server's origin, http://api.localhost:PORT.
func (e *emulated) base() string { return e.srv.Base }

// curl is what a curl-like client sees for c, from origin (lab/curl.go).
func (e *emulated) curl(c lab.Check, origin string) []CurlExchange {
	var out []CurlExchange
	for _, ex := range e.srv.Curl(c, origin) {
		out = append(out, CurlExchange{Request: ex.Request, Status: ex.Status, Headers: e.asSent(ex.CORS), Err: ex.Err})
	}
	return out
}

// asSent shows curl's header lines as the emulated IIS sent them: an
// off-host Location or Refresh the playground rewrote is shown as written.
func (e *emulated) asSent(lines []string) []string {
	seen := e.stop.Seen()
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		for _, n := range seen {
			if l == n.Header+": "+n.Sent {
				l = n.Header + ": " + n.Original + " (the playground's browser got " + n.Sent + ")"
				break
			}
		}
		out = append(out, l)
	}
	return out
}

// run performs c in env's browser as the lab does (lab.Server.Run: a fresh
// browser context; both runs of a Twice check share it). With second set,
// the same request then runs from that origin in the same context.
func (e *emulated) run(ctx context.Context, env *harness.Env, c lab.Check, second string) ([]*harness.Observation, error) {
	if second == "" {
		r, err := e.srv.Run(ctx, env, c)
		if err != nil {
			return nil, err
		}
		return r.Observations, nil
	}
	return runThenFrom(ctx, env, e.srv.Probe(c, c.Probe.Page), e.srv.Probe(c, origins.Name(second)))
}

// decision is the lab's summary of what Chrome decided and the console
// message it printed, the same text make lab prints (lab.CheckReport).
func decision(c lab.Check, obs []*harness.Observation) (chrome, console string) {
	cr := lab.CheckReport{Check: c, Result: &lab.Result{Check: c, Observations: obs}}
	return cr.Chrome(), cr.Console()
}

// expectation reports whether obs is what the lab expects of its check
// (the lab's own judge), or one line saying what differs.
func expectation(c lab.Check, obs []*harness.Observation) (ok bool, why string) {
	v := (&lab.Result{Check: c, Observations: obs}).Verdict()
	return v.Pass, v.Why
}

// labCheck returns the catalogue's check for a case, if it exists.
func labCheck(config string, i int) (lab.Check, bool) {
	for _, e := range lab.Catalogue {
		if strings.TrimSuffix(e.Config, ".config") == config && i >= 0 && i < len(e.Checks) {
			return e.Checks[i], true
		}
	}
	return lab.Check{}, false
}
