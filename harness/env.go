package harness

import (
	"crypto/tls"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/tlsca"
)

// Config configures an Env.
type Config struct {
	// ChromePath overrides CHROME_PATH and /usr/bin/chromium.
	ChromePath string
	// ThirdPartyCookies is the browser's cookie policy; the zero value is
	// Chrome's default (blocked).
	ThirdPartyCookies CookiePolicy
	// Impersonate lists exact production origins (e.g.
	// "https://app.example.com") to serve locally. The browser's host
	// resolver maps exactly that host and port to a loopback listener; every
	// other host, the target API's included, resolves normally.
	Impersonate []string
	// Fronts serve the API under its production name in front of the
	// address of the build under test (front.go).
	Fronts []Front
	// ProbeTimeout bounds each probe; default 10s.
	ProbeTimeout time.Duration
	// Grace is how long to wait for secondary evidence (console line, audit
	// issue, raw headers) once the verdict is in; default 750ms.
	Grace time.Duration
	// Spaces assigns Local Network Access address spaces to page origins
	// and to the caller's loopback endpoints (a target API); the zero
	// value leaves every server in Chrome's loopback space.
	Spaces Spaces
	// Connect provides a browser the harness does not launch; nil means
	// CORSGATE_BROWSER_CMD or CORSGATE_BROWSER_URL if set, else launch
	// Chromium locally (docs/remote-browser.md).
	Connect Connector
}

// Env is a running browser plus the servers of every named origin.
type Env struct {
	Browser *Browser
	// CA is the ephemeral authority behind every HTTPS origin.
	CA *tlsca.Authority

	cfg     Config
	mu      sync.RWMutex // guards origins
	origins map[origins.Name]origins.Origin
	servers []*loopback.Server
	// ownSpace is the address space of each page listener of its own, by
	// port (Spaces.Origins).
	ownSpace map[string]AddressSpace
}

