package conformance

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/policy"
)

// Spec links, cited by every scenario.
const (
	specCORSCheck = "https://fetch.spec.whatwg.org/#cors-check"
	specPreflight = "https://fetch.spec.whatwg.org/#cors-preflight-fetch"
	specCache     = "https://fetch.spec.whatwg.org/#cors-preflight-cache"
	specExpose    = "https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name"
	specVary      = "https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches"
	specOrigin    = "https://fetch.spec.whatwg.org/#origin-header"
)

// chromeMaxAge is Chrome's cap on Access-Control-Max-Age, in seconds
// (services/network/cors/preflight_result.cc).
const chromeMaxAge = 7200

// UnlistedHeader is a request header no policy lists, used to check that
// headers outside the policy are refused at preflight.
const UnlistedHeader = "X-Corsgate-Unlisted"

// Generate derives every scenario from p, in a stable order with stable
// names.
func Generate(p *policy.Policy) []Scenario {
	g := &generator{p: p}
	for _, o := range g.allowedOrigins() {
		g.allowed(o)
	}
	g.unlisted()
	g.cache()
	g.vary()
	return g.out
}

type generator struct {
	p   *policy.Policy
	out []Scenario
}

func (g *generator) add(s Scenario) {
	s.Name = fmt.Sprintf("%s/%s/%s", s.Labels[0], s.Origin, s.Request)
	for _, x := range g.out {
		if x.Name == s.Name {
			return
		}
	}
	g.out = append(g.out, s)
}

// allowedOrigins are the concrete origins the policy allows: exact ones as
// written, a sample subdomain for each wildcard, and for "*" an unrelated
// site plus the opaque origin.
func (g *generator) allowedOrigins() []string {
	var os []string
	for _, o := range g.p.Origins {
		switch {
		case o.Any:
			os = append(os, "https://any-site.corsgate.test", "null")
		default:
			os = append(os, o.Sample())
		}
	}
	return dedupe(os)
}

func (g *generator) credModes() []bool {
	if g.p.Credentials {
		return []bool{false, true}
	}
	return []bool{false}
}

// allowed adds what must work from origin o.
func (g *generator) allowed(o string) {
	for _, ep := range g.p.Endpoints {
		for _, m := range ep.Methods {
			for _, cred := range g.credModes() {
				s := g.scenario("allowed", o, m, ep.Path, cred)
				s.Expect, s.Status, s.Spec = Readable, ep.Status, specCORSCheck
				if s.Probe.NeedsPreflight(o) {
					s.Spec = specPreflight
				}
				if ep.Status >= 400 {
					s.label("errors")
				}
				g.add(s)
			}
		}
	}
	first := g.p.Endpoints[0]
	cred := g.p.Credentials
	var all []harness.Header
	for _, h := range g.p.Headers {
		hv := harness.Header{Name: h, Value: g.sampleValue(h)}
		all = append(all, hv)
		s := g.scenario("allowed", o, "GET", first.Path, cred)
		s.Probe.Headers, s.Request = append(s.Probe.Headers, hv), s.Request+" +"+h
		s.Expect, s.Spec = Readable, specPreflight
		s.label("preflight")
		g.add(s)
	}
	if len(all) > 1 {
		s := g.scenario("allowed", o, "GET", first.Path, cred)
		s.Probe.Headers, s.Request = append(s.Probe.Headers, all...), s.Request+" +all headers"
		s.Expect, s.Spec = Readable, specPreflight
		s.label("preflight")
		g.add(s)
	}
	if slices.Contains(first.Methods, "POST") && slices.Contains(g.p.Headers, "Content-Type") {
		s := g.scenario("allowed", o, "POST", first.Path, cred)
		s.Probe.Headers = append(s.Probe.Headers, harness.Header{Name: "Content-Type", Value: "application/json"})
		s.Probe.Body, s.Request = `{"corsgate":true}`, s.Request+" +json"
		s.Expect, s.Spec = Readable, specPreflight
		s.label("preflight")
		g.add(s)
	}
	if len(g.p.Expose) > 0 {
		s := g.scenario("allowed", o, "GET", first.Path, cred)
		s.Request += " +expose"
		s.Expect, s.Spec, s.ReadableHeaders = Readable, specExpose, g.p.Expose
		g.add(s)
	}
	if cred && len(g.p.Auth.Cookies) > 0 {
		s := g.scenario("allowed", o, "GET", first.Path, true)
		s.Request += " +cookies"
		s.Expect, s.Spec, s.Cookies = Readable, specCORSCheck, true
		g.add(s)
	}
	// Methods and headers outside the policy must fail at the preflight.
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if slices.Contains(g.p.Methods, m) {
			continue
		}
		s := g.scenario("refused", o, m, first.Path, cred)
		s.Expect, s.Spec = RefusedAtPreflight, specPreflight
		s.label("preflight")
		g.add(s)
	}
	s := g.scenario("refused", o, "GET", first.Path, cred)
	s.Probe.Headers = append(s.Probe.Headers, harness.Header{Name: UnlistedHeader, Value: "1"})
	s.Request += " +" + UnlistedHeader
	s.Expect, s.Spec = RefusedAtPreflight, specPreflight
	s.label("preflight")
	g.add(s)
}

