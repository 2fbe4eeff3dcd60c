package webconfig

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/policy"
)

// The IIS CORS Module gives each origin its own rule (credentials, methods,
// headers, exposed headers, max-age), and a <location> element gives a path
// its own configuration. A policy says the same with origin objects and
// per-endpoint rules, so the derived policy keeps these differences instead
// of folding them into a union.

// originRule is one CORS Module rule's own settings, normalised as the
// policy's top level is.
type originRule struct {
	credentials     bool
	methods         []string
	headers, expose []string
	maxAge          int
	line            int
}

// recordRule keeps rule r's settings for origin v, the origin as the policy
// writes it.
func (d *deriver) recordRule(v string, r iis.OriginRule) {
	q := &deriver{cfg: d.cfg} // normalises like d, without repeating d's notes
	hs := r.AllowHeaders
	if r.AllowAllRequestedHeaders {
		hs = appendNames(slices.Clone(hs), sampleHeaders)
	}
	if d.rules == nil {
		d.rules = map[string]originRule{}
	}
	d.rules[v] = originRule{
		credentials: r.AllowCredentials,
		methods:     q.keepValid("methods", q.dropOptions(appendNames(nil, r.AllowMethods))),
		headers:     q.keepValid("headers", q.meant("headers", appendNames(nil, hs))),
		expose:      q.keepValid("expose", q.meant("expose", appendNames(nil, r.ExposeHeaders))),
		maxAge:      max(r.MaxAge, 0),
		line:        r.Line,
	}
}

// originObjects are the policy's origins: an origin whose CORS Module rule
// differs from the top level in credentials, methods or headers is an
// origin object with its own; differences in exposed headers and maxAge,
// which a policy origin cannot carry, are noted.
func (d *deriver) originObjects() []policy.Origin {
	var out []policy.Origin
	var own, exposeDiffers, maxAgeDiffers []string
	for _, v := range d.origins {
		o := policy.Origin{Value: v}
		r, ok := d.rules[v]
		if ok && d.multiRule {
			// A "*" rule may have its own rules too, except credentials:
			// true (a public rule beside credentialed ones).
			if r.credentials != d.credentials && (v != "*" || !r.credentials) {
				o.Credentials = &r.credentials
			}
			if !sameNames(r.methods, d.methods) {
				o.Methods = r.methods
				if len(o.Methods) == 0 {
					o.Methods = slices.Clone(policy.DefaultMethods) // the simple methods only: nothing else passes preflight
				}
			}
			if !sameNames(r.headers, d.headers) {
				o.Headers = append([]string{}, r.headers...)
			}
			if o.HasOwnRules() {
				own = append(own, fmt.Sprintf("%s (line %d)", v, r.line))
			}
			if !sameNames(r.expose, d.expose) {
				exposeDiffers = append(exposeDiffers, v)
			}
			if r.maxAge != d.maxAge {
				maxAgeDiffers = append(maxAgeDiffers, v)
			}
		}
		out = append(out, o)
	}
	if len(own) > 0 {
		d.note("the CORS Module gives origins their own rules; the policy keeps them as origin objects ({origin: ..., credentials: ..., methods: ..., headers: ...}) for %s; the top level is the union", strings.Join(own, ", "))
	}
	if len(exposeDiffers) > 0 {
		d.note("the exposed headers differ per origin (%s); a policy origin cannot carry its own, so expose is the union", strings.Join(exposeDiffers, ", "))
	}
	if len(maxAgeDiffers) > 0 && d.maxAge > 0 {
		d.note("maxAge differs per origin (%s); a policy origin cannot carry its own, so maxAge is the smallest, %d", strings.Join(maxAgeDiffers, ", "), d.maxAge)
	}
	// The CORS Module answers an origin by its most specific rule (iis
	// mostSpecific, [cors] in docs/iis-behaviours.md): a subdomain
	// wildcard before "*". A policy takes the first wildcard or "*" entry
	// that matches (policy.OriginFor), so "*" goes last.
	slices.SortStableFunc(out, func(a, b policy.Origin) int {
		switch {
		case a.Value == "*" && b.Value != "*":
			return 1
		case b.Value == "*" && a.Value != "*":
			return -1
		}
		return 0
	})
	return out
}

