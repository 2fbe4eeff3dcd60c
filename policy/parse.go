package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/corsgate/corsgate/fetchspec"
)

// The fields of each mapping, in the order of the documentation.
var (
	topFields      = []string{"target", "address", "endpoints", "origins", "credentials", "methods", "headers", "expose", "maxAge", "unlisted", "thirdPartyCookies", "addressSpace", "auth"}
	endpointFields = []string{"path", "methods", "status", "origins", "credentials", "headers", "expose", "maxAge", "unlisted"}
	authFields     = []string{"cookies", "headers", "login"}
	cookieFields   = []string{"name", "value", "sameSite", "secure", "partitioned", "domain", "path"}
	originFields   = []string{"origin", "credentials", "methods", "headers", "addressSpace"}
	loginFields    = []string{"method", "path", "body", "contentType"}
)

// Parse parses and validates a policy file; name is the file name used in
// messages. getenv expands ${VAR} in auth values; nil means os.LookupEnv.
// The error, if any, is an *Error.
func Parse(name string, data []byte, getenv func(string) (string, bool)) (*Policy, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	if len(data) > MaxFileSize {
		return nil, &Error{Source: name, Msg: fmt.Sprintf("the file is larger than 1 MiB (%d bytes), the limit for a policy file; a policy lists at most %d origins and %d endpoints", MaxFileSize, MaxOrigins, MaxEndpoints)}
	}
	if line, problem := checkText(data); problem != "" {
		return nil, &Error{Source: name, Line: line, Msg: problem}
	}
	doc, err := decodeYAML(name, data)
	if err != nil {
		return nil, err
	}
	ps := &parser{src: name, getenv: getenv, p: &Policy{Source: name}}
	if err := ps.top(doc); err != nil {
		return nil, err
	}
	return ps.p, nil
}

// checkText finds what YAML would reject in the raw text, with its line:
// invalid UTF-8 and control characters.
func checkText(data []byte) (line int, problem string) {
	line = 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, "the file is not UTF-8 text; save it as UTF-8"
		case r == '\n':
			line++
		case r == '\t' || r == '\r' || r == 0xFEFF && i == 0:
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f && r != 0x85 || r == 0xFFFE || r == 0xFFFF:
			return line, fmt.Sprintf("contains the control character %U; remove it", r)
		}
		i += size
	}
	return 0, ""
}

// decodeYAML parses the one YAML document of the file; nil for an empty
// file.
func decodeYAML(name string, data []byte) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, &Error{Source: name, Msg: oneLine(fmt.Sprintf("not valid YAML (the YAML parser failed: %v)", r))}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var d yaml.Node
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(name, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(name, data, err)
	default:
		return nil, &Error{Source: name, Line: extra.Line, Msg: `a second YAML document starts here (after "---"); a policy file holds one document`}
	}
	return &d, nil
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlError turns a YAML syntax error into an *Error with the line.
func yamlError(name string, data []byte, err error) error {
	msg := oneLine(err.Error())
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		msg = strings.TrimPrefix(msg, "yaml: ")
		for i, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "*"+m[1]) {
				line = i + 1
				break
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		// The parser leaves out the line when the problem is on the first
		// one; the other messages without a line are about the whole file.
		if !strings.Contains(msg, "max depth") && !strings.Contains(msg, "aliasing") {
			line = 1
		}
	}
	hint := ""
	switch {
	case strings.Contains(msg, "mapping values are not allowed"):
		hint = `; quote a value that contains ": "`
	case strings.Contains(msg, "cannot start any token") && (bytes.Contains(data, []byte("\n\t")) || bytes.HasPrefix(data, []byte("\t"))):
		hint = "; indent with spaces, not tabs"
	}
	return &Error{Source: name, Line: line, Msg: "not valid YAML: " + msg + hint}
}

// parser walks the YAML tree of one file into a Policy.
type parser struct {
	src    string
	getenv func(string) (string, bool)
	p      *Policy

	authHeaderLines map[string]int // lower-case name -> line, for the cross checks
	maxAgeLine      int
	unlistedSet     bool
	credentialsLine int
}

