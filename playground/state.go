package playground

import (
	"fmt"
	"net/url"
	"strings"
)

// State is everything a playground case is: the server side and the
// request. The page keeps it in its URL (#s=base64url(JSON)), so a link
// reproduces the case.
type State struct {
	// Lab and Check name the lab case the state started from ("" for a
	// blank or pasted configuration).
	Lab   string `json:"lab,omitempty"`
	Check int    `json:"check,omitempty"`
	// Config is the web.config text; App the application behind IIS
	// ("plain" or "app-level-cors").
	Config  string  `json:"config"`
	App     string  `json:"app,omitempty"`
	Request Request `json:"request"`
}

// Request is the request side.
type Request struct {
	// Origin is the page origin's name (see Origin), or SameOrigin.
	Origin string `json:"origin"`
	// Path is a path on the emulated server; never an absolute URL.
	Path        string   `json:"path"`
	Method      string   `json:"method"`
	Credentials string   `json:"credentials"`
	Headers     []Header `json:"headers,omitempty"`
	// BodyType sets Content-Type (json, form, text) or, raw, leaves it to
	// Headers; "" sends no body.
	BodyType string `json:"bodyType,omitempty"`
	Body     string `json:"body,omitempty"`
	// Sequence is "" (once), SequenceTwice or SequenceThenFrom.
	Sequence string `json:"sequence,omitempty"`
	// Second is the page origin of the second request of SequenceThenFrom.
	Second string `json:"second,omitempty"`
	// Grant is the Local Network Access permission the user granted the
	// page ("local-network", "loopback-network"), or "" (harness.Probe.Grant).
	Grant string `json:"grant,omitempty"`
}

// Header is one request header line.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CurlExchange is what a curl-like client saw for one request.
type CurlExchange struct {
	Request string   `json:"request"`
	Status  int      `json:"status,omitempty"`
	Headers []string `json:"headers,omitempty"`
	Err     string   `json:"err,omitempty"`
}

// SameOrigin is the request origin of a page served by the API itself.
const SameOrigin = "same-origin"

// The sequences.
const (
	// SequenceTwice sends the request twice in one browser context: the
	// second may be answered from Chrome's preflight cache.
	SequenceTwice = "twice"
	// SequenceThenFrom sends it, then the same request from Second in the
	// same context: the HTTP cache is shared, which Vary: Origin is for.
	SequenceThenFrom = "then-from"
)

// The body types and the Content-Type each sends.
const (
	BodyJSON = "json"
	BodyForm = "form"
	BodyText = "text"
	BodyRaw  = "raw"
)

var contentTypes = map[string]string{
	BodyJSON: "application/json",
	BodyForm: "application/x-www-form-urlencoded",
	BodyText: "text/plain",
}

func bodyTypeOf(contentType string) (string, bool) {
	for t, ct := range contentTypes {
		if strings.EqualFold(contentType, ct) {
			return t, true
		}
	}
	return "", false
}

// Limits on what a page may send.
const (
	// MaxConfig is the largest web.config the playground parses.
	MaxConfig  = 64 << 10
	maxPath    = 2048
	maxHeaders = 32
	maxValue   = 4096
	maxBody    = 16 << 10
)

// validate checks a request before anything runs, with one line naming
// the field and the fix.
func (r *Request) validate(known func(string) error) error {
	if err := validPath(r.Path); err != nil {
		return err
	}
	if r.Method == "" {
		r.Method = "GET"
	}
	if !isToken(r.Method) || len(r.Method) > 32 {
		return fmt.Errorf("playground: method %q is not an HTTP method token; write e.g. GET, POST, PUT", r.Method)
	}
	switch r.Credentials {
	case "":
		r.Credentials = "same-origin"
	case "omit", "same-origin", "include":
	default:
		return fmt.Errorf("playground: credentials %q is not a credentials mode; pick omit, same-origin or include", r.Credentials)
	}
	if len(r.Headers) > maxHeaders {
		return fmt.Errorf("playground: %d request headers; the playground sends at most %d, remove some", len(r.Headers), maxHeaders)
	}
	for _, h := range r.Headers {
		if !isToken(h.Name) {
			return fmt.Errorf("playground: request header name %q is not a token; write Name: value, one per line", h.Name)
		}
		if len(h.Value) > maxValue || strings.ContainsAny(h.Value, "\r\n\x00") {
			return fmt.Errorf("playground: request header %q has a value over %d bytes or with a line break; write its value on its own line, shorter", h.Name, maxValue)
		}
	}
	switch r.BodyType {
	case "", BodyJSON, BodyForm, BodyText, BodyRaw:
	default:
		return fmt.Errorf("playground: body type %q is not a body type the playground sends; pick json, form, text or raw", r.BodyType)
	}
	if r.BodyType == "" {
		r.Body = ""
	}
	if len(r.Body) > maxBody {
		return fmt.Errorf("playground: the body is %d bytes; the playground sends at most %d, shorten it", len(r.Body), maxBody)
	}
	if r.Body != "" && (strings.EqualFold(r.Method, "GET") || strings.EqualFold(r.Method, "HEAD")) {
		return fmt.Errorf("playground: a %s request cannot carry a body; pick POST or no body", r.Method)
	}
	if r.Origin != SameOrigin {
		if err := known(r.Origin); err != nil {
			return err
		}
	}
	switch r.Sequence {
	case "", SequenceTwice:
		r.Second = ""
	case SequenceThenFrom:
		if r.Origin == SameOrigin || r.Second == SameOrigin || r.Second == "" {
			return fmt.Errorf("playground: \"then from another origin\" from page origin %q then %q needs two page origins from the list, not the API's own nor none; pick both in the origin and \"then from\" menus", r.Origin, r.Second)
		}
		if err := known(r.Second); err != nil {
			return err
		}
	default:
		return fmt.Errorf("playground: sequence %q is not a sequence the playground runs; pick once, twice or then-from", r.Sequence)
	}
	return nil
}

// validPath accepts a path on the emulated server and nothing else: the
// playground builds the URL from the emulated server's own address, so a
// request never leaves it.
func validPath(p string) error {
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(p, "//") {
		return fmt.Errorf("playground: request path %q is not a path; the playground only calls its own emulated server, write e.g. /api/orders", p)
	}
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\ \r\n\t\x00") || len(p) > maxPath {
		return fmt.Errorf("playground: request path %q must start with / and hold no spaces or backslashes, e.g. /api/orders", p)
	}
	return nil
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 126 || c <= 32 || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}
