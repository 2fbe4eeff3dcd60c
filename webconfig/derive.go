package webconfig

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
	for _, loc := range cfg.Locations {
		if loc.Config != d.cfg {
			d.note("line %d: <location path=\"%s\"> serves /%s with its own merged configuration; this policy describes %s only (one policy per path is not derived yet)", loc.Line, loc.Path, strings.Trim(loc.Path, "/"), d.path)
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
		return nil, d.notes, fmt.Errorf("webconfig: %s: no origin of the configuration can be written as a policy origin (see the notes)", cfg.Name)
	}
	return d.build()
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

func (d *deriver) fromCORSModule() error {
	c := d.cfg.CORS
	var allowed []iis.OriginRule
	for _, r := range c.Rules {
		if !r.Allowed {
			d.note("line %d: the rule for \"%s\" has allowed=\"false\"; it is not an allowed origin of the policy", r.Line, r.Origin)
			continue
		}
		allowed = append(allowed, r)
	}
	credOrigins, plainOrigins := 0, 0
	var star *iis.OriginRule
	maxAges := map[int]bool{}
	for i, r := range allowed {
		if r.Origin == "*" {
			star = &allowed[i]
		}
		d.addOrigin(r.Origin, r.Line)
		if r.AllowCredentials {
			credOrigins++
		} else {
			plainOrigins++
		}
		d.methods = appendNames(d.methods, r.AllowMethods)
		if r.AllowAllRequestedHeaders {
			d.note("line %d: allowHeaders allowAllRequestedHeaders=\"true\" lets any request header through; the policy lists Content-Type and Authorization as samples", r.Line)
			d.headers = appendNames(d.headers, sampleHeaders)
		}
		d.headers = appendNames(d.headers, r.AllowHeaders)
		d.expose = appendNames(d.expose, r.ExposeHeaders)
		if r.MaxAge > 0 {
			maxAges[r.MaxAge] = true
			if d.maxAge == 0 || r.MaxAge < d.maxAge {
				d.maxAge = r.MaxAge
			}
		}
	}
	d.credentials = credOrigins > 0
	if credOrigins > 0 && plainOrigins > 0 {
		d.note("some rules allow credentials and some do not; a policy has one credentials setting, so it requires credentials for every origin")
	}
	if len(allowed) > 1 {
		d.note("the rules differ per origin; the policy takes the union of their methods, headers and exposed headers")
	}
	if len(maxAges) > 1 {
		d.note("the rules set different maxAge values; the policy requires the smallest, %d", d.maxAge)
	}
	if star != nil && d.credentials {
		if len(d.origins) == 1 {
			d.note("line %d: origin=\"*\" with allowCredentials=\"true\" cannot work in a browser (the lint reports it); the policy sets credentials: false", star.Line)
			d.credentials = false
		} else {
			d.origins = slices.DeleteFunc(d.origins, func(o string) bool { return o == "*" })
			d.note("line %d: the origin=\"*\" rule cannot be combined with credentials in a policy; it is left out (write a separate public policy with origins: [\"*\"] to check it)", star.Line)
		}
	}
	d.methods = d.dropOptions(d.methods)
	if c.FailUnlistedOrigins {
		d.unlisted = policy.UnlistedReject
	} else {
		d.unlisted = policy.UnlistedOmit
	}
	return nil
}

// staticHeaders reads the credentials, methods, headers, expose and max-age
// customHeaders, and the outbound rules setting them to fixed values.
func (d *deriver) staticHeaders() {
	value := func(name string) (string, int, bool) {
		if hs := customHeaders(d.cfg, name); len(hs) > 0 {
			return hs[0].Value, hs[0].Line, true
		}
		for _, r := range outboundSetting(d.cfg, name) {
			if !strings.Contains(r.Action.Value, "{") {
				return r.Action.Value, r.Line, true
			}
		}
		return "", 0, false
	}
	if v, _, ok := value(acac); ok {
		d.credentials = strings.EqualFold(strings.TrimSpace(v), "true")
	}
	if v, _, ok := value(acam); ok {
		d.methods = d.dropOptions(appendNames(nil, splitList(v)))
	}
	if v, line, ok := value(acah); ok {
		hs := splitList(v)
		if slices.Contains(hs, "*") {
			d.note("line %d: Access-Control-Allow-Headers \"*\" allows any header (except Authorization) only without credentials; the policy lists Content-Type as a sample", line)
			hs = slices.DeleteFunc(hs, func(h string) bool { return h == "*" })
			hs = appendNames(hs, []string{"Content-Type"})
		}
		d.headers = appendNames(nil, hs)
	}
	if v, line, ok := value(aceh); ok {
		es := splitList(v)
		if slices.Contains(es, "*") {
			d.note("line %d: Access-Control-Expose-Headers \"*\" cannot be written in a policy; list the headers to expose", line)
			es = slices.DeleteFunc(es, func(h string) bool { return h == "*" })
		}
		d.expose = appendNames(nil, es)
	}
	if v, line, ok := value(acma); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			d.maxAge = n
		} else {
			d.note("line %d: Access-Control-Max-Age \"%s\" is not a positive number; the policy sets no maxAge", line, v)
		}
	}
	d.unlisted = policy.UnlistedOmit
}

