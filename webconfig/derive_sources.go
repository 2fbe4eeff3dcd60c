package webconfig

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/policy"
)

// This file reads the three places a web.config allows origins from: the
// CORS Module's rules, a static customHeaders Access-Control-Allow-Origin,
// and outbound rewrite rules echoing {HTTP_ORIGIN} under conditions.

// fromCORSModule takes the allowed rules of the CORS Module: their origins,
// and the union of their methods, headers and exposed headers.
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
		before := len(d.origins)
		d.addOrigin(r.Origin, r.Line)
		if len(d.origins) > before {
			d.recordRule(d.origins[len(d.origins)-1], r)
		}
		if r.AllowCredentials {
			credOrigins++
		} else {
			plainOrigins++
		}
		d.methods = appendNames(d.methods, r.AllowMethods)
		if r.AllowAllRequestedHeaders {
			d.note("line %d: the rule for %s has allowHeaders allowAllRequestedHeaders=\"true\": any request header from %s passes the preflight, one the policy does not list too; the policy lists Content-Type and Authorization as samples", r.Line, strconv.Quote(r.Origin), originLabel(r.Origin))
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
	// Per-origin credentials, methods and headers become origin objects
	// (derive_rules.go); expose and maxAge are noted there when they differ.
	d.multiRule = len(allowed) > 1
	if len(maxAges) > 1 {
		d.note("the rules set different maxAge values; the policy requires the smallest, %d", d.maxAge)
	}
	if star != nil && d.credentials && star.AllowCredentials {
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
			var who []string
			for _, o := range d.origins {
				who = append(who, originLabel(o))
			}
			// Chromium 156 lets "*" cover Authorization too, unlike the
			// standard (fetchspec.HeaderAllowed).
			d.note("line %d: Access-Control-Allow-Headers \"*\" lets any request header from %s pass the preflight without credentials (in Chrome, Authorization too), one the policy does not list included; with credentials \"*\" is a literal name; the policy lists Content-Type as a sample", line, strings.Join(who, ", "))
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

// fromCustomHeaders takes the static customHeaders
// Access-Control-Allow-Origin and the other Access-Control-* entries.
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

// fromRewrite takes the origins of the outbound rules setting
// Access-Control-Allow-Origin: a fixed value, or the origins their
// {HTTP_ORIGIN} conditions (and preConditions) accept.
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
		// Each condition proposes origins; the iis package says whether
		// the rule runs for each (its preCondition and conditions, under
		// their own logicalGrouping).
		d.accept = func(o string) bool { return gateAccepts(d.cfg, r, d.path, o) }
		for _, c := range conds {
			d.originsFromPattern(c)
		}
		d.accept = nil
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
		if w, ok := wildcardOrigin(c.Source); ok && matches(c, strings.Replace(w, "*", "app", 1)) && d.accepts(strings.Replace(w, "*", "app", 1)) && checkOrigin(w) == "" {
			d.note("line %d: the Wildcard pattern \"%s\" allows every subdomain; the policy writes it as %s", c.Line, c.Source, w)
			d.addOrigin(w, c.Line)
			return
		}
	}
	var usable []string
	for _, o := range intendedOrigins(c) {
		if !strings.Contains(o, "://") || !matches(c, o) {
			continue
		}
		if !d.accepts(o) {
			d.note("line %d: the origin %s matches the pattern \"%s\", but the rule's other conditions or its preCondition (under their logicalGrouping) do not let it run for that origin; left out", c.Line, o, c.Source)
			continue
		}
		usable = append(usable, o)
	}
	loose := len(patternFindings(c, false)) > 0
	if sampledPattern(c) && len(usable) > 0 {
		d.note("line %d: the pattern \"%s\" uses a lookaround or back-reference, so its origins are sampled (read with the lookaround dropped, kept where the pattern as IIS runs it matches): %s; check the list by hand", c.Line, c.Source, strings.Join(usable, ", "))
	}
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
		if s == "" || !matches(c, s) || !d.accepts(s) || checkOrigin(s) != "" {
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

// accepts reports whether the rule being read runs for origin (d.accept,
// set by fromRewrite); true outside a rule.
func (d *deriver) accepts(origin string) bool {
	return d.accept == nil || d.accept(origin)
}

// originLabel names the origins a configuration origin stands for in a
// note, with the concrete origin corsgate probes for it: "every origin"
// for "*", "https://*.example.com (e.g. https://app.example.com)" for a
// subdomain wildcard.
func originLabel(o string) string {
	if o == "*" {
		return "every origin"
	}
	if strings.Contains(o, "*") {
		if p, err := policy.Parse("origin", []byte("origins: ["+strconv.Quote(o)+"]\n"), nil); err == nil && len(p.Origins) == 1 {
			return fmt.Sprintf("%s (e.g. %s)", o, p.Origins[0].Sample())
		}
	}
	return o
}