func (ps *parser) fail(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{Source: ps.src, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (ps *parser) top(doc *yaml.Node) error {
	p := ps.p
	if doc == nil || len(doc.Content) == 0 || isNull(deref(doc.Content[0])) {
		return &Error{Source: ps.src, Msg: `the file is empty; a policy lists at least the origins that must be allowed, e.g. "origins: [https://app.example.com]"`}
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return ps.fail(root, "the top level must be a mapping of fields (target:, origins:, ...), not %s", kindName(root))
	}
	err := ps.fields(root, "", topFields, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "target":
			if isNull(v) {
				return nil
			}
			var s string
			if s, err = ps.scalar(v, "target", "https://api.example.com"); err != nil {
				return err
			}
			t, problem := normalizeTarget(s)
			if problem != "" {
				return ps.fail(v, "target %s %s", q(s), problem)
			}
			p.Target = t
		case "address":
			err = ps.address(v)
		case "thirdPartyCookies":
			err = ps.thirdPartyCookies(v)
		case "addressSpace":
			p.AddressSpace, err = ps.addressSpace(v, "addressSpace")
		case "endpoints":
			err = ps.endpoints(v)
		case "origins":
			p.Origins, err = ps.origins(k, v, "origins")
		case "credentials":
			if isNull(v) {
				return nil
			}
			p.Credentials, err = ps.bool(v, "credentials")
			ps.credentialsLine = v.Line
		case "methods":
			p.Methods, err = ps.names(k, v, "methods", checkMethod, false, "[GET, POST, PUT]")
			if err == nil && p.Methods != nil && len(p.Methods) == 0 {
				return ps.fail(k, "methods is empty; remove it for the default [GET, HEAD, POST] or list the methods that must pass preflight")
			}
		case "headers":
			p.Headers, err = ps.names(k, v, "headers", checkRequestHeader, true, "[Content-Type, Authorization]")
			if len(p.Headers) == 0 {
				p.Headers = nil
			}
		case "expose":
			p.Expose, err = ps.names(k, v, "expose", checkExposeHeader, true, "[X-Request-Id]")
			if len(p.Expose) == 0 {
				p.Expose = nil
			}
		case "maxAge":
			if isNull(v) {
				return nil
			}
			var n int64
			if n, err = ps.int(v, "maxAge", "seconds", "600"); err != nil {
				return err
			}
			switch {
			case n < 0:
				return ps.fail(v, "maxAge %d is negative; write the seconds a preflight must stay cached, or 0 for no requirement", n)
			case n > MaxMaxAge:
				return ps.fail(v, "maxAge %d is absurdly large (the limit is %d); browsers cap it at hours (Chrome at %d s)", n, MaxMaxAge, fetchspec.ChromeMaxAge)
			}
			p.MaxAge, ps.maxAgeLine = int(n), v.Line
		case "unlisted":
			if isNull(v) {
				return nil
			}
			var s string
			if s, err = ps.scalar(v, "unlisted", "omit"); err != nil {
				return err
			}
			switch Unlisted(s) {
			case UnlistedOmit, UnlistedReject:
				p.Unlisted, ps.unlistedSet = Unlisted(s), true
			default:
				fix := ""
				if l := strings.ToLower(s); l == "omit" || l == "reject" {
					fix = fmt.Sprintf("write %q; ", l)
				}
				return ps.fail(v, "unlisted %s must be omit or reject; %somit: refused origins get no CORS headers, reject: they get a 403", q(s), fix)
			}
		case "auth":
			err = ps.auth(v)
		}
		return err
	})
	if err != nil {
		return err
	}
	return ps.finish(root)
}

