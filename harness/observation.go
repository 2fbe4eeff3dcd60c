package harness

import (
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fetchspec"
)

// Outcome is what happened to a probe, as a closed set. Only
// OutcomeCORSBlocked is a CORS verdict; network failures and timeouts are
// reported as what they are.
type Outcome string

// The outcomes.
const (
	// OutcomeReadable: JavaScript received a response it can read.
	OutcomeReadable Outcome = "readable"
	// OutcomeOpaque: a no-cors request got an opaque response (status 0,
	// no headers, no body) — sent, but unreadable by design.
	OutcomeOpaque Outcome = "opaque"
	// OutcomeCORSBlocked: Chrome refused the response (or the preflight)
	// under the CORS protocol; CORSError says why.
	OutcomeCORSBlocked Outcome = "cors-blocked"
	// OutcomeNetworkFailure: the request failed below CORS: connection
	// refused, DNS, TLS, reset. NetError has Chrome's net:: code.
	OutcomeNetworkFailure Outcome = "network-failure"
	// OutcomeBlockedByBrowser: blocked for a reason other than CORS
	// (mixed content, CSP, ...); BlockedReason says which.
	OutcomeBlockedByBrowser Outcome = "blocked-by-browser"
	// OutcomeTimeout: no answer within the probe's timeout.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeScriptError: page JavaScript rejected the probe before any
	// request (e.g. an invalid header name); the probe is wrong, not the API.
	OutcomeScriptError Outcome = "script-error"
)

// PreflightState says whether Chrome sent a preflight for the probe.
type PreflightState string

// The preflight states.
const (
	// PreflightNotNeeded: the Fetch standard requires none and none was sent.
	PreflightNotNeeded PreflightState = "not-needed"
	// PreflightSent: Chrome sent an OPTIONS preflight (seen on DevTools).
	PreflightSent PreflightState = "sent"
	// PreflightCached: one was required but Chrome sent none and went on
	// with the actual request: a hit in its preflight cache.
	PreflightCached PreflightState = "cached"
	// PreflightNotReached: one was required and none was seen, and the
	// actual request never reached the network (e.g. connection refused).
	PreflightNotReached PreflightState = "not-reached"
)

// JSResult is what page JavaScript could see.
type JSResult struct {
	API        string `json:"api"`
	Outcome    string `json:"outcome"` // response | error | timeout
	Status     int    `json:"status"`
	StatusText string `json:"statusText"`
	Type       string `json:"type"` // basic | cors | opaque (fetch only)
	URL        string `json:"url"`
	Redirected bool   `json:"redirected"`
	// Headers are the response headers JavaScript can read, lower-cased: the
	// CORS-safelisted ones plus those exposed by Access-Control-Expose-Headers.
	Headers      [][2]string `json:"headers"`
	Body         string      `json:"body"`
	BodyLength   int         `json:"bodyLength"`
	ErrorName    string      `json:"errorName"`
	ErrorMessage string      `json:"errorMessage"`
}

// Header returns the value JavaScript reads for name, and whether it can.
func (j JSResult) Header(name string) (string, bool) {
	for _, kv := range j.Headers {
		if strings.EqualFold(kv[0], name) {
			return kv[1], true
		}
	}
	return "", false
}

// Exchange is one request on the wire (the preflight or the actual request)
// with the raw headers from the ExtraInfo events.
type Exchange struct {
	RequestID string `json:"requestId"`
	Method    string `json:"method"`
	URL       string `json:"url"`
	// Sent means the request reached the network (Chrome reported raw request
	// headers or a response for it).
	Sent           bool     `json:"sent"`
	RequestHeaders []Header `json:"requestHeaders,omitempty"`
	// Status and ResponseHeaders are raw, as received: duplicates stay
	// separate lines even when Chrome then blocks the response.
	Status          int        `json:"status,omitempty"`
	ResponseHeaders []Header   `json:"responseHeaders,omitempty"`
	FromCache       bool       `json:"fromCache,omitempty"`
	Redirects       []Redirect `json:"redirects,omitempty"`
	ErrorText       string     `json:"errorText,omitempty"`
	Finished        bool       `json:"finished"`
}

