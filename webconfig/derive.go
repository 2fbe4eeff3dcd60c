package webconfig

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/policy"
)

// PlaceholderTarget is the target a derived policy names: a web.config does
// not say where the site is served.
const PlaceholderTarget = "https://api.example.com"

// sampleHeaders stand for "any header" when allowAllRequestedHeaders is on.
var sampleHeaders = []string{"Content-Type", "Authorization"}

// DerivePolicy derives the corsgate policy the web.config is meant to
// implement. The origins come from the enabled CORS Module's allowed rules,
// else from a static customHeaders Access-Control-Allow-Origin, else from
// the {HTTP_ORIGIN} conditions of outbound rewrite rules echoing the
// origin. When the site itself configures no CORS but a <location> does,
// the policy is that location's (its merged configuration, its path). notes
// say what the configuration cannot express, how origins were sampled, and
// what the emulation does not run. The policy is rendered with Redacted and
// parsed back with policy.Parse, so it passes policy validation; the parsed
// one is returned. The error is for a configuration with no CORS at all.
func DerivePolicy(cfg *iis.Config) (*policy.Policy, []string, error) {
	d := &deriver{cfg: cfg, path: "/"}
	for _, loc := range cfg.Locations {
		if configuresCORS(loc.Config) && loc.Config.Fatal() == nil && corsWeight(loc.Config) > corsWeight(cfg) {
			d.cfg, d.path = loc.Config, "/"+strings.Trim(loc.Path, "/")
			d.note("line %d: <location path=\"%s\"> adds to the site's CORS configuration; the policy is for %s, with that location's configuration merged with the site's", loc.Line, loc.Path, d.path)
			break
		}
	}
	var locations []iis.Location
	for _, loc := range cfg.Locations {
		if loc.Config != d.cfg && corsSignature(loc.Config) != corsSignature(d.cfg) {
			locations = append(locations, loc)
		}
	}
	for _, n := range d.cfg.Notes {
		if n.Status != 0 {
			d.note("line %d: %s; IIS answers %d to every request in its scope, so every scenario of this policy fails until it is fixed (the lint reports it)", n.Line, n.Text, n.Status)
		} else {
			d.note("line %d: %s", n.Line, n.Text)
		}
	}
	noted := map[int]bool{}
	for _, n := range d.cfg.Notes {
		noted[n.Line] = true
	}
	for _, r := range d.cfg.InboundRules {
		if strings.EqualFold(r.Action.Type, "Rewrite") && strings.Contains(r.Action.URL, "://") && !noted[r.Line] && !noted[r.Action.Line] {
			d.note("line %d: the rule \"%s\" proxies requests to %s: those responses, and any CORS headers they carry, come from an application corsgate cannot see", r.Line, r.Name, r.Action.URL)
		}
	}
	cfg = d.cfg
	var err error
	switch {
	case corsModuleOn(cfg):
		err = d.fromCORSModule()
		if len(customHeaders(cfg, acao)) > 0 || len(outboundSetting(cfg, acao)) > 0 {
			d.note("the origins come from the CORS Module; the Access-Control-Allow-Origin that customHeaders or a rewrite rule also send is ignored here (the lint reports the duplicate)")
		}
	case len(customHeaders(cfg, acao)) > 0:
		err = d.fromCustomHeaders()
	case len(outboundSetting(cfg, acao)) > 0:
		err = d.fromRewrite()
	default:
		what := "no enabled <cors> rule allowing an origin, no customHeaders Access-Control-Allow-Origin and no outbound rewrite rule setting it"
		if cfg.CORS.Enabled {
			what = "the <cors> section allows no origin (every rule has allowed=\"false\"), and there is no customHeaders Access-Control-Allow-Origin nor outbound rewrite rule setting it"
		}
		return nil, d.notes, fmt.Errorf("webconfig: %s configures no CORS: %s; if the application sends the CORS headers, write the policy by hand", cfg.Name, what)
	}
	if err != nil {
		return nil, d.notes, err
	}
	if len(d.origins) == 0 {
		why := "the rules name no single origin"
		if len(d.refused) > 0 {
			why = strings.Join(d.refused, "; ")
		}
		return nil, d.notes, fmt.Errorf("webconfig: %s: no origin of the configuration can be written as a policy origin (%s); write the origins the browser sends (scheme://host[:port]) in the policy's origins: by hand", cfg.Name, why)
	}
	for _, loc := range locations {
		d.addLocation(loc)
	}
	return d.build()
}