// finish applies the defaults and the checks that involve several fields,
// and collects the notes.
func (ps *parser) finish(root *yaml.Node) error {
	p := ps.p
	if len(p.Origins) == 0 {
		return &Error{Source: ps.src, Msg: `origins is missing; list the origins that must be allowed, e.g. "origins: [https://app.example.com]", or "origins: ["*"]" for a public API`}
	}
	var star *Origin
	for i := range p.Origins {
		if p.Origins[i].Any {
			star = &p.Origins[i]
		}
	}
	if star != nil && p.Credentials && (star.Credentials == nil || *star.Credentials) {
		return &Error{Source: ps.src, Line: star.Line, Msg: `origins: "*" cannot be combined with credentials: true (browsers refuse Access-Control-Allow-Origin: * with credentials); list the exact origins or set credentials: false`}
	}
	for _, h := range p.Auth.Headers {
		if fetchspec.SafelistedByName(h.Name) || slices.ContainsFunc(p.Headers, func(x string) bool { return strings.EqualFold(x, h.Name) }) {
			continue
		}
		return &Error{Source: ps.src, Line: ps.authHeaderLines[strings.ToLower(h.Name)], Msg: fmt.Sprintf("auth.headers.%s is set by page JavaScript, so it takes part in preflight; add %s to headers", h.Name, h.Name)}
	}

	if p.Endpoints == nil {
		p.Endpoints = []Endpoint{{Path: "/", Methods: []string{"GET"}}}
	}
	if p.Methods == nil {
		p.Methods = slices.Clone(DefaultMethods)
	}
	if p.Unlisted == "" {
		p.Unlisted = UnlistedOmit
	}
	ps.samples(p.Origins)
	for i := range p.Endpoints {
		ps.samples(p.Endpoints[i].Rules.Origins)
	}
	if err := ps.checkRules(); err != nil {
		return err
	}

	if star != nil && len(p.Origins) > 1 && !star.HasOwnRules() {
		p.Notes = append(p.Notes, `origins: "*" allows every origin, so the other origins listed add nothing`)
	}
	if star != nil && ps.unlistedSet && p.Unlisted == UnlistedReject {
		p.Notes = append(p.Notes, `unlisted: reject has no effect with origins: "*": no origin is refused`)
	}
	if p.Credentials && len(p.Auth.Cookies) == 0 && len(p.Auth.Headers) == 0 {
		p.Notes = append(p.Notes, "credentials is true but auth is empty: credentialed probes will carry no cookies")
	}
	if !p.Credentials && len(p.Auth.Cookies) > 0 {
		p.Notes = append(p.Notes, "auth.cookies are listed but credentials is false: browsers send cookies cross-origin only with credentials, so the probes will not carry them")
	}
	for _, h := range p.Expose {
		if fetchspec.IsSafelistedResponseHeaderName(h) {
			p.Notes = append(p.Notes, fmt.Sprintf("expose lists %s, which JavaScript can read without Access-Control-Expose-Headers", h))
		}
	}
	if p.MaxAge > fetchspec.ChromeMaxAge {
		p.Notes = append(p.Notes, fmt.Sprintf("maxAge %d is above Chrome's cap of %d s; Chrome will re-send the preflight after 2 h", p.MaxAge, fetchspec.ChromeMaxAge))
	}
	return nil
}

// samples picks, for each wildcard, a concrete origin that no exact entry
// lists, so that probing it exercises the wildcard.
func (ps *parser) samples(origins []Origin) {
	exact := map[string]bool{}
	for _, o := range origins {
		if !o.Wildcard && !o.Any {
			exact[o.Value] = true
		}
	}
	for i := range origins {
		o := &origins[i]
		if !o.Wildcard || !exact[o.sampleWith(sampleLabels[0])] {
			continue
		}
		label := sampleLabels[1]
		for n := 2; exact[o.sampleWith(label)]; n++ {
			label = sampleLabels[1] + strconv.Itoa(n)
		}
		o.sample = o.sampleWith(label)
	}
}

func (ps *parser) endpoints(v *yaml.Node) error {
	items, err := ps.list(v, "endpoints", MaxEndpoints, "[{path: /api/orders}]")
	if err != nil || items == nil {
		return err
	}
	if len(items) == 0 {
		return ps.fail(v, "endpoints is empty; remove it for the default [{path: /}] or list the paths to probe")
	}
	p := ps.p
	p.Endpoints = []Endpoint{}
	for i, it := range items {
		where := fmt.Sprintf("endpoints[%d]", i)
		if it.Kind != yaml.MappingNode {
			fix := ""
			if it.Kind == yaml.ScalarNode {
				fix = fmt.Sprintf(`; write "- path: %s"`, it.Value)
			}
			return ps.fail(it, "%s must be a mapping such as {path: /api/orders, methods: [GET]}, not %s%s", where, kindName(it), fix)
		}
		e := Endpoint{Line: it.Line}
		hasPath := false
		err := ps.fields(it, where, endpointFields, func(key string, k, v *yaml.Node) error {
			var err error
			switch key {
			case "path":
				var s string
				if s, err = ps.scalar(v, where+".path", "/api/orders"); err != nil {
					return err
				}
				if problem := checkPath(s); problem != "" {
					return ps.fail(v, "%s.path %s %s", where, q(s), problem)
				}
				e.Path, hasPath = s, true
			case "methods":
				e.Methods, err = ps.names(k, v, where+".methods", checkMethod, false, "[GET, POST]")
				if err == nil && e.Methods != nil && len(e.Methods) == 0 {
					return ps.fail(k, "%s.methods is empty; remove it for the default [GET] or list the methods the endpoint serves", where)
				}
			case "status":
				if isNull(v) {
					return nil
				}
				var n int64
				if n, err = ps.int(v, where+".status", "an HTTP status", "404"); err != nil {
					return err
				}
				if n < 100 || n > 599 {
					return ps.fail(v, "%s.status %d is not an HTTP status; write 100 to 599, or remove it to expect any 2xx", where, n)
				}
				e.Status = int(n)
			default:
				return ps.endpointRule(&e.Rules, where, key, k, v)
			}
			return err
		})
		if err != nil {
			return err
		}
		if !hasPath {
			return ps.fail(it, "%s has no path; add path: /...", where)
		}
		if e.Methods == nil {
			e.Methods = []string{"GET"}
		}
		for j, o := range p.Endpoints {
			if o.Path == e.Path && o.Status == e.Status {
				return ps.fail(it, "%s repeats the path %s of endpoints[%d] (line %d); merge them", where, q(e.Path), j, o.Line)
			}
		}
		p.Endpoints = append(p.Endpoints, e)
	}
	return nil
}