// Start serves the origins on loopback, then launches the browser mapped to
// them.
func Start(cfg Config) (env *Env, err error) {
	if cfg.ProbeTimeout == 0 {
		cfg.ProbeTimeout = 10 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 750 * time.Millisecond
	}
	if cfg.Connect == nil {
		if cfg.Connect, err = ConnectorFromEnv(); err != nil {
			return nil, err
		}
	}
	path := cfg.ChromePath
	if path == "" && cfg.Connect == nil {
		if path, err = FindChrome(); err != nil {
			return nil, err
		}
	}
	var impersonated []origins.Origin
	for _, s := range cfg.Impersonate {
		o, err := origins.ParseExact(s)
		if err != nil {
			return nil, fmt.Errorf("harness: impersonated origin: %w", err)
		}
		impersonated = append(impersonated, o)
	}
	if err := cfg.Spaces.validate(); err != nil {
		return nil, err
	}
	fronted, err := parseFronts(cfg.Fronts)
	if err != nil {
		return nil, err
	}
	for name := range cfg.Spaces.Origins {
		served := func(o origins.Origin) bool { return o.Name == name }
		known := slices.ContainsFunc(origins.Cast, func(s origins.Spec) bool { return s.Name == name }) ||
			slices.ContainsFunc(impersonated, served) || slices.ContainsFunc(fronted, served)
		if !known {
			return nil, fmt.Errorf("%w: Spaces.Origins names origin %q, which is neither built in, in Impersonate nor in Fronts; add it to Impersonate", ErrProbe, name)
		}
	}
	tlsHosts := []string{"app.localhost", "localhost", "127.0.0.1"}
	for _, o := range append(impersonated, fronted...) {
		if o.Scheme == "https" && !slices.Contains(tlsHosts, o.Host) {
			tlsHosts = append(tlsHosts, o.Host)
		}
	}
	ca, err := tlsca.New(tlsHosts)
	if err != nil {
		return nil, err
	}
	env = &Env{CA: ca, cfg: cfg, origins: map[origins.Name]origins.Origin{}, ownSpace: map[string]AddressSpace{}}
	defer func() {
		if err != nil {
			env.Close()
		}
	}()

	page := origins.PageHandler()
	listeners := map[origins.Listener]*loopback.Server{}
	for _, l := range []origins.Listener{origins.HTTPMain, origins.HTTPAlt, origins.HTTPS} {
		var srv *loopback.Server
		if l == origins.HTTPS {
			srv, err = loopback.Listen(page, ca.ServerConfig())
		} else {
			srv, err = loopback.Listen(page, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("harness: serving origin pages: %w", err)
		}
		listeners[l] = srv
		env.servers = append(env.servers, srv)
	}
	// An origin with an address space gets a listener of its own: Chrome
	// assigns spaces per IP and port.
	spaced := map[string]AddressSpace{}
	for ep, sp := range cfg.Spaces.Endpoints {
		spaced[ep] = sp
	}
	own := func(name origins.Name, scheme string) (*loopback.Server, error) {
		sp, ok := cfg.Spaces.Origins[name]
		if !ok {
			return nil, nil
		}
		var tlsConf *tls.Config
		if scheme == "https" {
			tlsConf = ca.ServerConfig()
		}
		srv, err := loopback.Listen(page, tlsConf)
		if err != nil {
			return nil, fmt.Errorf("harness: serving the page of %q: %w", name, err)
		}
		env.servers = append(env.servers, srv)
		spaced[srv.Addr()] = sp
		env.ownSpace[strconv.Itoa(srv.Port)] = sp
		return srv, nil
	}
	for _, s := range origins.Cast {
		l := listeners[s.Listener]
		if srv, err := own(s.Name, s.Scheme); err != nil {
			return nil, err
		} else if srv != nil {
			l = srv
		}
		env.origins[s.Name] = origins.Origin{
			Name: s.Name, Scheme: s.Scheme, Host: s.Host,
			Port: l.Port, Sandboxed: s.Sandboxed,
		}
	}
	var rules []string
	for _, o := range impersonated {
		l := listeners[origins.HTTPMain]
		if o.Scheme == "https" {
			l = listeners[origins.HTTPS]
		}
		if srv, err := own(o.Name, o.Scheme); err != nil {
			return nil, err
		} else if srv != nil {
			l = srv
		}
		// Map host AND port, so only the page origin is redirected.
		rules = append(rules, fmt.Sprintf("MAP %s:%d %s", o.Host, o.DefaultPort(), l.Addr()))
		env.origins[o.Name] = o
	}
	for i, f := range cfg.Fronts {
		rule, srv, err := env.startFront(f, ca, fronted[i])
		if err != nil {
			return nil, err
		}
		rules = append(rules, rule)
		if sp, ok := cfg.Spaces.Origins[fronted[i].Name]; ok {
			// The API's production name: its front is the target's endpoint.
			spaced[srv.Addr()] = sp
			env.ownSpace[strconv.Itoa(srv.Port)] = sp
		}
	}

	env.Browser, err = Launch(BrowserConfig{
		ExecPath:          path,
		ThirdPartyCookies: cfg.ThirdPartyCookies,
		HostRules:         rules,
		SPKIHashes:        []string{ca.SPKIHash},
		AddressSpaces:     overrides(spaced, cfg.Spaces.Others),
		Connect:           cfg.Connect,
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}

// AddOrigin registers an origin whose probe page is served by someone else,
// for example by the API under test itself (origins.PageHandler mounted at
// origins.PagePath) to probe same-origin requests. base must resolve to
// loopback without resolver rules: http(s)://*.localhost:PORT or
// 127.0.0.1:PORT.
func (e *Env) AddOrigin(name origins.Name, base string) (origins.Origin, error) {
	o, err := origins.ParseExact(base)
	if err != nil {
		return origins.Origin{}, fmt.Errorf("%w: %v", ErrProbe, err)
	}
	if o.Host != "127.0.0.1" && o.Host != "localhost" && !strings.HasSuffix(o.Host, ".localhost") {
		return origins.Origin{}, fmt.Errorf("%w: origin %q must be on loopback (*.localhost or 127.0.0.1); other hosts need Config.Impersonate before the browser starts", ErrProbe, base)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.origins[name]; dup {
		return origins.Origin{}, fmt.Errorf("%w: origin %q is already registered; pick another name", ErrProbe, name)
	}
	o.Name, o.Impersonated = name, false
	e.origins[name] = o
	return o, nil
}

// Origin returns the named origin.
func (e *Env) Origin(name origins.Name) (origins.Origin, error) {
	e.mu.RLock()
	o, ok := e.origins[name]
	e.mu.RUnlock()
	if !ok {
		return origins.Origin{}, fmt.Errorf("%w: origin %q is not registered; known origins: %s", ErrProbe, name, strings.Join(e.names(), ", "))
	}
	return o, nil
}

// MustOrigin is Origin for tests and catalogues: it panics on an unknown name.
func (e *Env) MustOrigin(name origins.Name) origins.Origin {
	o, err := e.Origin(name)
	if err != nil {
		panic(err)
	}
	return o
}

// Origins returns every origin, sorted by name.
func (e *Env) Origins() []origins.Origin {
	var os []origins.Origin
	for _, n := range e.names() {
		o, _ := e.Origin(origins.Name(n))
		os = append(os, o)
	}
	return os
}

func (e *Env) names() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var ns []string
	for n := range e.origins {
		ns = append(ns, string(n))
	}
	sort.Strings(ns)
	return ns
}

// Close stops the browser and every server.
func (e *Env) Close() {
	if e.Browser != nil {
		e.Browser.Close()
	}
	for _, s := range e.servers {
		s.Close()
	}
}