func (d *deriver) fromCustomHeaders() error {
	hs := customHeaders(d.cfg, acao)
	h := hs[0]
	if len(hs) > 1 {
		d.note("Access-Control-Allow-Origin is configured %d times in customHeaders; the policy uses the first, line %d", len(hs), h.Line)
	}
	vals := splitList(h.Value)
	if len(vals) > 1 {
		d.note("line %d: Access-Control-Allow-Origin lists several origins; a browser accepts only one, so every one fails as written; the policy lists them all", h.Line)
	}
	for _, v := range vals {
		d.addOrigin(v, h.Line)
	}
	d.staticHeaders()
	if !slices.Contains(d.origins, "*") {
		d.note("customHeaders send the same Access-Control-Allow-Origin to every origin: an unlisted origin gets a mismatching value rather than none, which the browser refuses as well")
	} else if d.credentials {
		d.note("line %d: Access-Control-Allow-Origin \"*\" with Access-Control-Allow-Credentials: true cannot work in a browser (the lint reports it); the policy sets credentials: false", h.Line)
		d.credentials = false
	}
	return nil
}

func (d *deriver) fromRewrite() error {
	for _, r := range outboundSetting(d.cfg, acao) {
		if !echoesOrigin(r.Action.Value) {
			d.addOrigin(r.Action.Value, r.Line)
			continue
		}
		conds := originConditions(d.cfg, r)
		if len(conds) == 0 {
			d.note("line %d: the rule \"%s\" echoes every origin (no {HTTP_ORIGIN} condition); the policy uses \"*\" to stand for it", r.Line, r.Name)
			d.addOrigin("*", r.Line)
			continue
		}
		for _, c := range conds {
			d.originsFromPattern(c)
		}
	}
	d.staticHeaders()
	if slices.Contains(d.origins, "*") && d.credentials {
		d.origins = slices.DeleteFunc(d.origins, func(o string) bool { return o == "*" })
		d.note("credentials are allowed for every echoed origin; a policy cannot say that, so \"*\" is left out")
	}
	return nil
}

// originsFromPattern adds the origins a condition pattern allows: the
// policy's own wildcard for a Wildcard "scheme://*.domain" pattern, all of
// them when the set is small and finite, else one sample. Every origin is
// checked against the pattern as the iis package compiles it.
func (d *deriver) originsFromPattern(c iis.Condition) {
	if strings.EqualFold(c.Syntax, "wildcard") {
		if w, ok := wildcardOrigin(c.Source); ok && matches(c, strings.Replace(w, "*", "app", 1)) && checkOrigin(w) == "" {
			d.note("line %d: the Wildcard pattern \"%s\" allows every subdomain; the policy writes it as %s", c.Line, c.Source, w)
			d.addOrigin(w, c.Line)
			return
		}
	}
	var usable []string
	for _, o := range intendedOrigins(c) {
		if strings.Contains(o, "://") && matches(c, o) {
			usable = append(usable, o)
		}
	}
	loose := len(patternFindings(c, false)) > 0
	switch {
	case len(usable) > 0 && !loose:
		if len(usable) > 1 {
			d.note("line %d: the pattern \"%s\" allows %d origins; all are listed", c.Line, c.Source, len(usable))
		}
		for _, o := range usable {
			d.addOrigin(o, c.Line)
		}
	case len(usable) > 0:
		d.note("line %d: the pattern \"%s\" matches an infinite set of origins (it is not anchored or has an unescaped dot; the lint reports it); the policy lists the origins it is meant for: %s", c.Line, c.Source, strings.Join(usable, ", "))
		for _, o := range usable {
			d.addOrigin(o, c.Line)
		}
	default:
		s := sampleOrigin(c)
		if s == "" || !matches(c, s) || checkOrigin(s) != "" {
			d.note("line %d: the pattern \"%s\" matches an infinite set of origins and no concrete origin could be sampled from it; add one by hand", c.Line, c.Source)
			return
		}
		d.note("line %d: the pattern \"%s\" matches an infinite set of origins; the policy samples one of them, %s", c.Line, c.Source, s)
		d.addOrigin(s, c.Line)
	}
}

// wildcardOrigin turns a Wildcard pattern "scheme://*.domain[:port]" into
// the policy's wildcard origin; ok is false for any other shape.
func wildcardOrigin(src string) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(src))
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !strings.HasPrefix(rest, "*.") || strings.ContainsAny(rest[1:], "*?/") || scheme == "" {
		return "", false
	}
	return s, true
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
		case field == "headers" && forbiddenRequestHeader(v):
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
	for _, o := range d.origins {
		p.Origins = append(p.Origins, policy.Origin{Value: o})
	}
	out, err := policy.Parse(d.cfg.Name, []byte(p.Redacted()), nil)
	if err != nil {
		return nil, d.notes, fmt.Errorf("webconfig: the policy derived from %s does not validate: %w", d.cfg.Name, err)
	}
	return out, d.notes, nil
}