// checkPath returns "" or the problem with an endpoint path.
func checkPath(s string) string {
	switch {
	case s == "":
		return `is empty; write a path such as "/api/orders"`
	case strings.Contains(s, "://"):
		return `is a URL; put scheme://host in target and write only the path, e.g. "/api/orders"`
	case !strings.HasPrefix(s, "/"):
		return fmt.Sprintf("must start with /; write %q", "/"+s)
	case strings.HasPrefix(s, "//"):
		return "starts with //, which a browser reads as another host; write a single /"
	case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "contains spaces or control characters; percent-encode them (%20)"
	case strings.Contains(s, "#"):
		return "has a fragment (#...), which browsers never send; remove it"
	case strings.Contains(s, `\`):
		return `contains "\", which browsers turn into "/"; write "/"`
	}
	return ""
}

// origins parses a list of origins (the top level's, or an endpoint's when
// field is "endpoints[i].origins"): strings, or origin objects.
func (ps *parser) origins(k, v *yaml.Node, field string) ([]Origin, error) {
	items, err := ps.list(v, field, MaxOrigins, "[https://app.example.com]")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ps.fail(k, `%s is empty; list the origins that must be allowed, e.g. "origins: [https://app.example.com]", or "origins: ["*"]" for a public API`, field)
	}
	var out []Origin
	seen := map[string]int{}
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", field, i)
		o, err := ps.originEntry(it, where)
		if err != nil {
			return nil, err
		}
		written := o.Value
		if it.Kind == yaml.ScalarNode {
			written = it.Value
		}
		if j, ok := seen[o.Value]; ok {
			return nil, ps.fail(it, "%s %s repeats %s[%d] (line %d); remove one", where, q(written), field, j, out[j].Line)
		}
		seen[o.Value] = i
		out = append(out, o)
	}
	return out, nil
}

func (ps *parser) auth(v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return ps.fail(v, "auth must be a mapping with cookies: and headers:, not %s", kindName(v))
	}
	return ps.fields(v, "auth", authFields, func(key string, k, v *yaml.Node) error {
		switch key {
		case "cookies":
			return ps.cookies(v)
		case "login":
			return ps.login(v)
		}
		return ps.authHeaders(v)
	})
}