// unlisted adds the origins real attackers try, derived from each allowed
// origin, that the policy does not allow.
func (g *generator) unlisted() {
	var cands []string
	for _, o := range g.p.Origins {
		if o.Any {
			continue
		}
		cands = append(cands, lookalikes(o)...)
	}
	cands = append(cands, "null", "https://unrelated.corsgate.test")
	first := g.p.Endpoints[0]
	for _, c := range dedupe(cands) {
		if g.p.Allowed(c) {
			continue
		}
		s := g.scenario("refused", c, "GET", first.Path, g.p.Credentials)
		s.Expect, s.Spec, s.Security = Refused, specCORSCheck, true
		s.label("security")
		if g.p.Unlisted == policy.UnlistedReject {
			s.RawStatus = 403
		}
		g.add(s)
	}
}

// lookalikes are the tricks of CORS scanners (prefix, suffix, unescaped
// dot, other subdomain, scheme downgrade) applied to o.
func lookalikes(o policy.Origin) []string {
	u, err := url.Parse(o.Sample())
	if err != nil || u.Hostname() == "" {
		return nil
	}
	scheme, host, port := u.Scheme, u.Hostname(), u.Port()
	if net.ParseIP(host) != nil {
		// An IP address has no subdomains or registrable domain to fake;
		// the scheme downgrade and the unrelated origins still apply.
		if scheme == "https" {
			return []string{"http://" + u.Host}
		}
		return nil
	}
	withPort := func(s, h string) string {
		if port != "" {
			return s + "://" + h + ":" + port
		}
		return s + "://" + h
	}
	out := []string{withPort(scheme, host+".attacker.test")}
	labels := strings.Split(host, ".")
	if len(labels) >= 2 {
		registrable := strings.Join(labels[len(labels)-2:], ".")
		out = append(out, withPort(scheme, "attacker"+registrable))
		if len(labels) >= 3 {
			out = append(out, withPort(scheme, strings.Replace(host, ".", "x", 1)))
		}
		if !o.Wildcard {
			out = append(out, withPort(scheme, "corsgate-other."+registrable))
		}
	}
	if scheme == "https" {
		out = append(out, withPort("http", host))
	}
	return out
}

// cache adds the preflight-cache scenario when the policy asks for one.
func (g *generator) cache() {
	os := g.allowedOrigins()
	if g.p.MaxAge <= 0 || len(os) == 0 || os[0] == "null" {
		return
	}
	m := preflightedMethod(g.p)
	if m == "" {
		return
	}
	s := g.scenario("cache", os[0], m, g.p.Endpoints[0].Path, g.p.Credentials)
	s.Request += " twice"
	s.MaxAge = min(g.p.MaxAge, chromeMaxAge)
	s.Expect, s.Spec, s.Sequence = Readable, specCache, CachedPreflight
	s.label("preflight")
	g.add(s)
}

