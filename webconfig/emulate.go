package webconfig

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
)

// appMarker is the header the stand-in application puts on every response
// it answers, so that a probe can tell the application's answer from one
// IIS itself produced (OPTIONSVerbHandler, a 405, the CORS Module).
const appMarker = "X-Corsgate-Application"

// standInApp is the application behind IIS in the emulation: it answers
// every request 200 with a small JSON body and sets no CORS header, as an
// application that leaves CORS to IIS does.
var standInApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(appMarker, "1")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}` + "\n"))
})

// Emulator sends requests through the IIS emulation of one configuration
// in-process (no network, no browser) and judges the responses by the
// Fetch CORS rules.
type Emulator struct {
	h http.Handler
}

// NewEmulator serves cfg through the iis emulation as make lab and make
// diff serve it (iis.SiteOptions: stock IIS 10, ARR on for a file whose
// rule rewrites to another host, requests taken as HTTPS), with a stand-in
// application that sets no CORS header.
func NewEmulator(cfg *iis.Config) *Emulator {
	return &Emulator{h: iis.NewSite(cfg, standInApp)}
}

// Request is one cross-origin fetch a page makes.
type Request struct {
	// Origin is the page origin, as the browser sends it.
	Origin string
	// Method is sent as written.
	Method string
	// Path is the URL path; "" is /api/orders, an extensionless API route.
	Path string
	// Headers are the CORS-unsafe request header names the page sets
	// (Content-Type for a JSON body, Authorization, X-...); they go in the
	// preflight's Access-Control-Request-Headers.
	Headers []string
	// Credentials is credentials: 'include'.
	Credentials bool
}

// Exchange is one request and the response the emulation gave.
type Exchange struct {
	Method string
	Status int
	Header http.Header
	// FromApp: the application answered (not IIS itself).
	FromApp bool
}

// Outcome is what the browser decides on a Request.
type Outcome struct {
	// Preflight is nil when the request needs none.
	Preflight *Exchange
	// Actual is nil when the preflight failed.
	Actual *Exchange
	// CorsError is "" when page JavaScript can read the response, else
	// Chrome's CorsError name, e.g. PreflightInvalidStatus.
	CorsError string
	// Failed is the failed parameter: the method or header name refused.
	Failed string
}

// Fetch sends r through the emulation as a browser would (a preflight
// first when the Fetch rules ask for one) and judges the responses.
func (e *Emulator) Fetch(r Request) Outcome {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	if r.Path == "" {
		r.Path = "/api/orders"
	}
	var out Outcome
	// https://fetch.spec.whatwg.org/#cors-preflight-fetch: a method that is not
	// CORS-safelisted, or a CORS-unsafe request header (r lists only those).
	if !fetchspec.IsSafelistedMethod(r.Method) || len(r.Headers) > 0 {
		h := http.Header{"Origin": {r.Origin}, "Access-Control-Request-Method": {r.Method}}
		if len(r.Headers) > 0 {
			// Chrome sends the names lower-cased, sorted, comma-separated
			// (https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names).
			names := make([]string, len(r.Headers))
			for i, n := range r.Headers {
				names[i] = strings.ToLower(n)
			}
			slices.Sort(names)
			h.Set("Access-Control-Request-Headers", strings.Join(slices.Compact(names), ","))
		}
		out.Preflight = e.send(http.MethodOptions, r.Path, h)
		if ce, failed := fetchspec.PreflightCheck(out.Preflight.Status, out.Preflight.Header, fetchspec.PreflightRequest{Origin: r.Origin, Method: r.Method, Headers: r.Headers, Credentials: r.Credentials}); ce != "" {
			out.CorsError, out.Failed = ce, failed
			return out
		}
	}
	h := http.Header{"Origin": {r.Origin}}
	for _, n := range r.Headers {
		h.Set(n, sampleValue(n))
	}
	if r.Credentials {
		h.Set("Cookie", "session=corsgate")
	}
	out.Actual = e.send(r.Method, r.Path, h)
	out.CorsError = fetchspec.CORSCheck(out.Actual.Header, r.Origin, r.Credentials)
	return out
}

// Send sends one raw request through the emulation, as curl would.
func (e *Emulator) Send(method, path string, h http.Header) *Exchange {
	return e.send(method, path, h)
}

func (e *Emulator) send(method, path string, h http.Header) (ex *Exchange) {
	// The site is served over HTTPS, as an API called cross-origin is:
	// {HTTPS} is "on" and an HTTP-to-HTTPS redirect rule stays quiet.
	req := httptest.NewRequest(method, "https://api.example.com"+path, nil)
	req.TLS = &tls.ConnectionState{}
	for k, vs := range h {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	rec := httptest.NewRecorder()
	ex = &Exchange{Method: method}
	defer func() {
		// An AbortRequest rule drops the connection: no response at all,
		// which a browser reports as a network error, not a CORS one.
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			ex.Status, ex.Header = 0, http.Header{}
		}
	}()
	e.h.ServeHTTP(rec, req)
	res := rec.Result()
	ex.Status, ex.Header = res.StatusCode, res.Header
	ex.FromApp = res.Header.Get(appMarker) != ""
	res.Header.Del(appMarker)
	return ex
}

// sampleValue is a value for request header n that is not CORS-safelisted.
func sampleValue(n string) string {
	switch strings.ToLower(n) {
	case "content-type":
		return "application/json"
	case "authorization":
		return "Bearer corsgate"
	}
	return "corsgate"
}
