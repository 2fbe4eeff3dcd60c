package policy

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Origin is an entry of the policy's origins.
type Origin struct {
	// Value is the origin as normalised: scheme://host[:port] with lower-case
	// scheme and host and no default port; scheme://*.domain[:port] for a
	// wildcard; "*" for any origin.
	Value string
	// Wildcard: Value is scheme://*.domain[:port], matching every subdomain
	// (one or more labels) of domain, not domain itself.
	Wildcard bool
	// Any: Value is "*", matching every origin.
	Any bool
	// Line is the line of the entry in the file.
	Line int
	// Credentials, Methods and Headers are an origin object's own rules
	// ({origin: ..., credentials: ..., methods: ..., headers: ...}); nil
	// inherits the endpoint's or the top level's (rules.go).
	Credentials *bool
	Methods     []string
	Headers     []string
	// AddressSpace is where the frontend of this origin lives for Chrome's
	// Local Network Access: "" (public, the default), "local" or
	// "loopback" (addressspace.go).
	AddressSpace string

	// sample is the concrete origin Sample returns for a wildcard when the
	// default label "app" gives an origin listed exactly; set by Parse.
	sample string
}

// sampleLabels are the labels tried, in order, to make a concrete origin
// from a wildcard.
var sampleLabels = []string{"app", "corsgate"}

// Sample returns a concrete origin the entry allows: the value itself for an
// exact origin; for a wildcard, the domain with the label "app" prepended
// ("https://app.example.com" for "https://*.example.com"), or "corsgate" when
// the policy lists the "app" one exactly, so that probing the sample
// exercises the wildcard; "" for "*".
func (o Origin) Sample() string {
	switch {
	case o.Any:
		return ""
	case !o.Wildcard:
		return o.Value
	case o.sample != "":
		return o.sample
	}
	return o.sampleWith(sampleLabels[0])
}

func (o Origin) sampleWith(label string) string {
	return strings.Replace(o.Value, "*", label, 1)
}

// Matches reports whether origin, as a browser serialises it in the Origin
// header, is allowed by the entry: equal to an exact origin (compared after
// normalisation), or for a wildcard the same scheme and port and a host of
// one or more labels followed by ".domain" — not domain itself, nor a
// lookalike such as https://app.example.com.attacker.test or
// https://attackerexample.com. "*" matches every non-empty origin.
func (o Origin) Matches(origin string) bool {
	if o.Any {
		return origin != ""
	}
	in, problem := parseOrigin(origin)
	if problem != "" || in.wildcard || in.any {
		return false
	}
	want, problem := parseOrigin(o.Value)
	if problem != "" {
		return origin == o.Value
	}
	if !want.wildcard {
		return in.value() == want.value()
	}
	if in.scheme != want.scheme || in.port != want.port {
		return false
	}
	suffix := "." + want.host[len("*."):]
	return len(in.host) > len(suffix) && strings.HasSuffix(in.host, suffix) && !strings.HasPrefix(in.host, "[")
}

// originParts is an origin taken apart; host is lower-case (bracketed for
// IPv6, "*.domain" for a wildcard) and port is "" for the scheme's default.
type originParts struct {
	scheme, host, port string
	wildcard, any      bool
}

func (o originParts) value() string {
	if o.any {
		return "*"
	}
	s := o.scheme + "://" + o.host
	if o.port != "" {
		s += ":" + o.port
	}
	return s
}

const wildcardForm = `the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com"`

// parseOrigin parses an entry of origins, or an origin as a browser sends
// it. problem, when not "", follows the quoted value in a message: it says
// what is wrong and the fix.
func parseOrigin(s string) (o originParts, problem string) {
	if s == "*" {
		return originParts{any: true}, ""
	}
	if s == "" {
		return o, `is empty; write scheme://host[:port], e.g. "https://app.example.com"`
	}
	if s == "null" {
		return o, `is the opaque origin of sandboxed iframes, data: and file: pages; allowing it lets any such page in, so it cannot be listed`
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return o, "contains spaces or control characters; write scheme://host[:port]"
	}
	i := strings.Index(s, "://")
	if i < 0 {
		rest := strings.TrimPrefix(s, "//")
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		if strings.Contains(rest, "*") {
			return o, fmt.Sprintf("has no scheme; %s: write %q", wildcardForm, "https://"+strings.ToLower(rest))
		}
		return o, fmt.Sprintf("has no scheme; write %q", schemeFor(rest)+"://"+strings.ToLower(rest))
	}
	o.scheme = strings.ToLower(s[:i])
	rest := s[i+3:]
	authority, tail := rest, ""
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		authority, tail = rest[:j], rest[j:]
	}
	if o.scheme != "http" && o.scheme != "https" {
		return o, fmt.Sprintf("has scheme %q; only http and https origins can be probed from a browser page", o.scheme)
	}
	if strings.Contains(authority, "@") {
		return o, fmt.Sprintf("contains user info; an origin is scheme://host[:port], write %q", o.scheme+"://"+strings.ToLower(authority[strings.LastIndex(authority, "@")+1:]))
	}
	fix := o.scheme + "://" + strings.ToLower(authority)
	switch {
	case tail == "/":
		return o, fmt.Sprintf("has a trailing slash; write %q", fix)
	case tail != "":
		return o, fmt.Sprintf("has a path, query or fragment; an origin is scheme://host[:port], write %q", fix)
	}
	host, port, problem := splitHostPort(authority)
	if problem != "" {
		return o, problem
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
			return o, fmt.Sprintf("has an invalid port %q; a port is 1 to 65535", port)
		}
		port = strconv.Itoa(n)
		if (o.scheme == "http" && n == 80) || (o.scheme == "https" && n == 443) {
			port = ""
		}
	}
	o.port = port
	host = strings.ToLower(host)
	if strings.Contains(host, "*") {
		if !strings.HasPrefix(host, "*.") || strings.Count(host, "*") != 1 {
			return o, "is not a valid wildcard; " + wildcardForm
		}
		domain := host[2:]
		if p := checkHost(domain); p != "" || net.ParseIP(domain) != nil || strings.HasPrefix(domain, "[") {
			return o, "is not a valid wildcard; " + wildcardForm
		}
		if !strings.Contains(domain, ".") && domain != "localhost" {
			return o, fmt.Sprintf("matches every site under .%s; %s", domain, wildcardForm)
		}
		o.host, o.wildcard = host, true
		return o, ""
	}
	if p := checkHost(host); p != "" {
		return o, p
	}
	o.host = host
	return o, ""
}