// vary adds the Vary: Origin scenario: two allowed origins of one site in
// one browser context.
func (g *generator) vary() {
	var pair []string
	for _, o := range g.p.Origins {
		if o.Wildcard {
			pair = []string{o.Sample(), strings.Replace(o.Value, "*", "corsgate-second", 1)}
			break
		}
	}
	if pair == nil {
		exact := g.allowedOrigins()
		for i := 0; i < len(exact) && pair == nil; i++ {
			for j := i + 1; j < len(exact); j++ {
				if exact[i] != "null" && site(exact[i]) == site(exact[j]) {
					pair = []string{exact[i], exact[j]}
					break
				}
			}
		}
	}
	if pair == nil {
		return
	}
	s := g.scenario("cache", pair[0], "GET", g.p.Endpoints[0].Path, g.p.Credentials)
	s.Request += " then from " + pair[1]
	s.Expect, s.Spec, s.Sequence, s.SecondOrigin = Readable, specVary, VaryOrigin, pair[1]
	g.add(s)
}

// scenario is the common part: page, method, path, credentials, labels.
func (g *generator) scenario(kind, origin, method, path string, cred bool) Scenario {
	s := Scenario{
		Origin:  origin,
		Request: method + " " + path,
		Labels:  []string{kind},
		Probe:   harness.Probe{Page: PageName(origin), URL: path, Method: method},
	}
	switch kind {
	case "allowed", "refused":
		if !slices.Contains(s.Labels, "origins") {
			s.label("origins")
		}
	}
	if cred {
		s.Probe.Credentials = harness.CredentialsInclude
		s.Request += " +cred"
		s.label("credentials")
		for _, h := range g.p.Auth.Headers {
			s.Probe.Headers = append(s.Probe.Headers, harness.Header{Name: h.Name, Value: h.Value})
		}
		s.Cookies = len(g.p.Auth.Cookies) > 0
	} else {
		s.Probe.Credentials = harness.CredentialsOmit
	}
	if method != "GET" && method != "HEAD" {
		s.Probe.Body = "corsgate=1"
	}
	if s.Probe.NeedsPreflight(origin) {
		s.label("preflight")
	}
	return s
}

// sampleValue is a value for header h that is not CORS-safelisted, so the
// header takes part in the preflight.
func (g *generator) sampleValue(h string) string {
	for _, a := range g.p.Auth.Headers {
		if strings.EqualFold(a.Name, h) {
			return a.Value
		}
	}
	switch strings.ToLower(h) {
	case "content-type":
		return "application/json"
	case "authorization":
		return "Bearer corsgate-probe"
	}
	return "corsgate"
}

func preflightedMethod(p *policy.Policy) string {
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if slices.Contains(p.Methods, m) && slices.Contains(p.Endpoints[0].Methods, m) {
			return m
		}
	}
	return ""
}

// PageName is the harness origin name of a page origin.
func PageName(origin string) origins.Name {
	if origin == "null" {
		return origins.Opaque
	}
	return origins.Name(origin)
}

// Impersonations are the page origins to serve locally for scenarios.
func Impersonations(ss []Scenario) []string {
	var out []string
	for _, s := range ss {
		for _, o := range []string{s.Origin, s.SecondOrigin} {
			if o != "" && o != "null" {
				out = append(out, o)
			}
		}
	}
	return dedupe(out)
}

func site(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return origin
	}
	labels := strings.Split(u.Hostname(), ".")
	if len(labels) >= 2 {
		labels = labels[len(labels)-2:]
	}
	return u.Scheme + "://" + strings.Join(labels, ".")
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
