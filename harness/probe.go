package harness

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/origins"
)

// API is the browser API that performs a probe.
type API string

// The APIs a probe can use.
const (
	Fetch API = "fetch"
	XHR   API = "xhr"
)

// Credentials is the request's credentials mode.
// See https://fetch.spec.whatwg.org/#concept-request-credentials-mode.
type Credentials string

// The credentials modes.
const (
	CredentialsOmit       Credentials = "omit"
	CredentialsSameOrigin Credentials = "same-origin"
	CredentialsInclude    Credentials = "include"
)

// Header is one header line, in order; names keep the case they were given.
// It is fetchspec.Header, so the Fetch predicates take a probe's headers as
// they are.
type Header = fetchspec.Header

// Probe is one request performed by page JavaScript from a named origin.
// Zero values mean the browser's defaults: GET, credentials "same-origin",
// mode "cors", cache "default", redirect "follow", fetch().
type Probe struct {
	// Page is the origin whose page performs the request.
	Page origins.Name `json:"page"`
	// URL is the absolute target URL.
	URL string `json:"url"`
	// Method is sent as written; fetch() upper-cases only DELETE, GET, HEAD,
	// OPTIONS, POST and PUT (https://fetch.spec.whatwg.org/#concept-method-normalize).
	Method      string      `json:"method,omitempty"`
	Headers     []Header    `json:"headers,omitempty"`
	Body        string      `json:"body,omitempty"`
	Credentials Credentials `json:"credentials,omitempty"`
	// Mode is the request mode: cors, no-cors or same-origin.
	Mode string `json:"mode,omitempty"`
	// Cache is the fetch cache mode; "no-store" also bypasses Chrome's
	// preflight cache.
	Cache    string `json:"cache,omitempty"`
	Redirect string `json:"redirect,omitempty"`
	API      API    `json:"api,omitempty"`
	// Timeout bounds the request in the page; zero means the Env's default.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Grant are the Local Network Access permissions the user has granted
	// the page origin for this probe (Browser.setPermission in the probe's
	// browser context); none means the user was never asked, which
	// headless Chrome treats as denied.
	Grant []Permission `json:"grant,omitempty"`
}

// withDefaults fills in the browser defaults and validates the probe.
func (p Probe) withDefaults(defaultTimeout time.Duration) (Probe, error) {
	if p.Method == "" {
		p.Method = "GET"
	}
	if p.Credentials == "" {
		p.Credentials = CredentialsSameOrigin
	}
	if p.Mode == "" {
		p.Mode = "cors"
	}
	if p.Cache == "" {
		p.Cache = "default"
	}
	if p.Redirect == "" {
		p.Redirect = "follow"
	}
	if p.API == "" {
		p.API = Fetch
	}
	if p.Timeout == 0 {
		p.Timeout = defaultTimeout
	}
	u, err := url.Parse(p.URL)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		return p, fmt.Errorf("harness: probe URL %q is not an absolute http(s) URL; write e.g. https://api.example.com/path", p.URL)
	}
	switch p.Credentials {
	case CredentialsOmit, CredentialsSameOrigin, CredentialsInclude:
	default:
		return p, fmt.Errorf("harness: probe credentials %q is not one of omit, same-origin, include", p.Credentials)
	}
	switch p.Mode {
	case "cors", "no-cors", "same-origin":
	default:
		return p, fmt.Errorf("harness: probe mode %q is not one of cors, no-cors, same-origin", p.Mode)
	}
	switch p.API {
	case Fetch:
	case XHR:
		if p.Mode != "cors" || p.Cache != "default" || p.Redirect != "follow" {
			return p, fmt.Errorf("harness: probe with api xhr cannot set mode, cache or redirect (got %q, %q, %q); use api fetch", p.Mode, p.Cache, p.Redirect)
		}
	default:
		return p, fmt.Errorf("harness: probe api %q is not fetch or xhr", p.API)
	}
	for _, g := range p.Grant {
		if g != fetchspec.PermissionLocalNetwork && g != fetchspec.PermissionLoopbackNetwork {
			return p, fmt.Errorf("harness: probe grants %q; the Local Network Access permissions are %q and %q", g, fetchspec.PermissionLocalNetwork, fetchspec.PermissionLoopbackNetwork)
		}
	}
	if p.Body != "" && (strings.EqualFold(p.Method, "GET") || strings.EqualFold(p.Method, "HEAD")) {
		return p, fmt.Errorf("harness: probe %s %s has a body; GET and HEAD requests cannot carry one, use POST", p.Method, p.URL)
	}
	return p, nil
}

// String is a one-line description: "PUT https://api/x (fetch, credentials include, 2 headers)".
func (p Probe) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s", p.Method, p.URL, p.API)
	if p.Credentials != "" {
		fmt.Fprintf(&b, ", credentials %s", p.Credentials)
	}
	if p.Mode != "" && p.Mode != "cors" {
		fmt.Fprintf(&b, ", mode %s", p.Mode)
	}
	if p.Cache != "" && p.Cache != "default" {
		fmt.Fprintf(&b, ", cache %s", p.Cache)
	}
	for _, h := range p.Headers {
		fmt.Fprintf(&b, ", %s: %s", h.Name, redact(h.Name, h.Value))
	}
	for _, g := range p.Grant {
		fmt.Fprintf(&b, ", %s granted", g)
	}
	b.WriteString(")")
	return b.String()
}

// NeedsPreflight reports whether the Fetch standard requires a CORS preflight
// for this probe sent from pageOrigin: a cross-origin cors-mode request whose
// method is not CORS-safelisted or that carries a CORS-unsafe request header.
// See https://fetch.spec.whatwg.org/#main-fetch, step 12 (CORS-preflight flag).
func (p Probe) NeedsPreflight(pageOrigin string) bool {
	if p.Mode != "" && p.Mode != "cors" { // the zero value is fetch's default, cors
		return false
	}
	if u, err := url.Parse(p.URL); err == nil && u.Scheme+"://"+u.Host == pageOrigin {
		return false
	}
	return fetchspec.NeedsPreflight(p.Method, p.Headers)
}

// redact hides credentials in evidence: Authorization and Cookie values.
func redact(name, value string) string {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " <redacted>"
		}
		return "<redacted>"
	case "cookie", "set-cookie":
		// Keep cookie names (evidence of what was sent), hide values.
		var parts []string
		for _, c := range strings.Split(value, ";") {
			n, _, _ := strings.Cut(strings.TrimSpace(c), "=")
			parts = append(parts, n+"=<redacted>")
		}
		return strings.Join(parts, "; ")
	}
	return value
}
