package policy

import (
	"fmt"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/internal/spell"
)

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), the
// syntax of methods and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// checkMethod returns "" or the problem with a method, to follow the quoted
// method in a message.
func checkMethod(m string) string {
	switch {
	case m == "*":
		return `is a wildcard; list the methods that must pass, e.g. [GET, POST, PUT]`
	case !isToken(m):
		return "is not a method name (a token such as GET or PATCH: letters, digits and !#$%&'*+-.^_`|~, no spaces or commas)"
	}
	up := strings.ToUpper(m)
	if fetchspec.IsForbiddenMethod(m) {
		return fmt.Sprintf("is a forbidden method: page JavaScript cannot send %s (https://fetch.spec.whatwg.org/#forbidden-method); remove it", up)
	}
	if m != up {
		if fetchspec.NormalizeMethod(m) == up {
			return fmt.Sprintf("must be upper-case; write %q (fetch upper-cases %s, but Access-Control-Allow-Methods is compared case-sensitively)", up, up)
		}
		return fmt.Sprintf("must be upper-case; write %q (methods are case-sensitive in CORS: fetch sends %q as written and it does not match %s)", up, m, up)
	}
	return ""
}

// checkRequestHeader returns "" or the problem with the name of a request
// header page JavaScript sets, to follow the quoted name in a message.
func checkRequestHeader(name string) string {
	switch {
	case name == "*":
		return `is a wildcard; list the header names that must pass, e.g. [Content-Type, Authorization]`
	case !isToken(name):
		return "is not a header name (a token such as X-Request-Id: letters, digits and !#$%&'*+-.^_`|~, no spaces, colons or commas)"
	}
	if fetchspec.IsForbiddenRequestHeaderName(name) {
		hint := "remove it"
		if strings.EqualFold(name, "cookie") {
			hint = "use auth.cookies for cookies"
		}
		return fmt.Sprintf("is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); %s", hint)
	}
	return ""
}

// checkExposeHeader returns "" or the problem with a response header name
// that must be exposed.
func checkExposeHeader(name string) string {
	switch {
	case name == "*":
		return `is a wildcard; list the header names JavaScript must read, e.g. [X-Request-Id]`
	case !isToken(name):
		return "is not a header name (a token such as X-Request-Id: letters, digits and !#$%&'*+-.^_`|~, no spaces, colons or commas)"
	case fetchspec.IsForbiddenResponseHeaderName(name):
		return "can never be exposed: browsers hide it from JavaScript whatever Access-Control-Expose-Headers says (https://fetch.spec.whatwg.org/#forbidden-response-header-name); remove it"
	}
	return ""
}

// isCookieName reports whether s is a cookie name (an RFC 6265 token).
func isCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, rune(c)) {
			return false
		}
	}
	return true
}

// isCookieValue reports whether s is a cookie value (RFC 6265
// cookie-value: cookie-octets, optionally in double quotes).
func isCookieValue(s string) bool {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// expand replaces ${NAME} in s with the variable's value. what names the
// field for messages, remove says what to remove ("the cookie"). It returns
// the expanded value and the names used, or a problem that starts with the
// field name and never contains a variable's value.
func expand(s, what, remove string, getenv func(string) (string, bool)) (out string, vars []string, problem string) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", nil, fmt.Sprintf(`%s has "${" without a closing "}"; write ${NAME}`, what)
		}
		name := s[i+2 : i+end]
		if !isVarName(name) {
			return "", nil, fmt.Sprintf("%s has %q; a variable is written ${NAME}, NAME being letters, digits and _ not starting with a digit", what, s[i:i+end+1])
		}
		v, ok := getenv(name)
		if !ok {
			return "", nil, fmt.Sprintf("%s uses ${%s}, which is not set; export %s=... or remove %s", what, name, name, remove)
		}
		vars = append(vars, name)
		b.WriteString(v)
		s = s[i+end+1:]
	}
	return b.String(), vars, ""
}

func isVarName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// suggest returns the known field closest to an unknown one: a common
// synonym from other CORS configurations, or the nearest by edit distance
// (ignoring case, "-" and "_"); "" when nothing is close.
func suggest(unknown string, known []string) string {
	if len(unknown) > 64 {
		return ""
	}
	u := fold(unknown)
	if s, ok := synonyms[u]; ok {
		for _, k := range known {
			if k == s {
				return s
			}
		}
	}
	best, bestD := "", 1<<30
	for _, k := range known {
		if d := spell.Distance(u, fold(k)); d < bestD {
			best, bestD = k, d
		}
	}
	limit := len(fold(best)) / 3
	if limit < 1 {
		limit = 1
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func fold(s string) string {
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
}

// synonyms map the field names of other CORS configurations (IIS, ASP.NET
// Core, Express, Spring, rs/cors), folded, to ours.
var synonyms = map[string]string{
	"allowedorigins":           "origins",
	"alloworigins":             "origins",
	"alloworigin":              "origins",
	"accesscontrolalloworigin": "origins",
	"allowcredentials":         "credentials",
	"allowedcredentials":       "credentials",
	"withcredentials":          "credentials",
	"allowedmethods":           "methods",
	"allowmethods":             "methods",
	"allowedheaders":           "headers",
	"allowheaders":             "headers",
	"requestheaders":           "headers",
	"exposedheaders":           "expose",
	"exposeheaders":            "expose",
	"exposeheader":             "expose",
	"maxageseconds":            "maxAge",
	"preflightmaxage":          "maxAge",
	"url":                      "target",
	"baseurl":                  "target",
	"api":                      "target",
	"host":                     "target",
	"server":                   "target",
	"routes":                   "endpoints",
	"paths":                    "endpoints",
	"urls":                     "endpoints",
	"method":                   "methods",
	"statuscode":               "status",
	"code":                     "status",
	"route":                    "path",
}
