// Package policy parses and validates the user's CORS policy file: the
// target API, its endpoints, the origins that must be allowed and what the
// browser must let them do (credentials, methods, request headers, exposed
// response headers, preflight caching), how refused origins are answered, and
// the credentials the probes carry.
//
// Validation is strict: the first problem is returned as a one-line *Error
// naming the file, the line, the field and the fix, before anything else
// runs. Remarks that do not stop a run go to Policy.Notes.
//
// The file format:
//
//	target: https://api.example.com          # the production name; overridden by TARGET / -target
//	address: 127.0.0.1:8080                  # where this build listens now; overridden by ADDRESS
//	endpoints:                               # default: [{path: /}]
//	  - path: /api/orders                    # must start with /
//	    methods: [GET, POST, PUT, DELETE]    # methods the endpoint serves; default [GET]
//	  - path: /api/missing                   # an error route: CORS headers must be present on errors too
//	    methods: [GET]
//	    status: 404
//	  - path: /public/status                 # an endpoint's own rules (rules.go): origins, credentials,
//	    origins: ["*"]                       #   headers, expose, maxAge, unlisted; unset keys inherit
//	    credentials: false
//	origins:                                 # the origins that must be allowed:
//	  - https://app.example.com              #   exact (scheme://host[:port], no path, no trailing slash)
//	  - https://*.example.com                #   wildcard subdomain, as the IIS CORS module writes it
//	  - {origin: https://admin.example.com, credentials: false, methods: [GET], headers: [Content-Type]}
//	  # - "*"                                #   any origin (public API)
//	credentials: true                        # allowed origins get Access-Control-Allow-Credentials: true
//	methods: [GET, POST, PUT, DELETE]        # methods that must pass preflight (default GET, HEAD, POST)
//	headers: [Content-Type, Authorization]   # request headers that must pass preflight
//	expose: [X-Request-Id]                   # response headers frontend JS must be able to read
//	maxAge: 600                              # seconds a preflight must stay cached (Chrome caps at 7200)
//	unlisted: omit                           # refused origins get no CORS headers (omit) or a 403 (reject)
//	thirdPartyCookies: blocked               # or allowed; unset: Chrome's own default
//	auth:                                    # optional, for credentialed probes
//	  cookies: [{name: session, value: "${SESSION}", sameSite: Lax, secure: true}]   # ${VAR} from the
//	                                         #   environment; also partitioned, domain, path (cookie.go)
//	  login: {method: POST, path: /login, body: "...", contentType: application/json}  # done by Chromium
//	  headers: {Authorization: "Bearer ${API_TOKEN}"}  # set by page JS, so they take part in preflight
//
// ${VAR} is expanded only inside auth values; a variable that is not set is
// an error. There is no escape for a literal "${".
package policy

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits on the size of a policy. Anything larger is an error naming the
// limit.
const (
	// MaxFileSize is the largest policy file accepted, in bytes (1 MiB).
	MaxFileSize = 1 << 20
	// MaxOrigins is the largest number of entries under origins.
	MaxOrigins = 100
	// MaxEndpoints is the largest number of entries under endpoints.
	MaxEndpoints = 100
	// MaxNames is the largest number of entries in methods, headers, expose
	// (also an endpoint's methods), auth.cookies and auth.headers.
	MaxNames = 50
	// MaxMaxAge bounds maxAge; larger values are surely a mistake. Chrome's
	// own cap is fetchspec.ChromeMaxAge.
	MaxMaxAge = 1<<31 - 1
)

// DefaultMethods are the methods that must pass preflight when the policy
// does not list any.
var DefaultMethods = []string{"GET", "HEAD", "POST"}

// Policy is a parsed, validated policy file.
type Policy struct {
	// Source is the file name, for messages.
	Source string
	// Target is scheme://host[:port] of the API under test, normalised:
	// lower-case scheme and host, no default port, no trailing slash. It is
	// "" when the file has no target; the caller then sets it with SetTarget.
	Target string
	// Endpoints are the routes probed; default [{Path: "/", Methods: [GET]}].
	Endpoints []Endpoint
	// Origins are the origins that must be allowed; at least one.
	Origins []Origin
	// Credentials: allowed origins must get Access-Control-Allow-Credentials: true.
	Credentials bool
	// Methods must pass preflight; default DefaultMethods. Methods are
	// case-sensitive in CORS, so only upper-case methods are accepted.
	Methods []string
	// Headers are request headers that must pass preflight, as written.
	Headers []string
	// Expose are response headers frontend JavaScript must be able to read.
	Expose []string
	// MaxAge is how long, in seconds, a preflight must stay cached; 0 = no requirement.
	MaxAge int
	// Unlisted is how refused origins must be answered; default UnlistedOmit.
	Unlisted Unlisted
	// Auth is what credentialed probes carry.
	Auth Auth
	// Address is host:port where this build is reachable now (ADDRESS);
	// "" probes Target as it resolves. With an address, Target is the
	// production name Chrome uses (production.go).
	Address string
	// ThirdPartyCookies is the run's third-party cookie mode: "" (Chrome's
	// own default), ThirdPartyBlocked or ThirdPartyAllowed.
	ThirdPartyCookies string
	// AddressSpace is where the target lives for Chrome's Local Network
	// Access: "" (public, the default), "local" or "loopback"
	// (addressspace.go).
	AddressSpace string
	// Notes are non-fatal remarks, in file order.
	Notes []string
}

