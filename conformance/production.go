package conformance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/report"
	"golang.org/x/net/publicsuffix"
)

// Production identity (issue 11): the policy's target names the API as
// production serves it; an address (ADDRESS, policy address:) says where
// this build is reachable now. Chrome then talks to the production name,
// mapped to a loopback front (harness.Front) that forwards to the address,
// so cookies, SameSite, Secure, site relationships and mixed content
// behave as in production.

// Prepare starts what the run needs before a browser starts: the demo API
// (served through an address like any build), and, with an address,
// whether it speaks TLS. It is idempotent; Close undoes it.
func (cfg *Config) Prepare(ctx context.Context) error {
	if cfg.prepared {
		return nil
	}
	if cfg.Demo && cfg.Target == "" {
		demo, err := StartDemo(cfg.Policy, cfg.Broken)
		if err != nil {
			return err
		}
		cfg.demo = demo
		cfg.Policy.Address = demo.Address
	}
	if cfg.Policy.Address != "" && cfg.Target == "" {
		speaksTLS, err := DetectTLS(ctx, cfg.Policy.Address, cfg.Policy.Target)
		if err != nil {
			cfg.Close()
			return err
		}
		cfg.front = &harness.Front{Origin: cfg.Policy.Target, Address: cfg.Policy.Address, UpstreamTLS: speaksTLS}
	}
	cfg.prepared = true
	return nil
}

// Close stops what Prepare started.
func (cfg *Config) Close() {
	if cfg.demo != nil {
		cfg.demo.Close()
		cfg.demo = nil
	}
}

// HarnessConfig is the browser configuration of the run: the page origins
// of scenarios impersonated, the API's production name fronted when there
// is an address, and the third-party cookie mode.
func (cfg *Config) HarnessConfig(scenarios []Scenario) harness.Config {
	hc := harness.Config{Impersonate: Impersonations(scenarios)}
	hc.Spaces = cfg.spaces(hc.Impersonate) // addressspaces.go
	if cfg.front != nil {
		hc.Fronts = []harness.Front{*cfg.front}
	}
	if cfg.Policy.ThirdPartyCookies == policy.ThirdPartyAllowed {
		hc.ThirdPartyCookies = harness.ThirdPartyCookiesAllowed
	}
	return hc
}

// Fronted reports whether the run reaches the API through a front (an
// address), so the API's own origin can run probes.
func (cfg *Config) Fronted() bool { return cfg.front != nil }

// DetectTLS tells whether address speaks TLS or plain HTTP: a TLS
// handshake (certificate not checked) that completes means TLS; otherwise a
// plain HTTP request that gets any answer means plain HTTP. Neither is an
// environment error naming the address.
func DetectTLS(ctx context.Context, address, target string) (bool, error) {
	host := address
	if u, err := url.Parse(target); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", dialable(address))
	if err != nil {
		why := err.Error()
		if strings.Contains(why, "connection refused") {
			why = "connection refused"
		}
		return false, fmt.Errorf("%w: address %q is unreachable: %s; check ADDRESS and that the build is up", ErrEnvironment, address, why)
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true}) //nolint:gosec // only asks whether it speaks TLS
	herr := tc.HandshakeContext(ctx)
	tc.Close()
	if herr == nil {
		return true, nil
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: loopback.DialLocalhost},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, "http://"+address+"/", nil)
	if err == nil {
		req.Host = host
		var resp *http.Response
		if resp, err = client.Do(req); err == nil {
			resp.Body.Close()
			return false, nil
		}
	}
	return false, fmt.Errorf("%w: address %q answers neither TLS (%v) nor plain HTTP (%v); check ADDRESS", ErrEnvironment, address, herr, err)
}