// corsSignature sums up what decides CORS in cfg: the Access-Control-* and
// Vary headers customHeaders and outbound rules set, the CORS Module,
// authentication, request filtering, the handlers and the inbound rules. A
// location with the same signature as the policy's configuration needs no
// note.
func corsSignature(cfg *iis.Config) string {
	var b strings.Builder
	for _, h := range cfg.CustomHeaders {
		if n := strings.ToLower(h.Name); strings.HasPrefix(n, "access-control-") || n == "vary" {
			fmt.Fprintf(&b, "h %s=%s;", n, h.Value)
		}
	}
	for _, r := range cfg.OutboundRules {
		fmt.Fprintf(&b, "o %s %s=%s;", r.Name, r.ServerVariable, r.Action.Value)
	}
	for _, r := range cfg.InboundRules {
		fmt.Fprintf(&b, "i %s %s %s;", r.Name, r.Action.Type, r.Action.URL)
	}
	fmt.Fprintf(&b, "c %+v;a %+v;f %+v;", cfg.CORS, cfg.Auth, cfg.Filtering)
	for _, h := range cfg.Handlers {
		fmt.Fprintf(&b, "m %s %s %s;", h.Name, h.Path, h.Verb)
	}
	return b.String()
}

// corsWeight counts the CORS settings of cfg: Access-Control-* entries of
// customHeaders and outbound rules, and allowed CORS Module rules.
func corsWeight(cfg *iis.Config) int {
	n := 0
	for _, h := range corsHeaderNames {
		n += len(customHeaders(cfg, h)) + len(outboundSetting(cfg, h))
	}
	if cfg.CORS.Enabled {
		for _, r := range cfg.CORS.Rules {
			if r.Allowed {
				n++
			}
		}
	}
	return n
}

// configuresCORS reports whether cfg itself sends Access-Control-Allow-Origin.
func configuresCORS(cfg *iis.Config) bool {
	return corsModuleOn(cfg) || len(customHeaders(cfg, acao)) > 0 || len(outboundSetting(cfg, acao)) > 0
}

type deriver struct {
	cfg         *iis.Config
	path        string
	origins     []string
	credentials bool
	methods     []string
	headers     []string
	expose      []string
	maxAge      int
	unlisted    policy.Unlisted
	notes       []string
	// refused are the origins of the file a policy cannot hold, with why
	// ("line 7: \"https://*.example.com\" (a wildcard host)").
	refused []string
	// accept, while an outbound rule is read, says whether the rule runs
	// for an origin (gateAccepts).
	accept func(string) bool
	// rules are the CORS Module rules' own settings by origin, multiRule
	// whether several rules allow origins; endpoints the per-path rules of
	// <location> elements (derive_rules.go).
	rules         map[string]originRule
	multiRule     bool
	endpoints     []policy.Endpoint
	locationLines []int
}

func (d *deriver) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// addOrigin adds an origin after checking that a policy accepts it.
func (d *deriver) addOrigin(o string, line int) {
	o = strings.TrimSpace(o)
	if o == "*" {
		if !slices.Contains(d.origins, "*") {
			d.origins = append(d.origins, "*")
		}
		return
	}
	if p, fixed := originProblem(o); p != "" {
		d.note("line %d: the origin \"%s\" has %s (the lint reports it); the policy uses \"%s\", the origin the browser sends", line, o, p, fixed)
		o = fixed
	}
	o = strings.ToLower(o)
	if slices.Contains(d.origins, o) {
		return
	}
	if msg := checkOrigin(o); msg != "" {
		d.note("line %d: the origin \"%s\" cannot be written in a policy (%s); left out", line, o, msg)
		d.refused = append(d.refused, fmt.Sprintf("line %d: %q (%s)", line, o, msg))
		return
	}
	d.origins = append(d.origins, o)
}

// checkOrigin validates one origin with the policy parser; "" when valid.
func checkOrigin(o string) string {
	_, err := policy.Parse("origin", []byte("origins: ["+strconv.Quote(o)+"]\n"), nil)
	if err == nil {
		return ""
	}
	var pe *policy.Error
	if errors.As(err, &pe) {
		return pe.Msg
	}
	return err.Error()
}