// Redirect is one hop of the actual request.
type Redirect struct {
	Status   int    `json:"status"`
	From     string `json:"from"`
	Location string `json:"location"`
}

// ResponseHeader returns every raw value of name, in order.
func (e Exchange) ResponseHeader(name string) []string {
	var vs []string
	for _, h := range e.ResponseHeaders {
		if strings.EqualFold(h.Name, name) {
			vs = append(vs, h.Value)
		}
	}
	return vs
}

// RequestHeader returns the raw request header value for name.
func (e Exchange) RequestHeader(name string) (string, bool) {
	for _, h := range e.RequestHeaders {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Issue is a CORS issue from Audits.issueAdded.
type Issue struct {
	CORSError       network.CorsError `json:"corsError"`
	FailedParameter string            `json:"failedParameter"`
	IsWarning       bool              `json:"isWarning"`
	InitiatorOrigin string            `json:"initiatorOrigin"`
	URL             string            `json:"url"`
}

// ConsoleLine is a message Chrome printed to the DevTools console.
type ConsoleLine struct {
	Source string `json:"source"`
	Level  string `json:"level"`
	Text   string `json:"text"`
}

// Cookie is a cookie Chrome sent, or blocked with its reasons.
type Cookie struct {
	Name    string   `json:"name"`
	Reasons []string `json:"reasons,omitempty"`
	// Direction is "request" (not sent) or "response" (Set-Cookie not stored).
	Direction string `json:"direction,omitempty"`
}

// CookiePolicy is the browser's third-party cookie setting.
type CookiePolicy string

// The cookie policies.
const (
	// ThirdPartyCookiesBlocked is Chrome's headless default: cross-site
	// cookies are blocked with reason UserPreferences.
	ThirdPartyCookiesBlocked CookiePolicy = "blocked (Chrome default)"
	// ThirdPartyCookiesAllowed seeds profile.cookie_controls_mode=0 into the
	// profile before launch.
	ThirdPartyCookiesAllowed CookiePolicy = "allowed (profile preference)"
)

// Observation is everything the browser decided about one probe.
type Observation struct {
	Probe      Probe  `json:"probe"`
	PageOrigin string `json:"pageOrigin"`
	PageURL    string `json:"pageURL"`
	Browser    string `json:"browser"`
	// ThirdPartyCookies is the cookie policy the browser ran with.
	ThirdPartyCookies CookiePolicy `json:"thirdPartyCookies"`

	Outcome Outcome  `json:"outcome"`
	JS      JSResult `json:"js"`

	Preflight PreflightState `json:"preflight"`
	// Preflights are the OPTIONS requests Chrome sent for this probe (more
	// than one after a redirect).
	Preflights []Exchange `json:"preflights,omitempty"`
	Actual     Exchange   `json:"actual"`

	// CORSError and FailedParameter are Chrome's structured verdict, from
	// Network.loadingFailed.corsErrorStatus (or the Audits issue when the
	// request never reached the network).
	CORSError       network.CorsError `json:"corsError,omitempty"`
	FailedParameter string            `json:"failedParameter,omitempty"`
	Issues          []Issue           `json:"issues,omitempty"`
	Console         []ConsoleLine     `json:"console,omitempty"`

	// LocalNetwork is the Local Network Access evidence: the address
	// spaces assigned to the page and the target, the permissions granted,
	// and Chrome's clientSecurityState and resourceIPAddressSpace.
	LocalNetwork LocalNetwork `json:"localNetwork,omitzero"`

	CookiesSent    []Cookie `json:"cookiesSent,omitempty"`
	CookiesBlocked []Cookie `json:"cookiesBlocked,omitempty"`

	// NetError is Chrome's net:: error for network failures and timeouts.
	NetError      string `json:"netError,omitempty"`
	BlockedReason string `json:"blockedReason,omitempty"`

	// Isolation is how the probe was kept independent of earlier probes
	// (empty for Env.Run and Session.Run: a context of its own, or a
	// deliberate sequence).
	Isolation Isolation `json:"isolation,omitempty"`

	// Incomplete lists evidence that did not arrive before the grace period
	// ended (for example a console line); the verdict does not depend on it.
	Incomplete []string      `json:"incomplete,omitempty"`
	Elapsed    time.Duration `json:"elapsed"`
}

// Readable reports whether JavaScript could read the response.
func (o *Observation) Readable() bool { return o.Outcome == OutcomeReadable }

// CORSConsole returns Chrome's CORS console message ("Access to fetch at ...
// has been blocked by CORS policy: ..."), or "".
func (o *Observation) CORSConsole() string {
	for _, l := range o.Console {
		if strings.Contains(l.Text, "CORS policy") || strings.Contains(l.Text, "Request mode is") {
			return l.Text
		}
	}
	return ""
}

// String prints the whole evidence, for failure messages and logs.
func (o *Observation) String() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("page:      %s (%s)", o.PageOrigin, o.Probe.Page)
	w("request:   %s", o.Probe)
	w("outcome:   %s", o.Outcome)
	switch o.JS.Outcome {
	case "response":
		w("js:        status %d, type %q, readable headers %s, body %q", o.JS.Status, o.JS.Type, formatPairs(o.JS.Headers), clip(o.JS.Body, 120))
	default:
		w("js:        %s %s: %s", o.JS.Outcome, o.JS.ErrorName, o.JS.ErrorMessage)
	}
	w("preflight: %s", o.Preflight)
	for _, p := range o.Preflights {
		w("  OPTIONS %s -> %s", p.URL, exchangeSummary(p))
	}
	if o.Actual.RequestID != "" {
		w("actual:    %s %s -> %s", o.Actual.Method, o.Actual.URL, exchangeSummary(o.Actual))
		for _, r := range o.Actual.Redirects {
			w("  redirect %d %s -> %s", r.Status, r.From, r.Location)
		}
	} else {
		w("actual:    not sent")
	}
	if o.CORSError != "" {
		w("chrome:    CorsError %s, failedParameter %q", o.CORSError, o.FailedParameter)
	}
	if o.NetError != "" {
		w("net error: %s", o.NetError)
	}
	if o.BlockedReason != "" {
		w("blocked:   %s", o.BlockedReason)
	}
	for _, l := range o.Console {
		w("console:   [%s %s] %s", l.Source, l.Level, l.Text)
	}
	if !o.LocalNetwork.IsZero() {
		w("network:   %s", o.LocalNetwork)
	}
	if len(o.CookiesSent) > 0 || len(o.CookiesBlocked) > 0 {
		w("cookies:   sent %s, blocked %s (third-party cookies %s)", cookieNames(o.CookiesSent), cookieNames(o.CookiesBlocked), o.ThirdPartyCookies)
	}
	if len(o.Incomplete) > 0 {
		w("missing:   %s", strings.Join(o.Incomplete, "; "))
	}
	if o.Isolation != "" {
		w("isolation: %s", o.Isolation)
	}
	w("browser:   %s", o.Browser)
	return strings.TrimRight(b.String(), "\n")
}

// GomegaString makes gomega print the evidence instead of a struct dump.
func (o *Observation) GomegaString() string { return "\n" + o.String() }

func exchangeSummary(e Exchange) string {
	var s string
	switch {
	case e.Status != 0:
		s = fmt.Sprintf("%d", e.Status)
	case e.ErrorText != "":
		s = e.ErrorText
	case !e.Sent:
		s = "no response"
	}
	if e.FromCache {
		s += " (from HTTP cache)"
	}
	var cors []string
	for _, h := range e.ResponseHeaders {
		if fetchspec.IsCORSEvidenceHeader(h.Name) {
			cors = append(cors, h.Name+": "+h.Value)
		}
	}
	if len(cors) > 0 {
		s += " [" + strings.Join(cors, " | ") + "]"
	} else if e.Status != 0 {
		s += " [no CORS headers]"
	}
	if o, ok := e.RequestHeader("Origin"); ok {
		s += fmt.Sprintf(" (Origin: %s)", o)
	}
	return s
}

func formatPairs(kv [][2]string) string {
	parts := make([]string, len(kv))
	for i, p := range kv {
		parts[i] = p[0]
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func cookieNames(cs []Cookie) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Name
		if len(c.Reasons) > 0 {
			parts[i] += " (" + strings.Join(c.Reasons, ", ") + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
