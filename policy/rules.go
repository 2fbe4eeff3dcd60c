package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Rules are an endpoint's own CORS rules. A zero field inherits the top
// level's value: an API that mixes a public endpoint (any origin, no
// credentials) with private ones is described by one policy.
type Rules struct {
	// Origins replaces the top-level origins for the endpoint; nil inherits.
	Origins []Origin
	// Credentials replaces the top-level credentials; nil inherits.
	Credentials *bool
	// Headers and Expose replace the top-level lists; nil inherits, an
	// empty list means none.
	Headers, Expose []string
	// MaxAge replaces the top-level maxAge; nil inherits.
	MaxAge *int
	// Unlisted replaces the top-level unlisted; "" inherits.
	Unlisted Unlisted
}

// IsZero reports whether r inherits everything.
func (r Rules) IsZero() bool {
	return r.Origins == nil && r.Credentials == nil && r.Headers == nil && r.Expose == nil && r.MaxAge == nil && r.Unlisted == ""
}

// For returns the policy as it applies to endpoint e alone: e's rules over
// the top level's, with Endpoints = [e].
func (p *Policy) For(e Endpoint) *Policy {
	v := *p
	v.Endpoints = []Endpoint{e}
	r := e.Rules
	if r.Origins != nil {
		v.Origins = r.Origins
	}
	if r.Credentials != nil {
		v.Credentials = *r.Credentials
	}
	if r.Headers != nil {
		v.Headers = r.Headers
	}
	if r.Expose != nil {
		v.Expose = r.Expose
	}
	if r.MaxAge != nil {
		v.MaxAge = *r.MaxAge
	}
	if r.Unlisted != "" {
		v.Unlisted = r.Unlisted
	}
	return &v
}

// Views splits p into policies of one rule set each: the endpoints whose
// effective rules are the same, in file order of their first endpoint. A
// policy without per-endpoint rules is one view, equal to p.
func (p *Policy) Views() []*Policy {
	var views []*Policy
	var keys []string
	for _, e := range p.Endpoints {
		v := p.For(e)
		k := v.rulesKey()
		if i := slices.Index(keys, k); i >= 0 {
			views[i].Endpoints = append(views[i].Endpoints, e)
			continue
		}
		keys, views = append(keys, k), append(views, v)
	}
	return views
}

// rulesKey identifies a policy's effective rules (not its endpoints).
func (p *Policy) rulesKey() string {
	var os []string
	for _, o := range p.Origins {
		os = append(os, o.key())
	}
	return fmt.Sprintf("%s|%v|%v|%v|%v|%d|%s", strings.Join(os, ","), p.Credentials, p.Methods, p.Headers, p.Expose, p.MaxAge, p.Unlisted)
}

// ForOrigin returns p with origin o's own rules (an origin object's
// credentials, methods and headers) applied.
func (p *Policy) ForOrigin(o Origin) *Policy {
	v := *p
	if o.Credentials != nil {
		v.Credentials = *o.Credentials
	}
	if o.Methods != nil {
		v.Methods = o.Methods
	}
	if o.Headers != nil {
		v.Headers = o.Headers
	}
	return &v
}

// HasOwnRules reports whether o is an origin object with rules of its own.
func (o Origin) HasOwnRules() bool {
	return o.Credentials != nil || o.Methods != nil || o.Headers != nil
}

// key identifies the origin and its own rules.
func (o Origin) key() string {
	if !o.HasOwnRules() {
		return o.Value
	}
	return fmt.Sprintf("%s{%v %v %v}", o.Value, ptrString(o.Credentials), o.Methods, o.Headers)
}

func ptrString[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// OriginFor returns the policy entry that allows origin (as a browser sends
// it): the first exact entry, else the first wildcard or "*".
func (p *Policy) OriginFor(origin string) (Origin, bool) {
	var found *Origin
	for i, o := range p.Origins {
		if !o.Matches(origin) {
			continue
		}
		if !o.Wildcard && !o.Any {
			return o, true
		}
		if found == nil {
			found = &p.Origins[i]
		}
	}
	if found == nil {
		return Origin{}, false
	}
	return *found, true
}