// dropOptions removes OPTIONS and "*" and upper-cases methods.
func (d *deriver) dropOptions(ms []string) []string {
	var out []string
	for _, m := range ms {
		up := strings.ToUpper(m)
		switch {
		case up == "OPTIONS":
		case m == "*":
			d.note("the method wildcard \"*\" cannot be written in a policy; list the methods that must pass")
		case slices.Contains([]string{"CONNECT", "TRACE", "TRACK"}, up):
			d.note("the method %s is forbidden in page JavaScript; left out", up)
		default:
			if m != up {
				d.note("the method \"%s\" is compared case-sensitively by browsers; the policy uses \"%s\"", m, up)
			}
			if !slices.Contains(out, up) {
				out = append(out, up)
			}
		}
	}
	return out
}

// splitList splits a comma-separated header value.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// appendNames appends the names not already in list, case-insensitively.
func appendNames(list, names []string) []string {
	for _, n := range names {
		if n == "" || slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, n) }) {
			continue
		}
		list = append(list, n)
	}
	return list
}

// meant replaces misspelt header names by the name meant, with a note: the
// policy states what the configuration is for, and the check then shows
// the misspelling failing.
func (d *deriver) meant(field string, list []string) []string {
	var out []string
	for _, v := range list {
		switch {
		case field == "headers" && fetchspec.IsForbiddenRequestHeaderName(v):
			d.note("the allowed header \"%s\" is a forbidden request header page JavaScript cannot set (harmless; the lint notes it); left out", v)
			continue
		case field == "expose" && strings.HasPrefix(strings.ToLower(v), "access-control-"):
			d.note("the exposed header \"%s\" is a CORS header for the browser, not the page (the lint reports it); left out", v)
			continue
		}
		if k := misspelling(v); k != "" {
			d.note("the %s entry \"%s\" looks like %s misspelt (the lint reports it); the policy uses %s, the name meant", field, v, k, k)
			v = k
		}
		out = appendNames(out, []string{v})
	}
	return out
}

// keepValid drops the entries of list the policy cannot hold (a forbidden
// request header such as Origin, a name that is not a token), with a note
// each; field is the policy field (headers, expose, methods).
func (d *deriver) keepValid(field string, list []string) []string {
	var out []string
	for _, v := range list {
		_, err := policy.Parse(field, []byte("origins: [\"https://a.example\"]\n"+field+": ["+strconv.Quote(v)+"]\n"), nil)
		if err == nil {
			out = append(out, v)
			continue
		}
		msg := err.Error()
		var pe *policy.Error
		if errors.As(err, &pe) {
			msg = pe.Msg
		}
		d.note("the %s entry \"%s\" cannot be written in a policy (%s); left out", field, v, msg)
	}
	return out
}

// build renders the policy with Redacted and parses it back.
func (d *deriver) build() (*policy.Policy, []string, error) {
	d.methods = d.keepValid("methods", d.methods)
	d.headers = d.keepValid("headers", d.meant("headers", d.headers))
	d.expose = d.keepValid("expose", d.meant("expose", d.expose))
	d.note("the target is a placeholder, %s: set target (or pass TARGET=...)", PlaceholderTarget)
	p := &policy.Policy{
		Source:      d.cfg.Name,
		Target:      PlaceholderTarget,
		Endpoints:   []policy.Endpoint{{Path: d.path, Methods: appendNames([]string{"GET"}, d.methods)}},
		Credentials: d.credentials,
		Methods:     d.methods,
		Headers:     d.headers,
		Expose:      d.expose,
		MaxAge:      d.maxAge,
		Unlisted:    d.unlisted,
	}
	p.Origins = d.originObjects()
	for i := range d.endpoints {
		d.prune(&d.endpoints[i].Rules)
	}
	d.noteLocations()
	p.Endpoints = append(p.Endpoints, d.endpoints...)
	out, err := policy.Parse(d.cfg.Name, []byte(p.Redacted()), nil)
	if err != nil && len(d.endpoints) > 0 {
		d.note("the per-path rules of the <location> elements do not make a valid policy (%v); the policy describes %s only", err, d.path)
		p.Endpoints = p.Endpoints[:1]
		out, err = policy.Parse(d.cfg.Name, []byte(p.Redacted()), nil)
	}
	if err != nil {
		return nil, d.notes, fmt.Errorf("webconfig: the policy derived from %s does not validate: %w", d.cfg.Name, err)
	}
	return out, d.notes, nil
}
