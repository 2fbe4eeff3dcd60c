package playground

// Every direct use of the harness package (beyond the types the lab's API
// carries) is in this file.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/lab"
	"github.com/corsgate/corsgate/origins"
)

// Downgrade is the http:// twin of the lab's main origin: the scheme
// downgrade an attacker tries, impersonated like the lab's origins.
const Downgrade = "http://app.example.com"

// Impersonate are the origins the playground's browser serves as
// production origins: the lab's, and the http downgrade.
func Impersonate() []string { return append(append([]string{}, LabOrigins...), Downgrade) }

// StartBrowser starts the one headless Chromium the playground runs
// requests in, with the page origins it offers.
func StartBrowser() (*harness.Env, error) { return harness.Start(HarnessConfig()) }

// HarnessConfig is the lab's browser (lab.HarnessConfig: its servers on
// the intranet, the portals on public addresses) with the playground's
// origins.
func HarnessConfig() harness.Config {
	cfg := lab.HarnessConfig()
	cfg.Impersonate = Impersonate()
	return cfg
}

// Origin is one page origin the request can come from.
type Origin struct {
	// Name is the harness's name for it (or SameOrigin).
	Name string `json:"name"`
	// Serialized is the Origin header Chrome sends from it.
	Serialized string `json:"serialized"`
	// Kind groups the list: allowed, lookalike, other site, null, downgrade.
	Kind string `json:"kind"`
}

// kinds says what each known origin stands for in the lab's stories.
var kinds = map[string]string{
	"https://app.example.com":               "allowed by the lab's configurations",
	"https://admin.example.com":             "allowed by some, a second frontend",
	"https://app.example.com.attacker.test": "attacker lookalike",
	lab.Portal:                              "public portal calling the intranet API (Local Network Access)",
	lab.LegacyPortal:                        "public portal on http: not a secure context",
	lab.IntranetPage:                        "http page on the intranet",
	Downgrade:                               "http downgrade of the allowed origin",
	string(origins.Opaque):                  "opaque origin: Origin: null",
	string(origins.Attacker):                "another site",
	string(origins.App):                     "local frontend (http)",
	string(origins.Admin):                   "local frontend (http)",
	string(origins.AppOtherPort):            "same host, another port",
	string(origins.SecureApp):               "local frontend (https)",
}

// originChoices lists env's page origins, the lab's first, then the API's
// own origin.
func originChoices(env *harness.Env) []Origin {
	var first, rest []Origin
	for _, o := range env.Origins() {
		c := Origin{Name: string(o.Name), Serialized: o.Serialize(), Kind: kinds[string(o.Name)]}
		if o.Impersonated {
			first = append(first, c)
		} else if c.Kind != "" {
			rest = append(rest, c)
		}
	}
	// The lab's order: allowed, second frontend, lookalike, downgrade.
	order := map[string]int{}
	for i, n := range Impersonate() {
		order[n] = i
	}
	for i := 1; i < len(first); i++ {
		for j := i; j > 0 && order[first[j-1].Name] > order[first[j].Name]; j-- {
			first[j-1], first[j] = first[j], first[j-1]
		}
	}
	all := append(first, rest...)
	return append(all, Origin{Name: SameOrigin, Serialized: "the API's own origin (http://api.localhost:PORT)", Kind: "same origin"})
}

// runThenFrom runs first, then navigates the same tab (same browser
// context: same HTTP cache, same preflight cache) to then's page origin and
// runs it: what a user does moving between two frontends, and what
// Vary: Origin is for (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches).
func runThenFrom(ctx context.Context, env *harness.Env, first, then harness.Probe) ([]*harness.Observation, error) {
	sess, err := env.NewSession(ctx, first.Page)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	a, err := sess.Run(ctx, first)
	if err != nil {
		return nil, err
	}
	if err := sess.Navigate(ctx, then.Page); err != nil {
		return nil, err
	}
	b, err := sess.Run(ctx, then)
	if err != nil {
		return nil, err
	}
	return []*harness.Observation{a, b}, nil
}

// RunView is one request as Chrome handled it.
type RunView struct {
	Origin          string   `json:"origin"`
	Outcome         string   `json:"outcome"`
	Status          int      `json:"status,omitempty"`
	CORSError       string   `json:"corsError,omitempty"`
	FailedParameter string   `json:"failedParameter,omitempty"`
	Console         []string `json:"console,omitempty"`
	Preflight       string   `json:"preflight"`
	// Wire are the raw exchanges Chrome saw (preflights, then the actual
	// request), every response header as received.
	Wire     []WireExchange `json:"wire"`
	Readable []string       `json:"readable,omitempty"`
	Net      string         `json:"net,omitempty"`
}

// WireExchange is one request on the wire as Chrome reported it.
type WireExchange struct {
	Request string   `json:"request"`
	Status  int      `json:"status,omitempty"`
	Headers []string `json:"headers,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// view is the page's form of one observation.
func view(o *harness.Observation) RunView {
	v := RunView{
		Origin: o.PageOrigin, Outcome: string(o.Outcome), CORSError: string(o.CORSError),
		FailedParameter: o.FailedParameter, Preflight: string(o.Preflight), Net: strings.TrimSpace(o.NetError + " " + o.BlockedReason),
	}
	if o.Outcome == harness.OutcomeReadable {
		v.Status = o.JS.Status
		for _, kv := range o.JS.Headers {
			v.Readable = append(v.Readable, kv[0])
		}
	}
	for _, l := range o.Console {
		v.Console = append(v.Console, l.Text)
	}
	for _, p := range o.Preflights {
		v.Wire = append(v.Wire, wire(p))
	}
	if o.Actual.RequestID != "" {
		v.Wire = append(v.Wire, wire(o.Actual))
	} else {
		v.Wire = append(v.Wire, WireExchange{Request: o.Probe.Method + " " + o.Probe.URL, Note: "not sent"})
	}
	return v
}

func wire(e harness.Exchange) WireExchange {
	w := WireExchange{Request: e.Method + " " + e.URL, Status: e.Status}
	if o, ok := e.RequestHeader("Origin"); ok {
		w.Request += " (Origin: " + o + ")"
	}
	for _, h := range e.ResponseHeaders {
		w.Headers = append(w.Headers, h.Name+": "+h.Value)
	}
	switch {
	case e.FromCache:
		w.Note = "from Chrome's HTTP cache"
	case e.ErrorText != "":
		w.Note = e.ErrorText
	case !e.Sent:
		w.Note = "not sent"
	}
	return w
}

// recoverBrowser restarts the browser when err says it died, so the playground
// keeps one ready; it returns the line the page shows.
func recoverBrowser(env *harness.Env, err error) string {
	if !errors.Is(err, harness.ErrBrowserLost) {
		return "playground: the browser could not run the request: " + err.Error()
	}
	if rerr := env.Browser.Restart(); rerr != nil {
		return fmt.Sprintf("playground: the browser died (%v) and did not restart (%v); restart make playground", err, rerr)
	}
	return fmt.Sprintf("playground: the browser died during the run (%v); a new one is ready, run again", err)
}
