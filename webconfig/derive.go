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
// origin. notes say what the configuration cannot express and how origins
// were sampled. The policy is rendered with Redacted and parsed back with
// policy.Parse, so it passes policy validation; the parsed one is returned.
func DerivePolicy(cfg *iis.Config) (*policy.Policy, []string, error) {
	d := &deriver{cfg: cfg}
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
		return nil, nil, fmt.Errorf("webconfig: %s configures no CORS: %s; if the application sends the CORS headers, write the policy by hand", cfg.Name, what)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(d.origins) == 0 {
		return nil, d.notes, fmt.Errorf("webconfig: %s: no origin of the configuration can be written as a policy origin (see the notes)", cfg.Name)
	}
	return d.build()
}

type deriver struct {
	cfg         *iis.Config
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
		conds := originConditions(r)
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

// originsFromPattern adds the origins a condition pattern allows: all of
// them when the set is small and finite, else one sample.
func (d *deriver) originsFromPattern(c iis.Condition) {
	p, ok := parseOriginPattern(c.Source, c.IgnoreCase)
	if !ok {
		d.note("line %d: the pattern \"%s\" cannot be analysed; add the origins by hand", c.Line, c.Source)
		return
	}
	anchored := anchoredStart(p.re) && anchoredEnd(p.re)
	intended := intendedOrigins(p)
	var usable []string
	for _, o := range intended {
		if p.matches(o) && strings.Contains(o, "://") {
			usable = append(usable, o)
		}
	}
	switch {
	case len(usable) > 0 && anchored && bareDots(p.re) == 0:
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
		s := strings.ToLower(generate(p.re, -1))
		if !p.matches(s) || checkOrigin(s) != "" {
			d.note("line %d: the pattern \"%s\" matches an infinite set of origins and no concrete origin could be sampled from it; add one by hand", c.Line, c.Source)
			return
		}
		d.note("line %d: the pattern \"%s\" matches an infinite set of origins; the policy samples one of them, %s", c.Line, c.Source, s)
		d.addOrigin(s, c.Line)
	}
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

// build renders the policy with Redacted and parses it back.
func (d *deriver) build() (*policy.Policy, []string, error) {
	d.note("the target is a placeholder, %s: set target (or pass TARGET=...)", PlaceholderTarget)
	p := &policy.Policy{
		Source:      d.cfg.Name,
		Target:      PlaceholderTarget,
		Endpoints:   []policy.Endpoint{{Path: "/"}},
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