// dialable maps *.localhost names to loopback, as Chrome does.
func dialable(address string) string {
	host, port, err := net.SplitHostPort(address)
	if err == nil && (host == "localhost" || strings.HasSuffix(host, ".localhost")) {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return address
}

// jarCookies are the policy's auth cookies as a server would set them.
func jarCookies(p *policy.Policy) []harness.JarCookie {
	var out []harness.JarCookie
	for _, c := range p.Auth.Cookies {
		out = append(out, harness.JarCookie{Name: c.Name, Value: c.Value, SameSite: c.SameSite, Secure: c.IsSecure(),
			HTTPOnly: true, Partitioned: c.Partitioned, Domain: c.Domain, Path: c.Path})
	}
	return out
}

// login performs auth.login in Chromium, as a first-party request from a
// page on the API's own origin (served by the front), and returns the
// cookies the server's Set-Cookie left in the jar. Nothing of their values
// is printed.
func login(ctx context.Context, env *harness.Env, target string, l *policy.Login) ([]harness.JarCookie, error) {
	sess, err := env.NewSession(ctx, PageName(target))
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	probe := harness.Probe{Page: PageName(target), URL: target + l.Path, Method: l.Method, Body: l.Body, Credentials: harness.CredentialsInclude}
	if l.ContentType != "" {
		probe.Headers = []harness.Header{{Name: "Content-Type", Value: l.ContentType}}
	}
	o, err := sess.Run(ctx, probe)
	if err != nil {
		return nil, err
	}
	if !o.Readable() || o.JS.Status >= 400 {
		return nil, fmt.Errorf("%w: auth.login %s %s: Chrome got %s (status %d); check the login path, body and content type", ErrEnvironment, l.Method, l.Path, o.Outcome, o.JS.Status)
	}
	cookies, err := sess.JarCookies(ctx, target)
	if err != nil {
		return nil, err
	}
	if len(cookies) == 0 {
		why := ""
		for _, c := range o.CookiesBlocked {
			why += fmt.Sprintf("; Chrome refused Set-Cookie %s: %s", c.Name, strings.Join(c.Reasons, ", "))
		}
		return nil, fmt.Errorf("%w: auth.login %s %s answered %d but left no cookie in Chrome's jar%s", ErrEnvironment, l.Method, l.Path, o.JS.Status, why)
	}
	return cookies, nil
}

// errNeedsAddress is returned for auth.login without an address.
var errNeedsAddress = errors.New("conformance: auth.login needs the API's own origin, served by the front: set ADDRESS=host:port (or address: in the policy)")

// frontNote says in the report how the API was reached.
func (cfg *Config) frontNote() string {
	f := cfg.front
	how := "plain HTTP"
	if f.UpstreamTLS {
		how = "TLS"
	}
	return fmt.Sprintf("the API was reached as %s through corsgate's front at %s (the address speaks %s; Host and X-Forwarded-Proto as production sees them)", f.Origin, f.Address, how)
}

// labelThirdParty labels a passing credentialed scenario from a page
// cross-site to the API that got its cookies sent only because the run
// allows third-party cookies.
func (cfg *Config) labelThirdParty(s Scenario, obs []*harness.Observation, row *report.Result, target string) {
	if !s.Cookies || s.Want().Outcome != judge.Readable || cfg.Policy.ThirdPartyCookies != policy.ThirdPartyAllowed || len(obs) == 0 || len(obs[0].CookiesSent) == 0 || SameSite(s.Origin, target) {
		return
	}
	row.Labels = append(row.Labels, "third-party-cookies")
	row.Observed += " (cookies sent only because third-party cookies are allowed: " + s.Origin + " is cross-site to " + target + ")"
}

// SameSite reports whether two origins are schemefully same-site
// (https://html.spec.whatwg.org/multipage/browsers.html#schemelessly-same-site
// with the scheme, as Chrome compares for SameSite cookies): same scheme and
// registrable domain (public suffix list).
func SameSite(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil || ua.Scheme != ub.Scheme {
		return false
	}
	return registrable(ua.Hostname()) == registrable(ub.Hostname())
}

func registrable(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
