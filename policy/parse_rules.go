package policy

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Login is a request Chromium performs itself, as a first-party request from
// a page on the API's own origin, before the credentialed probes: the
// server's Set-Cookie, with the server's attributes, lands in the jar.
type Login struct {
	Method, Path, Body, ContentType string
	Line                            int
}

// address parses address: host:port.
func (ps *parser) address(v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	s, err := ps.scalar(v, "address", "127.0.0.1:8080")
	if err != nil {
		return err
	}
	a, problem := NormalizeAddress(s)
	if problem != "" {
		return ps.fail(v, "address %s %s", q(s), problem)
	}
	ps.p.Address = a
	return nil
}

// NormalizeAddress checks an address (ADDRESS or policy address:): host:port
// where the build under test is reachable now.
func NormalizeAddress(s string) (addr, problem string) {
	if strings.Contains(s, "://") {
		_, rest, _ := strings.Cut(s, "://")
		return "", fmt.Sprintf("is a URL; write host:port only, e.g. %q (the scheme is detected)", strings.TrimRight(rest, "/"))
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return "", `is not host:port; write e.g. "127.0.0.1:8080"`
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return "", fmt.Sprintf("has an invalid port %q; write a port from 1 to 65535", port)
	}
	return net.JoinHostPort(strings.ToLower(host), port), ""
}

// SetAddress overrides the address with the value of ADDRESS.
func (p *Policy) SetAddress(from, address string) error {
	a, problem := NormalizeAddress(address)
	if problem != "" {
		return &Error{Msg: fmt.Sprintf("address (from %s) %q %s", from, address, problem)}
	}
	p.Address = a
	return nil
}

func (ps *parser) thirdPartyCookies(v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	s, err := ps.scalar(v, "thirdPartyCookies", "blocked")
	if err != nil {
		return err
	}
	if s != ThirdPartyBlocked && s != ThirdPartyAllowed {
		return ps.fail(v, "thirdPartyCookies %s must be blocked or allowed (leave it out for Chrome's default)", q(s))
	}
	ps.p.ThirdPartyCookies = s
	return nil
}

// endpointRule parses one of an endpoint's own rules.
func (ps *parser) endpointRule(r *Rules, where, key string, k, v *yaml.Node) error {
	var err error
	field := where + "." + key
	switch key {
	case "origins":
		r.Origins, err = ps.origins(k, v, field)
	case "credentials":
		if isNull(v) {
			return nil
		}
		var b bool
		b, err = ps.bool(v, field)
		r.Credentials = &b
	case "headers":
		r.Headers, err = ps.names(k, v, field, checkRequestHeader, true, "[Content-Type, Authorization]")
	case "expose":
		r.Expose, err = ps.names(k, v, field, checkExposeHeader, true, "[X-Request-Id]")
	case "maxAge":
		if isNull(v) {
			return nil
		}
		var n int64
		if n, err = ps.int(v, field, "seconds", "600"); err != nil {
			return err
		}
		if n < 0 || n > MaxMaxAge {
			return ps.fail(v, "%s %d is out of range; write the seconds a preflight must stay cached (0 to %d)", field, n, MaxMaxAge)
		}
		m := int(n)
		r.MaxAge = &m
	case "unlisted":
		if isNull(v) {
			return nil
		}
		var s string
		if s, err = ps.scalar(v, field, "omit"); err != nil {
			return err
		}
		if Unlisted(s) != UnlistedOmit && Unlisted(s) != UnlistedReject {
			return ps.fail(v, "%s %s must be omit or reject", field, q(s))
		}
		r.Unlisted = Unlisted(s)
	}
	return err
}

// originEntry parses an entry of origins: a string, or an origin object
// {origin: ..., credentials: ..., methods: ..., headers: ...}.
func (ps *parser) originEntry(it *yaml.Node, where string) (Origin, error) {
	if it.Kind != yaml.MappingNode {
		s, err := ps.scalar(it, where, "https://app.example.com")
		if err != nil {
			return Origin{}, err
		}
		return ps.originValue(it, where, s)
	}
	var o Origin
	var value *yaml.Node
	err := ps.fields(it, where, originFields, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "origin":
			value = v
		case "credentials":
			var b bool
			b, err = ps.bool(v, where+".credentials")
			o.Credentials = &b
		case "methods":
			o.Methods, err = ps.names(k, v, where+".methods", checkMethod, false, "[GET, POST]")
			if err == nil && len(o.Methods) == 0 {
				return ps.fail(k, "%s.methods is empty; remove it to inherit, or list the methods that must pass preflight", where)
			}
		case "headers":
			o.Headers, err = ps.names(k, v, where+".headers", checkRequestHeader, true, "[Content-Type]")
		case "addressSpace":
			o.AddressSpace, err = ps.addressSpace(v, where+".addressSpace")
		}
		return err
	})
	if err != nil {
		return Origin{}, err
	}
	if value == nil {
		return Origin{}, ps.fail(it, "%s has no origin; add origin: https://...", where)
	}
	s, err := ps.scalar(value, where+".origin", "https://app.example.com")
	if err != nil {
		return Origin{}, err
	}
	base, err := ps.originValue(value, where+".origin", s)
	if err != nil {
		return Origin{}, err
	}
	base.Credentials, base.Methods, base.Headers, base.Line = o.Credentials, o.Methods, o.Headers, it.Line
	base.AddressSpace = o.AddressSpace
	if base.Any && base.AddressSpace != "" {
		return Origin{}, ps.fail(it, `%s: "*" cannot have an addressSpace (it stands for every site); give exact origins their address space`, where)
	}
	if base.Any && base.Credentials != nil && *base.Credentials {
		return Origin{}, ps.fail(it, `%s: "*" cannot have credentials: true (browsers refuse Access-Control-Allow-Origin: * with credentials); list exact origins`, where)
	}
	return base, nil
}