// splitHostPort splits an authority into host and port ("" when absent),
// keeping the brackets of an IPv6 host.
func splitHostPort(a string) (host, port, problem string) {
	if strings.HasPrefix(a, "[") {
		end := strings.Index(a, "]")
		if end < 0 {
			return "", "", "has an unterminated IPv6 address; write [address]"
		}
		host, rest := a[:end+1], a[end+1:]
		switch {
		case rest == "":
			return host, "", ""
		case strings.HasPrefix(rest, ":") && len(rest) > 1:
			return host, rest[1:], ""
		}
		return "", "", "has an invalid port; write scheme://host[:port]"
	}
	if i := strings.LastIndex(a, ":"); i >= 0 {
		if i == len(a)-1 {
			return "", "", "has an empty port; remove the colon or write a port"
		}
		return a[:i], a[i+1:], ""
	}
	return a, "", ""
}

// checkHost validates a host without port: a DNS name (labels of letters,
// digits, "-" and "_"), an IPv4 address or a bracketed IPv6 address. It
// returns "" or the problem.
func checkHost(h string) string {
	if h == "" {
		return "has no host; write scheme://host[:port]"
	}
	if strings.HasPrefix(h, "[") {
		ip := net.ParseIP(strings.TrimSuffix(h[1:], "]"))
		if !strings.HasSuffix(h, "]") || ip == nil || ip.To4() != nil && !strings.Contains(h, ":") {
			return "has an invalid IPv6 address"
		}
		return ""
	}
	for _, r := range h {
		if r >= 0x80 {
			return "has a non-ASCII host; write its punycode form (xn--...), which is what browsers send"
		}
	}
	if len(h) > 253 {
		return "has a host longer than 253 characters"
	}
	if strings.HasSuffix(h, ".") {
		return "has a host ending with a dot; remove the dot"
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return "has an empty label in the host (two dots in a row?)"
		}
		if len(label) > 63 {
			return "has a host label longer than 63 characters"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Sprintf("has %q in the host; a host is letters, digits, '-' and '.'", r)
			}
		}
	}
	return ""
}

// schemeFor guesses the scheme for a host written without one: http for
// loopback, https otherwise.
func schemeFor(hostport string) string {
	h := strings.ToLower(hostport)
	if strings.HasPrefix(h, "localhost") || strings.HasPrefix(h, "127.") || strings.HasPrefix(h, "[::1]") || strings.Contains(strings.SplitN(h, ":", 2)[0], ".localhost") {
		return "http"
	}
	return "https"
}

// normalizeTarget validates the target: scheme://host[:port], optionally
// with a lone trailing slash. problem follows the quoted value in a message.
func normalizeTarget(s string) (target, problem string) {
	if s == "" {
		return "", `is empty; write scheme://host[:port], e.g. "https://api.example.com"`
	}
	if strings.Contains(s, "${") {
		return "", "uses ${...}; variables are expanded only in auth values: set the target with TARGET or -target instead"
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", "contains spaces or control characters; write scheme://host[:port]"
	}
	i := strings.Index(s, "://")
	if i < 0 {
		rest := strings.TrimPrefix(s, "//")
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		return "", fmt.Sprintf("is not absolute; write %q", schemeFor(rest)+"://"+strings.ToLower(rest))
	}
	scheme := strings.ToLower(s[:i])
	rest := s[i+3:]
	authority, tail := rest, ""
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		authority, tail = rest[:j], rest[j:]
	}
	if scheme != "http" && scheme != "https" {
		return "", fmt.Sprintf("has scheme %q; the target is http:// or https://", scheme)
	}
	if strings.Contains(authority, "@") {
		return "", "contains user info; put credentials in auth instead and write scheme://host[:port]"
	}
	fix := scheme + "://" + strings.ToLower(authority)
	switch {
	case tail == "" || tail == "/":
	case strings.HasPrefix(tail, "/") && !strings.ContainsAny(tail, "?#"):
		return "", fmt.Sprintf("has a path (%s); write %q and put the path in endpoints (path: %s)", tail, fix, strings.TrimSuffix(tail, "/"))
	default:
		return "", fmt.Sprintf("has a path, query or fragment; write %q and put the rest in endpoints' paths", fix)
	}
	if strings.Contains(authority, "*") {
		return "", "is a wildcard; the target is one concrete host, write scheme://host[:port]"
	}
	o, problem := parseOrigin(scheme + "://" + authority)
	if problem != "" {
		return "", problem
	}
	return o.value(), ""
}