func (ps *parser) cookies(v *yaml.Node) error {
	items, err := ps.list(v, "auth.cookies", MaxNames, `[{name: session, value: "${SESSION}"}]`)
	if err != nil {
		return err
	}
	p := ps.p
	for i, it := range items {
		where := fmt.Sprintf("auth.cookies[%d]", i)
		if it.Kind != yaml.MappingNode {
			return ps.fail(it, `%s must be a mapping such as {name: session, value: "${SESSION}"}, not %s`, where, kindName(it))
		}
		var c Cookie
		var hasName, hasValue bool
		err := ps.fields(it, where, cookieFields, func(key string, k, v *yaml.Node) error {
			if key != "name" && key != "value" {
				return ps.cookieAttribute(&c, where, key, v)
			}
			s, err := ps.scalar(v, where+"."+key, "session")
			if err != nil {
				return err
			}
			if key == "name" {
				if !isCookieName(s) {
					return ps.fail(v, `%s.name %s is not a cookie name (letters, digits and !#$%%&'*+-.^_`+"`"+`|~, no spaces or "=")`, where, q(s))
				}
				c.Name, hasName = s, true
				return nil
			}
			out, vars, problem := expand(s, where+".value", "the cookie", ps.getenv)
			switch {
			case problem != "":
				return ps.fail(v, "%s", problem)
			case out == "" && len(vars) > 0:
				return ps.fail(v, "%s.value is empty: %s set but empty", where, varList(vars))
			case out == "":
				return ps.fail(v, "%s.value is empty; write the cookie's value", where)
			case !isCookieValue(out):
				return ps.fail(v, "%s.value%s contains a character a cookie value cannot hold (a space, '\"', ',', ';', '\\' or a control character)", where, expandedFrom(vars))
			}
			c.Value, hasValue = out, true
			return nil
		})
		if err != nil {
			return err
		}
		switch {
		case !hasName:
			return ps.fail(it, "%s has no name; add name: ...", where)
		case !hasValue:
			return ps.fail(it, `%s has no value; add value: "${VAR}"`, where)
		}
		if problem := c.check(p.Target); problem != "" {
			return ps.fail(it, "%s %s", where, problem)
		}
		for j, o := range p.Auth.Cookies {
			if o.Name == c.Name {
				return ps.fail(it, "%s repeats the cookie %s of auth.cookies[%d]; remove one", where, q(c.Name), j)
			}
		}
		p.Auth.Cookies = append(p.Auth.Cookies, c)
	}
	return nil
}

func (ps *parser) authHeaders(v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return ps.fail(v, `auth.headers must be a mapping such as {Authorization: "Bearer ${API_TOKEN}"}, not %s`, kindName(v))
	}
	if n := len(v.Content) / 2; n > MaxNames {
		return ps.fail(v, "auth.headers has %d entries; the limit is %d", n, MaxNames)
	}
	ps.authHeaderLines = map[string]int{}
	var hs []Header
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := deref(v.Content[i]), deref(v.Content[i+1])
		name, err := ps.scalar(k, "auth.headers key", "Authorization")
		if err != nil {
			return err
		}
		if problem := checkRequestHeader(name); problem != "" {
			return ps.fail(k, "auth.headers: %s %s", q(name), problem)
		}
		if line, ok := ps.authHeaderLines[strings.ToLower(name)]; ok {
			return ps.fail(k, "auth.headers.%s appears twice (first at line %d; header names ignore case); keep one", name, line)
		}
		ps.authHeaderLines[strings.ToLower(name)] = k.Line
		where := "auth.headers." + name
		s, err := ps.scalar(val, where, `"Bearer ${API_TOKEN}"`)
		if err != nil {
			return err
		}
		out, vars, problem := expand(s, where, "the header", ps.getenv)
		switch {
		case problem != "":
			return ps.fail(val, "%s", problem)
		case out == "" && len(vars) > 0:
			return ps.fail(val, "%s is empty: %s set but empty", where, varList(vars))
		case out == "":
			return ps.fail(val, "%s is empty; write the header's value", where)
		case strings.ContainsAny(out, "\r\n\x00"):
			return ps.fail(val, "%s%s contains a line break or NUL, which a header value cannot hold", where, expandedFrom(vars))
		}
		if fetchspec.IsMethodOverrideHeader(name) {
			if m, ok := fetchspec.ForbiddenMethodIn(out); ok {
				return ps.fail(val, "%s names the forbidden method %s, so page JavaScript cannot set it (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it", where, m)
			}
		}
		hs = append(hs, Header{Name: name, Value: out})
	}
	slices.SortStableFunc(hs, func(a, b Header) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	ps.p.Auth.Headers = hs
	return nil
}

func varList(vars []string) string {
	s := make([]string, len(vars))
	for i, v := range vars {
		s[i] = "${" + v + "}"
	}
	if len(s) == 1 {
		return s[0] + " is"
	}
	return strings.Join(s, ", ") + " are"
}

func expandedFrom(vars []string) string {
	if len(vars) == 0 {
		return ""
	}
	s := make([]string, len(vars))
	for i, v := range vars {
		s[i] = "${" + v + "}"
	}
	return " (with " + strings.Join(s, ", ") + " expanded)"
}