// Endpoint is a route of the target that the probes request.
type Endpoint struct {
	// Path starts with "/" and may carry a query.
	Path string
	// Methods the endpoint serves; default [GET].
	Methods []string
	// Status is the status the endpoint answers with; 0 = any 2xx expected.
	Status int
	// Line is the line of the entry in the file; 0 for the default endpoint.
	Line int
	// Rules are the endpoint's own origins, credentials, headers, expose,
	// maxAge and unlisted; unset ones inherit the top level (rules.go).
	Rules Rules
}

// Unlisted is how the API must answer an origin it refuses.
type Unlisted string

// The answers to a refused origin.
const (
	// UnlistedOmit: refused origins get no CORS headers (the response itself is served).
	UnlistedOmit Unlisted = "omit"
	// UnlistedReject: refused origins get a 403.
	UnlistedReject Unlisted = "reject"
)

// Auth is what credentialed probes carry.
type Auth struct {
	// Cookies are set for the target, in file order.
	Cookies []Cookie
	// Headers are set by page JavaScript, ordered by name
	// (case-insensitively), so they take part in preflight.
	Headers []Header
	// Login, when set, is performed by Chromium itself as a first-party
	// request to the API, so the server's Set-Cookie lands in the jar.
	Login *Login
}

// Cookie is a cookie credentialed probes carry, with ${VAR} expanded, and
// the attributes the server would set on it. An attribute left unset is
// what Chrome does with a cookie that omits it (cookie.go).
type Cookie struct {
	Name, Value string
	// SameSite is Lax, Strict or None; "" is a cookie without the
	// attribute, which Chrome treats as Lax.
	SameSite string
	// Secure is the Secure attribute; nil means absent.
	Secure *bool
	// Partitioned is the Partitioned attribute (CHIPS).
	Partitioned bool
	// Domain makes the cookie a domain cookie; "" is host-only.
	Domain string
	// Path is the cookie's path; "" means "/".
	Path string
}

// Header is a request header page JavaScript sets, with ${VAR} expanded.
type Header struct{ Name, Value string }

// Error is a problem in a policy: one line naming the file, the line, the
// field and the fix.
type Error struct {
	// Source is the file name; "" for a problem that is not in a file, such
	// as a target from the environment.
	Source string
	// Line is the 1-based line of the problem; 0 when it has none.
	Line int
	// Msg names the field and the fix.
	Msg string
}

func (e *Error) Error() string {
	var s string
	switch {
	case e.Source == "":
		s = "policy: " + e.Msg
	case e.Line > 0:
		s = fmt.Sprintf("policy: %s line %d: %s", e.Source, e.Line, e.Msg)
	default:
		s = fmt.Sprintf("policy: %s: %s", e.Source, e.Msg)
	}
	return oneLine(s)
}

// oneLine keeps a message on one line whatever a file name or a YAML parser
// message holds.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// Load reads and parses the policy file at path. getenv expands ${VAR} in
// auth values; nil means os.LookupEnv.
func Load(path string, getenv func(string) (string, bool)) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Source: path, Msg: "cannot read the file: " + pathErr(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{Source: path, Msg: "cannot read the file: " + pathErr(err)}
	}
	return Parse(path, data, getenv)
}

func pathErr(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// SetTarget overrides the target with the value of TARGET (or -target),
// validated as in the file. Errors start with "policy: target (from TARGET)".
func (p *Policy) SetTarget(target string) error {
	return p.SetTargetFrom("TARGET", target)
}

// SetTargetFrom is SetTarget naming where the value comes from, e.g.
// "-target"; errors start with "policy: target (from <from>)".
func (p *Policy) SetTargetFrom(from, target string) error {
	t, problem := normalizeTarget(target)
	if problem != "" {
		return &Error{Msg: fmt.Sprintf("target (from %s) %q %s", from, target, problem)}
	}
	p.Target = t
	return nil
}

// Allowed reports whether origin (as a browser sends it in the Origin
// header) matches one of the policy's origins.
func (p *Policy) Allowed(origin string) bool {
	for _, o := range p.Origins {
		if o.Matches(origin) {
			return true
		}
	}
	return false
}

// AnyOrigin reports whether the policy allows every origin ("*").
func (p *Policy) AnyOrigin() bool {
	for _, o := range p.Origins {
		if o.Any {
			return true
		}
	}
	return false
}
