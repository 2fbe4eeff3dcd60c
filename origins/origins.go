// Package origins declares the cast of named frontend origins and serves the
// pages that perform probes from them.
//
// Tests refer to origins by name; ports are chosen by the system when the
// harness starts, so no test contains a port number. An origin is either
// served on its real host name (the *.localhost names, which Chrome resolves
// to loopback and treats as secure contexts) or impersonated: served locally
// as an exact production origin such as https://app.example.com, with the
// browser's host resolver mapping that host and port to a loopback listener.
package origins

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Name identifies an origin of the cast.
type Name string

// The cast. Each *.localhost name is its own site: "localhost" is not on the
// Public Suffix List, so the implicit "*" rule makes each name directly
// under it a registrable domain.
const (
	// App is the main frontend, http://app.localhost:PORT.
	App Name = "app"
	// Admin is a second frontend on another site, http://admin.localhost:PORT.
	Admin Name = "admin"
	// AppOtherPort is same-site but cross-origin with App: same host, another
	// port (http://app.localhost:PORT2). Cookies ignore ports, so it shares
	// App's cookie jar.
	AppOtherPort Name = "app-other-port"
	// Attacker is an origin on its own site, http://attacker.localhost:PORT.
	Attacker Name = "attacker"
	// SecureApp is the HTTPS frontend, https://app.localhost:PORT3, served
	// with the ephemeral CA.
	SecureApp Name = "secure-app"
	// Opaque is a page with an opaque origin (CSP sandbox without
	// allow-same-origin), so its requests carry "Origin: null".
	// See https://fetch.spec.whatwg.org/#serializing-a-request-origin.
	Opaque Name = "opaque"
)

// Listener names the loopback listener an origin is served from.
type Listener string

// The listeners the harness starts.
const (
	HTTPMain Listener = "http-main"
	HTTPAlt  Listener = "http-alt"
	HTTPS    Listener = "https"
)

// Spec is the declaration of a named origin before ports are known.
type Spec struct {
	Name     Name
	Scheme   string
	Host     string
	Listener Listener
	// Sandboxed pages get an opaque origin.
	Sandboxed bool
}

// Cast is every built-in origin.
var Cast = []Spec{
	{Name: App, Scheme: "http", Host: "app.localhost", Listener: HTTPMain},
	{Name: Admin, Scheme: "http", Host: "admin.localhost", Listener: HTTPMain},
	{Name: AppOtherPort, Scheme: "http", Host: "app.localhost", Listener: HTTPAlt},
	{Name: Attacker, Scheme: "http", Host: "attacker.localhost", Listener: HTTPMain},
	{Name: SecureApp, Scheme: "https", Host: "app.localhost", Listener: HTTPS},
	{Name: Opaque, Scheme: "http", Host: "app.localhost", Listener: HTTPMain, Sandboxed: true},
}

// Origin is a named origin with its port resolved.
type Origin struct {
	Name   Name
	Scheme string
	Host   string
	// Port is the port in the origin; 0 means the scheme's default port
	// (impersonated origins).
	Port int
	// Sandboxed pages have an opaque origin, serialized as "null".
	Sandboxed bool
	// Impersonated origins are production origins served locally through
	// the browser's host resolver rules.
	Impersonated bool
}

// Serialize returns the origin as Chrome sends it in the Origin header.
// See https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin.
func (o Origin) Serialize() string {
	if o.Sandboxed {
		return "null"
	}
	return o.Scheme + "://" + o.hostPort()
}

// Base is the scheme://host[:port] the page is loaded from; for a sandboxed
// origin it is the URL origin of the document, not its (opaque) origin.
func (o Origin) Base() string { return o.Scheme + "://" + o.hostPort() }

// PageURL is the URL of the probe page for this origin.
func (o Origin) PageURL() string {
	u := o.Base() + PagePath
	if o.Sandboxed {
		u += "?sandbox=1"
	}
	return u
}

func (o Origin) String() string { return fmt.Sprintf("%s (%s)", o.Name, o.Serialize()) }

func (o Origin) hostPort() string {
	if o.Port == 0 {
		return o.Host
	}
	return o.Host + ":" + strconv.Itoa(o.Port)
}

// ParseExact parses an exact production origin to impersonate, such as
// "https://app.example.com" or "http://localhost:3000". It rejects paths,
// trailing slashes, queries, user info and wildcards with a message that
// names the fix.
func ParseExact(s string) (Origin, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return Origin{}, fmt.Errorf("origins: %q is not an origin; write scheme://host[:port], e.g. https://app.example.com", s)
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(s, "/") {
		return Origin{}, fmt.Errorf("origins: %q has a path, query or trailing slash; an origin is scheme://host[:port] only, e.g. %s://%s", s, u.Scheme, u.Host)
	}
	if strings.Contains(u.Host, "*") {
		return Origin{}, fmt.Errorf("origins: %q is a wildcard; impersonate a concrete host such as %s", s, strings.Replace(u.Host, "*", "app", 1))
	}
	host := strings.ToLower(u.Hostname())
	port := 0
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Origin{}, fmt.Errorf("origins: %q has an invalid port %q", s, p)
		}
		if !(u.Scheme == "http" && n == 80) && !(u.Scheme == "https" && n == 443) {
			port = n
		}
	}
	return Origin{Name: Name(u.Scheme + "://" + u.Host), Scheme: u.Scheme, Host: host, Port: port, Impersonated: true}, nil
}

// DefaultPort is the port the URL of an origin uses: its own, or the
// scheme's default.
func (o Origin) DefaultPort() int {
	if o.Port != 0 {
		return o.Port
	}
	if o.Scheme == "https" {
		return 443
	}
	return 80
}