// sameNames reports whether two name lists hold the same names, in any
// order and case.
func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y string) bool { return strings.EqualFold(x, y) }) {
			return false
		}
	}
	return true
}

// addLocation derives the rules of a <location> whose CORS configuration
// differs from the policy's as an endpoint of their own, path = the
// location's path; when the location configures no CORS it is noted.
func (d *deriver) addLocation(loc iis.Location) {
	path := "/" + strings.Trim(loc.Path, "/")
	sd := &deriver{cfg: loc.Config, path: path}
	var err error
	switch c := loc.Config; {
	case loc.Config.Fatal() != nil:
		err = fmt.Errorf("IIS refuses its configuration")
	case corsModuleOn(c):
		err = sd.fromCORSModule()
	case len(customHeaders(c, acao)) > 0:
		err = sd.fromCustomHeaders()
	case len(outboundSetting(c, acao)) > 0:
		err = sd.fromRewrite()
	default:
		err = fmt.Errorf("it sends no Access-Control-Allow-Origin")
	}
	if err == nil && len(sd.origins) == 0 {
		err = fmt.Errorf("none of its origins can be written in a policy")
	}
	if err != nil {
		d.note("line %d: <location path=\"%s\"> serves %s with its own merged configuration, not derived (%v); this policy describes %s", loc.Line, loc.Path, path, err, d.path)
		return
	}
	methods := sd.keepValid("methods", sd.methods)
	headers := sd.keepValid("headers", sd.meant("headers", sd.headers))
	expose := sd.keepValid("expose", sd.meant("expose", sd.expose))
	sd.methods, sd.headers, sd.expose = methods, headers, expose
	credentials, maxAge := sd.credentials, sd.maxAge
	e := policy.Endpoint{
		Path:    path,
		Methods: appendNames([]string{"GET"}, methods),
		Rules: policy.Rules{
			Origins:     sd.originObjects(),
			Credentials: &credentials,
			Headers:     append([]string{}, headers...),
			Expose:      append([]string{}, expose...),
			MaxAge:      &maxAge,
			Unlisted:    sd.unlisted,
		},
	}
	for _, n := range sd.notes {
		d.note("<location path=\"%s\">: %s", loc.Path, n)
	}
	d.endpoints = append(d.endpoints, e)
	d.locationLines = append(d.locationLines, loc.Line)
}

// prune leaves out of an endpoint's rules what equals the top level, so the
// endpoint states only its differences.
func (d *deriver) prune(r *policy.Rules) {
	if r.Credentials != nil && *r.Credentials == d.credentials {
		r.Credentials = nil
	}
	if r.Headers != nil && sameNames(r.Headers, d.headers) {
		r.Headers = nil
	}
	if r.Expose != nil && sameNames(r.Expose, d.expose) {
		r.Expose = nil
	}
	if r.MaxAge != nil && *r.MaxAge == d.maxAge {
		r.MaxAge = nil
	}
	if r.Unlisted == d.unlisted {
		r.Unlisted = ""
	}
	if len(r.Origins) == len(d.origins) && !slices.ContainsFunc(r.Origins, func(o policy.Origin) bool {
		return o.HasOwnRules() || !slices.Contains(d.origins, o.Value)
	}) {
		r.Origins = nil
	}
}

// noteLocations says, once the endpoints' rules are pruned, which locations
// have CORS rules of their own and which only another configuration.
func (d *deriver) noteLocations() {
	for i, e := range d.endpoints {
		if e.Rules.IsZero() {
			d.note("line %d: <location path=\"%s\"> has a configuration of its own with the site's CORS rules; the policy probes %s as an endpoint too", d.locationLines[i], strings.TrimPrefix(e.Path, "/"), e.Path)
		} else {
			d.note("line %d: <location path=\"%s\"> gives %s CORS rules of its own; the policy has them as that endpoint's (unset keys inherit)", d.locationLines[i], strings.TrimPrefix(e.Path, "/"), e.Path)
		}
	}
}