func (ps *parser) originValue(n *yaml.Node, where, s string) (Origin, error) {
	o, problem := parseOrigin(s)
	if problem != "" {
		return Origin{}, ps.fail(n, "%s %s %s", where, q(s), problem)
	}
	return Origin{Value: o.value(), Wildcard: o.wildcard, Any: o.any, Line: n.Line}, nil
}

// cookieAttribute parses an attribute of an auth cookie.
func (ps *parser) cookieAttribute(c *Cookie, where, key string, v *yaml.Node) error {
	field := where + "." + key
	switch key {
	case "secure", "partitioned":
		b, err := ps.bool(v, field)
		if err != nil {
			return err
		}
		if key == "secure" {
			c.Secure = &b
		} else {
			c.Partitioned = b
		}
		return nil
	}
	s, err := ps.scalar(v, field, "Lax")
	if err != nil {
		return err
	}
	switch key {
	case "sameSite":
		i := slices.IndexFunc(sameSiteValues, func(x string) bool { return strings.EqualFold(x, s) })
		if i < 0 {
			return ps.fail(v, "%s %s must be Lax, Strict or None (leave it out for a cookie without SameSite, which Chrome treats as Lax)", field, q(s))
		}
		c.SameSite = sameSiteValues[i]
	case "domain":
		d := strings.TrimPrefix(strings.ToLower(s), ".")
		if d == "" || strings.ContainsAny(d, "/:* ") {
			return ps.fail(v, "%s %s is not a domain; write e.g. example.com", field, q(s))
		}
		c.Domain = d
	case "path":
		if !strings.HasPrefix(s, "/") {
			return ps.fail(v, "%s %s must start with /", field, q(s))
		}
		c.Path = s
	}
	return nil
}

// login parses auth.login.
func (ps *parser) login(v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return ps.fail(v, `auth.login must be a mapping such as {method: POST, path: /login, body: '{"user":"ci"}', contentType: application/json}, not %s`, kindName(v))
	}
	l := &Login{Method: "POST", Line: v.Line}
	err := ps.fields(v, "auth.login", loginFields, func(key string, k, val *yaml.Node) error {
		s, err := ps.scalar(val, "auth.login."+key, "/login")
		if err != nil {
			return err
		}
		switch key {
		case "method":
			if problem := checkMethod(s); problem != "" {
				return ps.fail(val, "auth.login.method %s %s", q(s), problem)
			}
			l.Method = s
		case "path":
			if problem := checkPath(s); problem != "" {
				return ps.fail(val, "auth.login.path %s %s", q(s), problem)
			}
			l.Path = s
		case "body":
			out, vars, problem := expand(s, "auth.login.body", "the body", ps.getenv)
			if problem != "" {
				return ps.fail(val, "%s", problem)
			}
			_ = vars
			l.Body = out
		case "contentType":
			l.ContentType = s
		}
		return nil
	})
	if err != nil {
		return err
	}
	if l.Path == "" {
		return ps.fail(v, "auth.login has no path; add path: /login")
	}
	ps.p.Auth.Login = l
	return nil
}

// checkRules flags the contradictions between an endpoint's rules and what
// it inherits, with the line of each side.
func (ps *parser) checkRules() error {
	p := ps.p
	for i, e := range p.Endpoints {
		v := p.For(e)
		for _, o := range v.Origins {
			cred := v.Credentials
			if o.Credentials != nil {
				cred = *o.Credentials
			}
			if !o.Any || !cred {
				continue
			}
			from := fmt.Sprintf("credentials: true at line %d", ps.credentialsLine)
			if e.Rules.Credentials != nil {
				from = "its credentials: true"
			}
			return &Error{Source: ps.src, Line: o.Line, Msg: fmt.Sprintf(`endpoints[%d] (%s): origins "*" contradicts %s (browsers refuse Access-Control-Allow-Origin: * with credentials); add credentials: false to the endpoint or list exact origins`, i, e.Path, from)}
		}
		if v.MaxAge > 0 && e.Rules.MaxAge != nil && *e.Rules.MaxAge == 0 && ps.maxAgeLine > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("endpoints[%d] (%s) sets maxAge: 0, so its preflights are not required to be cached", i, e.Path))
		}
	}
	return nil
}
