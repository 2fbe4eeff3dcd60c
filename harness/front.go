package harness

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/tlsca"
)

// Front serves a production origin of the API (e.g.
// https://api.example.com) in front of the address where this build is
// reachable now, so Chrome sees the API under its production name: pages,
// cookies, SameSite, Secure, site relationships and mixed content behave
// as in production.
//
// The front is a loopback reverse proxy; the browser's host resolver maps
// the production host and port to it. For an https origin it terminates TLS
// with the run's ephemeral CA. Upstream it passes the request as production
// would see it: Host is the production host, X-Forwarded-Proto the
// production scheme, X-Forwarded-For the client. At origins.PagePath (a path
// reserved for corsgate) it serves the probe page itself, so the API's own
// origin can run probes: same-origin requests that carry an Origin header
// (a POST from the site's own pages) reach the API like any other.
type Front struct {
	// Origin is the production origin, scheme://host[:port].
	Origin string
	// Address is host:port where the build listens now.
	Address string
	// UpstreamTLS: the address speaks TLS (its certificate is not checked:
	// the front is the production TLS endpoint; the build's own
	// certificate is not what Chrome would see).
	UpstreamTLS bool
}

// startFront serves f, registers its origin, and returns the host rule that
// sends Chrome to it and the front's listener.
func (e *Env) startFront(f Front, ca *tlsca.Authority, o origins.Origin) (string, *loopback.Server, error) {
	scheme := "http"
	if f.UpstreamTLS {
		scheme = "https"
	}
	up := &url.URL{Scheme: scheme, Host: f.Address}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(up)
			r.Out.Host = r.In.Host // the production host, as production would receive it
			r.SetXForwarded()
			r.Out.Header.Set("X-Forwarded-Proto", o.Scheme)
		},
		Transport: &http.Transport{
			DialContext:     loopback.DialLocalhost,
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // see Front.UpstreamTLS
			Proxy:           nil,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, fmt.Sprintf("corsgate front for %s: the build at %s did not answer: %v", f.Origin, f.Address, err), http.StatusBadGateway)
		},
	}
	page := origins.PageHandler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == origins.PagePath || strings.HasPrefix(r.URL.Path, origins.PagePath+"/") {
			page.ServeHTTP(w, r) // reserved: the API never sees it
			return
		}
		proxy.ServeHTTP(w, r)
	})
	var tlsConf *tls.Config
	if o.Scheme == "https" {
		tlsConf = ca.ServerConfig()
	}
	srv, err := loopback.Listen(h, tlsConf)
	if err != nil {
		return "", nil, fmt.Errorf("harness: front for %s: %w", f.Origin, err)
	}
	e.servers = append(e.servers, srv)
	e.origins[o.Name] = o
	return fmt.Sprintf("MAP %s:%d %s", o.Host, o.DefaultPort(), srv.Addr()), srv, nil
}

// parseFronts checks the fronts before anything starts.
func parseFronts(fs []Front) ([]origins.Origin, error) {
	var out []origins.Origin
	for _, f := range fs {
		o, err := origins.ParseExact(f.Origin)
		if err != nil {
			return nil, fmt.Errorf("harness: front: %w", err)
		}
		if f.Address == "" {
			return nil, fmt.Errorf("harness: front for %s has no address; set host:port", f.Origin)
		}
		out = append(out, o)
	}
	return out, nil
}