// fields walks a mapping, rejecting unknown and repeated fields; where names
// the mapping in messages ("" for the top level).
func (ps *parser) fields(m *yaml.Node, where string, known []string, f func(key string, k, v *yaml.Node) error) error {
	in := ""
	if where != "" {
		in = " in " + where
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return ps.fail(k, "a field name%s must be a plain name, not %s", in, kindName(k))
		}
		if k.ShortTag() == "!!merge" {
			return ps.fail(k, "merge keys (<<)%s are not supported; write the fields out", in)
		}
		key := k.Value
		if !slices.Contains(known, key) {
			msg := fmt.Sprintf("unknown field %s%s", q(key), in)
			if s := suggest(key, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; the fields are " + strings.Join(known, ", ")
			}
			return ps.fail(k, "%s", msg)
		}
		if first, ok := seen[key]; ok {
			return ps.fail(k, "field %q%s appears twice (first at line %d); keep one", key, in, first)
		}
		seen[key] = k.Line
		if err := f(key, k, v); err != nil {
			return err
		}
	}
	return nil
}

// list returns the items of a sequence, nil for a null value.
func (ps *parser) list(v *yaml.Node, field string, max int, example string) ([]*yaml.Node, error) {
	if isNull(v) {
		return nil, nil
	}
	switch v.Kind {
	case yaml.SequenceNode:
	case yaml.ScalarNode:
		return nil, ps.fail(v, "%s must be a list; write %s: %s", field, leaf(field), flowList(v.Value))
	default:
		return nil, ps.fail(v, "%s must be a list such as %s, not %s", field, example, kindName(v))
	}
	if len(v.Content) > max {
		return nil, ps.fail(v, "%s has %d entries; the limit is %d", field, len(v.Content), max)
	}
	items := make([]*yaml.Node, len(v.Content))
	for i, it := range v.Content {
		items[i] = deref(it)
	}
	return items, nil
}

// names returns a list of names (methods or header names), each checked and
// none repeated; nil for a null value.
func (ps *parser) names(k, v *yaml.Node, field string, check func(string) string, ignoreCase bool, example string) ([]string, error) {
	items, err := ps.list(v, field, MaxNames, example)
	if err != nil || items == nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	seen := map[string]int{}
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", field, i)
		s, err := ps.scalar(it, where, strings.Trim(strings.SplitN(example, ",", 2)[0], "[]"))
		if err != nil {
			return nil, err
		}
		if problem := check(s); problem != "" {
			return nil, ps.fail(it, "%s %s %s", where, q(s), problem)
		}
		key := s
		if ignoreCase {
			key = strings.ToLower(s)
		}
		if j, ok := seen[key]; ok {
			also := ""
			if ignoreCase && out[j] != s {
				also = " (header names ignore case)"
			}
			return nil, ps.fail(it, "%s %s repeats %s[%d]%s; remove one", where, q(s), field, j, also)
		}
		seen[key] = i
		out = append(out, s)
	}
	return out, nil
}

// scalar returns the text of a single value.
func (ps *parser) scalar(v *yaml.Node, field, example string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", ps.fail(v, "%s must be a single value such as %s, not %s", field, example, kindName(v))
	}
	if isNull(v) && v.Value == "" {
		return "", ps.fail(v, "%s is empty; write a value such as %s", field, example)
	}
	return v.Value, nil
}

func (ps *parser) bool(v *yaml.Node, field string) (bool, error) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false, ps.fail(v, "%s must be true or false, not %s", field, describe(v))
	}
	var b bool
	if err := v.Decode(&b); err != nil {
		return false, ps.fail(v, "%s must be true or false, not %s", field, describe(v))
	}
	return b, nil
}

func (ps *parser) int(v *yaml.Node, field, what, example string) (int64, error) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		return 0, ps.fail(v, "%s must be a whole number (%s) such as %s, not %s", field, what, example, describe(v))
	}
	var n int64
	if err := v.Decode(&n); err != nil {
		return 0, ps.fail(v, "%s %s is too large", field, q(v.Value))
	}
	return n, nil
}

// deref follows aliases, keeping the alias's position for messages.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 100 && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		c := *n.Alias
		c.Line, c.Column = n.Line, n.Column
		n = &c
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "a YAML document"
}

// describe names a value for a message: the quoted scalar, or its kind.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return q(n.Value)
	}
	return kindName(n)
}

// q quotes a value for a message, shortening a long one.
func q(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

// leaf is the last part of a field path: "methods" for "endpoints[0].methods".
func leaf(field string) string {
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	return field
}

// flowList writes a scalar that should have been a list as a YAML flow
// list: "GET, POST" becomes [GET, POST] and "*" becomes ["*"].
func flowList(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	for i, p := range parts {
		if p == "" || strings.ContainsAny(p[:1], "*&!|>'\"%@`{}[]#") || strings.Contains(p, ": ") {
			parts[i] = strconv.Quote(p)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
