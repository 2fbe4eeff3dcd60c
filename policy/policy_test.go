package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// env is a getenv over a fixed set of variables.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

var testEnv = env("SESSION", "s3cr3t-session", "API_TOKEN", "t0ken", "API_KEY", "k3y", "EMPTY", "", "SPACEY", "a b")

var cmpOpts = cmp.AllowUnexported(Origin{})

func TestLoadFull(t *testing.T) {
	p, err := Load("testdata/full.yaml", testEnv)
	if err != nil {
		t.Fatalf("Load(full.yaml): got error %v; want none", err)
	}
	want := &Policy{
		Source: "testdata/full.yaml",
		Target: "https://api.example.com",
		Endpoints: []Endpoint{
			{Path: "/api/orders", Methods: []string{"GET", "POST", "PUT", "DELETE"}, Line: 4},
			{Path: "/api/missing", Methods: []string{"GET"}, Status: 404, Line: 6},
			{Path: "/api/health", Methods: []string{"GET"}, Line: 9},
		},
		Origins: []Origin{
			{Value: "https://app.example.com", Line: 11},
			{Value: "https://*.example.com", Wildcard: true, Line: 12, sample: "https://corsgate.example.com"},
			{Value: "http://localhost:3000", Line: 13},
		},
		Credentials: true,
		Methods:     []string{"GET", "POST", "PUT", "DELETE"},
		Headers:     []string{"Content-Type", "Authorization", "X-Api-Key"},
		Expose:      []string{"X-Request-Id"},
		MaxAge:      600,
		Unlisted:    UnlistedReject,
		Auth: Auth{
			Cookies: []Cookie{{Name: "session", Value: "s3cr3t-session"}},
			Headers: []Header{{Name: "Authorization", Value: "Bearer t0ken"}, {Name: "X-Api-Key", Value: "k3y"}},
		},
	}
	if diff := cmp.Diff(want, p, cmpOpts); diff != "" {
		t.Errorf("Load(full.yaml): got a different policy (-want +got):\n%s", diff)
	}
}

func TestDefaults(t *testing.T) {
	p, err := Load("testdata/minimal.yaml", testEnv)
	if err != nil {
		t.Fatalf("Load(minimal.yaml): got error %v; want none", err)
	}
	want := &Policy{
		Source:    "testdata/minimal.yaml",
		Endpoints: []Endpoint{{Path: "/", Methods: []string{"GET"}}},
		Origins:   []Origin{{Value: "https://app.example.com", Line: 1}},
		Methods:   []string{"GET", "HEAD", "POST"},
		Unlisted:  UnlistedOmit,
	}
	if diff := cmp.Diff(want, p, cmpOpts); diff != "" {
		t.Errorf("Load(minimal.yaml): got a different policy (-want +got):\n%s", diff)
	}
	// The defaults are copies: changing one policy does not change another.
	p.Methods[0] = "PATCH"
	if DefaultMethods[0] != "GET" {
		t.Errorf("DefaultMethods[0] = %q after changing a policy; want GET", DefaultMethods[0])
	}
}

func TestTestdataParses(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/*.yaml")
	}
	for _, f := range files {
		if _, err := Load(f, testEnv); err != nil {
			t.Errorf("Load(%s): got error %v; want none", f, err)
		}
	}
}

func TestNormalisation(t *testing.T) {
	p, err := Parse("n.yaml", []byte(`
target: HTTPS://Api.Example.COM:8443
origins: ["HTTPS://App.Example.com:443", "http://*.Example.com:80", "http://[::1]:3000"]
`), testEnv)
	if err != nil {
		t.Fatalf("Parse: got error %v; want none", err)
	}
	if p.Target != "https://api.example.com:8443" {
		t.Errorf("Target: got %q; want %q", p.Target, "https://api.example.com:8443")
	}
	var got []string
	for _, o := range p.Origins {
		got = append(got, o.Value)
	}
	want := []string{"https://app.example.com", "http://*.example.com", "http://[::1]:3000"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("origin values (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	long := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+", ", n), ", ") + "]"
	}
	var manyOrigins []string
	for i := range 101 {
		manyOrigins = append(manyOrigins, "https://o"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".example.com")
	}
	tests := []struct {
		name, in, want string
	}{
		// The file as a whole.
		{"empty file", "", `policy: demo.yaml: the file is empty; a policy lists at least the origins that must be allowed, e.g. "origins: [https://app.example.com]"`},
		{"comments only", "# nothing\n", `policy: demo.yaml: the file is empty; a policy lists at least the origins that must be allowed, e.g. "origins: [https://app.example.com]"`},
		{"not YAML", "origins: [https://a.example.com\ncredentials: true\n", `policy: demo.yaml line 1: not valid YAML: did not find expected ',' or ']'`},
		{"not YAML on line 1", "a: b: c\n", `policy: demo.yaml line 1: not valid YAML: mapping values are not allowed in this context; quote a value that contains ": "`},
		{"tab indent", "origins:\n\t- https://a.example.com\n", `policy: demo.yaml line 2: not valid YAML: found character that cannot start any token; indent with spaces, not tabs`},
		{"top-level list", "- https://app.example.com\n", `policy: demo.yaml line 1: the top level must be a mapping of fields (target:, origins:, ...), not a list`},
		{"top-level scalar", "hello\n", `policy: demo.yaml line 1: the top level must be a mapping of fields (target:, origins:, ...), not a single value`},
		{"two documents", "origins: [https://a.example.com]\n---\norigins: [https://b.example.com]\n", `policy: demo.yaml line 2: a second YAML document starts here (after "---"); a policy file holds one document`},
		{"not UTF-8", "origins: [https://a.example.com]\n# caf\xe9\n", `policy: demo.yaml line 2: the file is not UTF-8 text; save it as UTF-8`},
		{"control character", "origins: [https://a.example.com]\n\n# \x07\n", `policy: demo.yaml line 3: contains the control character U+0007; remove it`},
		{"unknown anchor", "origins: [https://a.example.com]\nmethods: *m\n", `policy: demo.yaml line 2: not valid YAML: unknown anchor 'm' referenced`},
		{"no origins", "target: https://api.example.com\n", `policy: demo.yaml: origins is missing; list the origins that must be allowed, e.g. "origins: [https://app.example.com]", or "origins: ["*"]" for a public API`},

		// Fields.
		{"unknown field", "target: https://api.example.com\ncredentials: false\n\norgins: [https://a.example.com]\n", `policy: demo.yaml line 4: unknown field "orgins"; did you mean "origins"?`},
		{"unknown field, case", "origins: [https://a.example.com]\nmaxage: 5\n", `policy: demo.yaml line 2: unknown field "maxage"; did you mean "maxAge"?`},
		{"unknown field, synonym", "allowedOrigins: [https://a.example.com]\n", `policy: demo.yaml line 1: unknown field "allowedOrigins"; did you mean "origins"?`},
		{"unknown field, nothing close", "origins: [https://a.example.com]\nzzzzzz: 1\n", `policy: demo.yaml line 2: unknown field "zzzzzz"; the fields are target, address, endpoints, origins, credentials, methods, headers, expose, maxAge, unlisted, thirdPartyCookies, addressSpace, auth`},
		{"unknown endpoint field", "origins: [https://a.example.com]\nendpoints:\n  - path: /\n    stauts: 404\n", `policy: demo.yaml line 4: unknown field "stauts" in endpoints[0]; did you mean "status"?`},
		{"repeated field", "origins: [https://a.example.com]\nmethods: [GET]\nmethods: [PUT]\n", `policy: demo.yaml line 3: field "methods" appears twice (first at line 2); keep one`},
		{"merge key", "origins: [https://a.example.com]\n<<: {methods: [GET]}\n", `policy: demo.yaml line 2: merge keys (<<) are not supported; write the fields out`},

		// Target.
		{"target not absolute", "target: api.example.com\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target "api.example.com" is not absolute; write "https://api.example.com"`},
		{"target localhost not absolute", "target: localhost:8080\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target "localhost:8080" is not absolute; write "http://localhost:8080"`},
		{"target with path", "origins: [https://a.example.com]\ntarget: https://api.example.com/v1\n", `policy: demo.yaml line 2: target "https://api.example.com/v1" has a path (/v1); write "https://api.example.com" and put the path in endpoints (path: /v1)`},
		{"target with query", "target: https://api.example.com?x=1\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target "https://api.example.com?x=1" has a path, query or fragment; write "https://api.example.com" and put the rest in endpoints' paths`},
		{"target ftp", "target: ftp://api.example.com\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target "ftp://api.example.com" has scheme "ftp"; the target is http:// or https://`},
		{"target with variable", "target: ${TARGET}\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target "${TARGET}" uses ${...}; variables are expanded only in auth values: set the target with TARGET or -target instead`},
		{"target list", "target: [https://api.example.com]\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target must be a single value such as https://api.example.com, not a list`},
		{"target bad port", "target: https://api.example.com:99999\norigins: [https://a.example.com]\n", `policy: demo.yaml line 1: target "https://api.example.com:99999" has an invalid port "99999"; a port is 1 to 65535`},

		// Origins.
		{"origin trailing slash", "target: https://api.example.com\n\n\n\n\n\n\norigins:\n  - https://app.example.com/\n", `policy: demo.yaml line 9: origins[0] "https://app.example.com/" has a trailing slash; write "https://app.example.com"`},
		{"origin path", "origins:\n  - https://a.example.com\n  - https://app.example.com/app\n", `policy: demo.yaml line 3: origins[1] "https://app.example.com/app" has a path, query or fragment; an origin is scheme://host[:port], write "https://app.example.com"`},
		{"origin without scheme", "origins: [app.example.com]\n", `policy: demo.yaml line 1: origins[0] "app.example.com" has no scheme; write "https://app.example.com"`},
		{"origin as a scalar", "origins: https://a.example.com, https://b.example.com\n", `policy: demo.yaml line 1: origins must be a list; write origins: [https://a.example.com, https://b.example.com]`},
		{"star as a scalar", "origins: \"*\"\n", `policy: demo.yaml line 1: origins must be a list; write origins: ["*"]`},
		{"origin empty list", "origins: []\n", `policy: demo.yaml line 1: origins is empty; list the origins that must be allowed, e.g. "origins: [https://app.example.com]", or "origins: ["*"]" for a public API`},
		{"origin repeated", "origins:\n  - https://a.example.com\n  - https://A.example.com:443\n", `policy: demo.yaml line 3: origins[1] "https://A.example.com:443" repeats origins[0] (line 2); remove one`},
		{"origin null", "origins: [\"null\"]\n", `policy: demo.yaml line 1: origins[0] "null" is the opaque origin of sandboxed iframes, data: and file: pages; allowing it lets any such page in, so it cannot be listed`},
		{"origin scheme", "origins: [\"capacitor://localhost\"]\n", `policy: demo.yaml line 1: origins[0] "capacitor://localhost" has scheme "capacitor"; only http and https origins can be probed from a browser page`},
		{"origin non-ASCII", "origins: [\"https://bücher.example\"]\n", `policy: demo.yaml line 1: origins[0] "https://bücher.example" has a non-ASCII host; write its punycode form (xn--...), which is what browsers send`},
		{"origin user info", "origins: [\"https://u@app.example.com\"]\n", `policy: demo.yaml line 1: origins[0] "https://u@app.example.com" contains user info; an origin is scheme://host[:port], write "https://app.example.com"`},
		{"origin mapping", "origins:\n  - {host: a.example.com}\n", `policy: demo.yaml line 2: unknown field "host" in origins[0]; the fields are origin, credentials, methods, headers, addressSpace`},
		{"star with credentials", "target: https://api.example.com\n\n\n\n\n\n\n\n\n\norigins:\n  - \"*\"\ncredentials: true\n", `policy: demo.yaml line 12: origins: "*" cannot be combined with credentials: true (browsers refuse Access-Control-Allow-Origin: * with credentials); list the exact origins or set credentials: false`},
		{"too many origins", "origins: [" + strings.Join(manyOrigins, ", ") + "]\n", `policy: demo.yaml line 1: origins has 101 entries; the limit is 100`},

		// Wildcards.
		{"wildcard bare", "origins: [\"https://*\"]\n", `policy: demo.yaml line 1: origins[0] "https://*" is not a valid wildcard; the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com"`},
		{"wildcard no scheme", "origins: [\"*.example.com\"]\n", `policy: demo.yaml line 1: origins[0] "*.example.com" has no scheme; the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com": write "https://*.example.com"`},
		{"wildcard in the middle", "origins: [\"https://app.*.com\"]\n", `policy: demo.yaml line 1: origins[0] "https://app.*.com" is not a valid wildcard; the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com"`},
		{"wildcard glued", "origins: [\"https://*example.com\"]\n", `policy: demo.yaml line 1: origins[0] "https://*example.com" is not a valid wildcard; the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com"`},
		{"wildcard twice", "origins: [\"https://*.*.example.com\"]\n", `policy: demo.yaml line 1: origins[0] "https://*.*.example.com" is not a valid wildcard; the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com"`},
		{"wildcard over a TLD", "origins: [\"https://*.com\"]\n", `policy: demo.yaml line 1: origins[0] "https://*.com" matches every site under .com; the accepted form is scheme://*.domain[:port], e.g. "https://*.example.com"`},

		// Endpoints.
		{"endpoint path without slash", "origins: [https://a.example.com]\nendpoints:\n  - path: api/orders\n", `policy: demo.yaml line 3: endpoints[0].path "api/orders" must start with /; write "/api/orders"`},
		{"endpoint path URL", "origins: [https://a.example.com]\nendpoints:\n  - path: https://api.example.com/x\n", `policy: demo.yaml line 3: endpoints[0].path "https://api.example.com/x" is a URL; put scheme://host in target and write only the path, e.g. "/api/orders"`},
		{"endpoint without path", "origins: [https://a.example.com]\nendpoints:\n  - methods: [GET]\n", `policy: demo.yaml line 3: endpoints[0] has no path; add path: /...`},
		{"endpoint scalar", "origins: [https://a.example.com]\nendpoints:\n  - /api/orders\n", `policy: demo.yaml line 3: endpoints[0] must be a mapping such as {path: /api/orders, methods: [GET]}, not a single value; write "- path: /api/orders"`},
		{"status too low", "origins: [https://a.example.com]\nendpoints:\n  - path: /x\n    status: 99\n", `policy: demo.yaml line 4: endpoints[0].status 99 is not an HTTP status; write 100 to 599, or remove it to expect any 2xx`},
		{"status too high", "origins: [https://a.example.com]\nendpoints:\n  - path: /x\n    status: 600\n", `policy: demo.yaml line 4: endpoints[0].status 600 is not an HTTP status; write 100 to 599, or remove it to expect any 2xx`},
		{"status text", "origins: [https://a.example.com]\nendpoints:\n  - path: /x\n    status: not found\n", `policy: demo.yaml line 4: endpoints[0].status must be a whole number (an HTTP status) such as 404, not "not found"`},
		{"endpoint repeated", "origins: [https://a.example.com]\nendpoints:\n  - path: /x\n  - path: /x\n", `policy: demo.yaml line 4: endpoints[1] repeats the path "/x" of endpoints[0] (line 3); merge them`},
		{"endpoint method lower-case", "origins: [https://a.example.com]\nendpoints:\n  - path: /x\n    methods: [get]\n", `policy: demo.yaml line 4: endpoints[0].methods[0] "get" must be upper-case; write "GET" (fetch upper-cases GET, but Access-Control-Allow-Methods is compared case-sensitively)`},
		{"too many endpoints", "origins: [https://a.example.com]\nendpoints: " + long(101, "{path: /}") + "\n", `policy: demo.yaml line 2: endpoints has 101 entries; the limit is 100`},

		// Methods, headers, expose.
		{"method forbidden", "origins: [https://a.example.com]\nmethods: [GET, TRACE]\n", `policy: demo.yaml line 2: methods[1] "TRACE" is a forbidden method: page JavaScript cannot send TRACE (https://fetch.spec.whatwg.org/#forbidden-method); remove it`},
		{"method CONNECT lower-case", "origins: [https://a.example.com]\nmethods: [connect]\n", `policy: demo.yaml line 2: methods[0] "connect" is a forbidden method: page JavaScript cannot send CONNECT (https://fetch.spec.whatwg.org/#forbidden-method); remove it`},
		{"method lower-case patch", "origins: [https://a.example.com]\nmethods: [GET, patch]\n", `policy: demo.yaml line 2: methods[1] "patch" must be upper-case; write "PATCH" (methods are case-sensitive in CORS: fetch sends "patch" as written and it does not match PATCH)`},
		{"method not a token", "origins: [https://a.example.com]\nmethods: [\"GET POST\"]\n", `policy: demo.yaml line 2: methods[0] "GET POST" is not a method name (a token such as GET or PATCH: letters, digits and !#$%&'*+-.^_` + "`" + `|~, no spaces or commas)`},
		{"method wildcard", "origins: [https://a.example.com]\nmethods: [\"*\"]\n", `policy: demo.yaml line 2: methods[0] "*" is a wildcard; list the methods that must pass, e.g. [GET, POST, PUT]`},
		{"method repeated", "origins: [https://a.example.com]\nmethods: [GET, PUT, GET]\n", `policy: demo.yaml line 2: methods[2] "GET" repeats methods[0]; remove one`},
		{"methods empty", "origins: [https://a.example.com]\nmethods: []\n", `policy: demo.yaml line 2: methods is empty; remove it for the default [GET, HEAD, POST] or list the methods that must pass preflight`},
		{"methods as a scalar", "origins: [https://a.example.com]\nmethods: GET, POST\n", `policy: demo.yaml line 2: methods must be a list; write methods: [GET, POST]`},
		{"too many methods", "origins: [https://a.example.com]\nmethods: " + long(51, "GET") + "\n", `policy: demo.yaml line 2: methods has 51 entries; the limit is 50`},
		{"header forbidden", "origins: [https://a.example.com]\nheaders:\n  - Content-Type\n  - Cookie\n", `policy: demo.yaml line 4: headers[1] "Cookie" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); use auth.cookies for cookies`},
		{"header Origin", "origins: [https://a.example.com]\nheaders: [Origin]\n", `policy: demo.yaml line 2: headers[0] "Origin" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
		{"header Sec-", "origins: [https://a.example.com]\nheaders: [Sec-Fetch-Mode]\n", `policy: demo.yaml line 2: headers[0] "Sec-Fetch-Mode" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
		{"header Proxy-", "origins: [https://a.example.com]\nheaders: [proxy-authorization]\n", `policy: demo.yaml line 2: headers[0] "proxy-authorization" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
		{"header Access-Control-Request-", "origins: [https://a.example.com]\nheaders: [Access-Control-Request-Headers]\n", `policy: demo.yaml line 2: headers[0] "Access-Control-Request-Headers" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
		{"header Host", "origins: [https://a.example.com]\nheaders: [Host]\n", `policy: demo.yaml line 2: headers[0] "Host" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
		{"header not a token", "origins: [https://a.example.com]\nheaders: [\"X-Foo: bar\"]\n", `policy: demo.yaml line 2: headers[0] "X-Foo: bar" is not a header name (a token such as X-Request-Id: letters, digits and !#$%&'*+-.^_` + "`" + `|~, no spaces, colons or commas)`},
		{"header repeated, case", "origins: [https://a.example.com]\nheaders: [Content-Type, content-type]\n", `policy: demo.yaml line 2: headers[1] "content-type" repeats headers[0] (header names ignore case); remove one`},
		{"too many headers", "origins: [https://a.example.com]\nheaders: " + long(51, "X-A") + "\n", `policy: demo.yaml line 2: headers has 51 entries; the limit is 50`},
		{"expose Set-Cookie", "origins: [https://a.example.com]\nexpose: [X-Request-Id, Set-Cookie]\n", `policy: demo.yaml line 2: expose[1] "Set-Cookie" can never be exposed: browsers hide it from JavaScript whatever Access-Control-Expose-Headers says (https://fetch.spec.whatwg.org/#forbidden-response-header-name); remove it`},

		// Scalars.
		{"maxAge negative", "origins: [https://a.example.com]\nmaxAge: -1\n", `policy: demo.yaml line 2: maxAge -1 is negative; write the seconds a preflight must stay cached, or 0 for no requirement`},
		{"maxAge with unit", "origins: [https://a.example.com]\nmaxAge: 600s\n", `policy: demo.yaml line 2: maxAge must be a whole number (seconds) such as 600, not "600s"`},
		{"maxAge huge", "origins: [https://a.example.com]\nmaxAge: 99999999999\n", `policy: demo.yaml line 2: maxAge 99999999999 is absurdly large (the limit is 2147483647); browsers cap it at hours (Chrome at 7200 s)`},
		{"credentials not a bool", "origins: [https://a.example.com]\ncredentials: \"true\"\n", `policy: demo.yaml line 2: credentials must be true or false, not "true"`},
		{"unlisted unknown", "origins: [https://a.example.com]\nunlisted: drop\n", `policy: demo.yaml line 2: unlisted "drop" must be omit or reject; omit: refused origins get no CORS headers, reject: they get a 403`},
		{"unlisted case", "origins: [https://a.example.com]\nunlisted: Reject\n", `policy: demo.yaml line 2: unlisted "Reject" must be omit or reject; write "reject"; omit: refused origins get no CORS headers, reject: they get a 403`},

		// Auth.
		{"missing variable in cookie", strings.Repeat("\n", 17) + "origins: [https://a.example.com]\ncredentials: true\nauth:\n  cookies: [{name: session, value: \"${NOPE}\"}]\n", `policy: demo.yaml line 21: auth.cookies[0].value uses ${NOPE}, which is not set; export NOPE=... or remove the cookie`},
		{"missing variable in header", "origins: [https://a.example.com]\nheaders: [Authorization]\nauth:\n  headers:\n    Authorization: Bearer ${NOPE}\n", `policy: demo.yaml line 5: auth.headers.Authorization uses ${NOPE}, which is not set; export NOPE=... or remove the header`},
		{"unterminated variable", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: \"${SESSION\"}]\n", `policy: demo.yaml line 3: auth.cookies[0].value has "${" without a closing "}"; write ${NAME}`},
		{"bad variable name", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: \"${1X}\"}]\n", `policy: demo.yaml line 3: auth.cookies[0].value has "${1X}"; a variable is written ${NAME}, NAME being letters, digits and _ not starting with a digit`},
		{"empty variable", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: \"${EMPTY}\"}]\n", `policy: demo.yaml line 3: auth.cookies[0].value is empty: ${EMPTY} is set but empty`},
		{"cookie value with a space", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: \"${SPACEY}\"}]\n", `policy: demo.yaml line 3: auth.cookies[0].value (with ${SPACEY} expanded) contains a character a cookie value cannot hold (a space, '"', ',', ';', '\' or a control character)`},
		{"cookie bad name", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: \"a=b\", value: x}]\n", `policy: demo.yaml line 3: auth.cookies[0].name "a=b" is not a cookie name (letters, digits and !#$%&'*+-.^_` + "`" + `|~, no spaces or "=")`},
		{"cookie without value", "origins: [https://a.example.com]\nauth:\n  cookies:\n    - name: s\n", `policy: demo.yaml line 4: auth.cookies[0] has no value; add value: "${VAR}"`},
		{"cookies as a mapping", "origins: [https://a.example.com]\nauth:\n  cookies: {session: x}\n", `policy: demo.yaml line 3: auth.cookies must be a list such as [{name: session, value: "${SESSION}"}], not a mapping`},
		{"cookie repeated", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: x}, {name: s, value: y}]\n", `policy: demo.yaml line 3: auth.cookies[1] repeats the cookie "s" of auth.cookies[0]; remove one`},
		{"auth header forbidden", "origins: [https://a.example.com]\nauth:\n  headers:\n    Cookie: a=b\n", `policy: demo.yaml line 4: auth.headers: "Cookie" is a forbidden request header: page JavaScript cannot set it, the browser does (https://fetch.spec.whatwg.org/#forbidden-request-header); use auth.cookies for cookies`},
		{"auth header not in headers", "origins: [https://a.example.com]\nauth:\n  headers:\n    Accept: application/json\n    X-Api-Key: ${API_KEY}\n", `policy: demo.yaml line 5: auth.headers.X-Api-Key is set by page JavaScript, so it takes part in preflight; add X-Api-Key to headers`},
		{"auth header repeated", "origins: [https://a.example.com]\nheaders: [X-A]\nauth:\n  headers:\n    X-A: 1\n    x-a: 2\n", `policy: demo.yaml line 6: auth.headers.x-a appears twice (first at line 5; header names ignore case); keep one`},
		{"auth unknown field", "origins: [https://a.example.com]\nauth:\n  cookie: []\n", `policy: demo.yaml line 3: unknown field "cookie" in auth; did you mean "cookies"?`},
		{"method override", "origins: [https://a.example.com]\nheaders: [X-HTTP-Method-Override]\nauth:\n  headers: {X-HTTP-Method-Override: TRACE}\n", `policy: demo.yaml line 4: auth.headers.X-HTTP-Method-Override names the forbidden method TRACE, so page JavaScript cannot set it (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
		{"method override list", "origins: [https://a.example.com]\nheaders: [X-Method-Override]\nauth:\n  headers: {X-Method-Override: \"GET, connect\"}\n", `policy: demo.yaml line 4: auth.headers.X-Method-Override names the forbidden method CONNECT, so page JavaScript cannot set it (https://fetch.spec.whatwg.org/#forbidden-request-header); remove it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("demo.yaml", []byte(tt.in), testEnv)
			if err == nil {
				t.Fatalf("Parse(%q): got no error (policy %+v); want %s", tt.in, p, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q):\n got  %s\n want %s", tt.in, got, tt.want)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("Parse(%q): got error of type %T; want *Error", tt.in, err)
			}
		})
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	getenv := env("SECRET", "hunter2 with spaces", "NL", "line1\nline2")
	for _, in := range []string{
		"origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: \"${SECRET}\"}]\n",
		"origins: [https://a.example.com]\nheaders: [Authorization]\nauth:\n  headers: {Authorization: \"Bearer ${NL}\"}\n",
	} {
		_, err := Parse("demo.yaml", []byte(in), getenv)
		if err == nil {
			t.Fatalf("Parse(%q): got no error; want one", in)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "line1") {
			t.Errorf("Parse(%q): got %q; want an error that does not show the value", in, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxFileSize)+"\norigins: [https://a.example.com]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "missing.yaml"), "policy: " + filepath.Join(dir, "missing.yaml") + ": cannot read the file: no such file or directory"},
		{dir, "policy: " + dir + ": cannot read the file: is a directory"},
		{big, "policy: " + big + ": the file is larger than 1 MiB (1048576 bytes), the limit for a policy file; a policy lists at most 100 origins and 100 endpoints"},
	}
	for _, tt := range tests {
		_, err := Load(tt.path, testEnv)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Load(%s): got %v; want %s", tt.path, err, tt.want)
		}
	}
}

func TestNotes(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"none", "origins: [https://a.example.com]\n", nil},
		{"maxAge above Chrome's cap", "origins: [https://a.example.com]\nmaxAge: 86400\n",
			[]string{"maxAge 86400 is above Chrome's cap of 7200 s; Chrome will re-send the preflight after 2 h"}},
		{"credentials without auth", "origins: [https://a.example.com]\ncredentials: true\n",
			[]string{"credentials is true but auth is empty: credentialed probes will carry no cookies"}},
		{"cookies without credentials", "origins: [https://a.example.com]\nauth: {cookies: [{name: s, value: x}]}\n",
			[]string{"auth.cookies are listed but credentials is false: browsers send cookies cross-origin only with credentials, so the probes will not carry them"}},
		{"star and others", "origins: [\"*\", https://a.example.com]\nunlisted: reject\n",
			[]string{`origins: "*" allows every origin, so the other origins listed add nothing`, `unlisted: reject has no effect with origins: "*": no origin is refused`}},
		{"safelisted expose", "origins: [https://a.example.com]\nexpose: [Content-Type, X-Request-Id]\n",
			[]string{"expose lists Content-Type, which JavaScript can read without Access-Control-Expose-Headers"}},
	}
	for _, tt := range tests {
		p, err := Parse("demo.yaml", []byte(tt.in), testEnv)
		if err != nil {
			t.Fatalf("%s: Parse(%q): got error %v; want none", tt.name, tt.in, err)
		}
		if diff := cmp.Diff(tt.want, p.Notes); diff != "" {
			t.Errorf("%s: Parse(%q).Notes (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

func TestSetTarget(t *testing.T) {
	p, err := Load("testdata/full.yaml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetTarget("HTTP://LocalHost:8080/"); err != nil || p.Target != "http://localhost:8080" {
		t.Errorf("SetTarget(HTTP://LocalHost:8080/): got %q, %v; want http://localhost:8080, no error", p.Target, err)
	}
	bad := map[string]string{
		"api.example.com":            `policy: target (from TARGET) "api.example.com" is not absolute; write "https://api.example.com"`,
		"https://api.example.com/v1": `policy: target (from TARGET) "https://api.example.com/v1" has a path (/v1); write "https://api.example.com" and put the path in endpoints (path: /v1)`,
		"":                           `policy: target (from TARGET) "" is empty; write scheme://host[:port], e.g. "https://api.example.com"`,
		"https://*.example.com":      `policy: target (from TARGET) "https://*.example.com" is a wildcard; the target is one concrete host, write scheme://host[:port]`,
	}
	for in, want := range bad {
		err := p.SetTarget(in)
		if err == nil || err.Error() != want {
			t.Errorf("SetTarget(%q): got %v; want %s", in, err, want)
		}
		if p.Target != "http://localhost:8080" {
			t.Errorf("SetTarget(%q) changed the target to %q; want it unchanged", in, p.Target)
		}
	}
	err = p.SetTargetFrom("-target", "x")
	if want := `policy: target (from -target) "x" is not absolute; write "https://x"`; err == nil || err.Error() != want {
		t.Errorf("SetTargetFrom(-target, x): got %v; want %s", err, want)
	}
}

func TestMatches(t *testing.T) {
	wild := Origin{Value: "https://*.example.com", Wildcard: true}
	exact := Origin{Value: "https://app.example.com"}
	any := Origin{Value: "*", Any: true}
	wildPort := Origin{Value: "http://*.localhost:3000", Wildcard: true}
	tests := []struct {
		o      Origin
		origin string
		want   bool
	}{
		{wild, "https://app.example.com", true},
		{wild, "https://a.b.example.com", true},
		{wild, "https://APP.example.com:443", true},
		{wild, "https://example.com", false},                   // apex
		{wild, "https://app.example.com.attacker.test", false}, // lookalike suffix
		{wild, "https://attackerexample.com", false},           // lookalike without the dot
		{wild, "http://app.example.com", false},                // scheme downgrade
		{wild, "https://app.example.com:8443", false},          // different port
		{wild, "https://.example.com", false},                  // empty label
		{wild, "https://app.example.com/", false},              // not an origin
		{wild, "null", false},                                  // opaque origin
		{wild, "", false},                                      // no origin
		{exact, "https://app.example.com", true},
		{exact, "https://app.example.com:443", true},
		{exact, "http://app.example.com", false},
		{exact, "https://app.example.com.attacker.test", false},
		{exact, "https://xapp.example.com", false},
		{exact, "https://app.example.com:444", false},
		{any, "https://anything.test", true},
		{any, "null", true},
		{any, "", false},
		{wildPort, "http://app.localhost:3000", true},
		{wildPort, "http://app.localhost", false},
		{wildPort, "http://app.localhost:3001", false},
	}
	for _, tt := range tests {
		if got := tt.o.Matches(tt.origin); got != tt.want {
			t.Errorf("Origin(%s).Matches(%q): got %v; want %v", tt.o.Value, tt.origin, got, tt.want)
		}
	}
}

func TestSample(t *testing.T) {
	tests := []struct {
		origins string
		want    []string
	}{
		{`[https://*.example.com]`, []string{"https://app.example.com"}},
		{`[https://app.example.com, https://*.example.com]`, []string{"https://app.example.com", "https://corsgate.example.com"}},
		{`[https://app.example.com, https://corsgate.example.com, "https://*.example.com:8443", https://*.example.com]`,
			[]string{"https://app.example.com", "https://corsgate.example.com", "https://app.example.com:8443", "https://corsgate2.example.com"}},
		{`["*"]`, []string{""}},
	}
	for _, tt := range tests {
		p, err := Parse("demo.yaml", []byte("origins: "+tt.origins+"\n"), testEnv)
		if err != nil {
			t.Fatalf("Parse(origins: %s): %v", tt.origins, err)
		}
		var got []string
		for _, o := range p.Origins {
			got = append(got, o.Sample())
			if s := o.Sample(); s != "" && !o.Matches(s) {
				t.Errorf("origins: %s: %s does not match its own sample %s", tt.origins, o.Value, s)
			}
			if s := o.Sample(); s != "" && !p.Allowed(s) {
				t.Errorf("origins: %s: Allowed(%s) = false; want true", tt.origins, s)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("origins: %s: samples (-want +got):\n%s", tt.origins, diff)
		}
	}
}

func TestAllowed(t *testing.T) {
	p, err := Load("testdata/full.yaml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	for origin, want := range map[string]bool{
		"https://app.example.com":               true,
		"https://shop.example.com":              true,
		"http://localhost:3000":                 true,
		"http://localhost:3001":                 false,
		"https://example.com":                   false,
		"https://app.example.com.attacker.test": false,
		"https://attackerexample.com":           false,
		"null":                                  false,
	} {
		if got := p.Allowed(origin); got != want {
			t.Errorf("full.yaml Allowed(%q): got %v; want %v", origin, got, want)
		}
	}
	if p.AnyOrigin() {
		t.Errorf("full.yaml AnyOrigin(): got true; want false")
	}
}

func TestRedacted(t *testing.T) {
	p, err := Load("testdata/full.yaml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	out := p.Redacted()
	for _, secret := range []string{"s3cr3t-session", "t0ken", "k3y"} {
		if strings.Contains(out, secret) {
			t.Errorf("Redacted() shows the secret %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"name: session, value: <redacted>", "Authorization: <redacted>", "X-Api-Key: <redacted>", "https://*.example.com", "unlisted: reject"} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted(): got\n%s\nwant it to contain %q", out, want)
		}
	}
	// It parses back to the same policy, secrets aside.
	back, err := Parse("testdata/full.yaml", []byte(out), testEnv)
	if err != nil {
		t.Fatalf("Parse(Redacted()): got error %v; want none; the YAML:\n%s", err, out)
	}
	redact(p)
	ignoreLines := cmp.FilterPath(func(path cmp.Path) bool {
		return path.Last().String() == ".Line"
	}, cmp.Ignore())
	if diff := cmp.Diff(p, back, cmpOpts, ignoreLines); diff != "" {
		t.Errorf("Parse(Redacted()) differs (-want +got):\n%s\nthe YAML:\n%s", diff, out)
	}
}

// redact replaces the auth values of p as Redacted does.
func redact(p *Policy) {
	for i := range p.Auth.Cookies {
		p.Auth.Cookies[i].Value = RedactedValue
	}
	for i := range p.Auth.Headers {
		p.Auth.Headers[i].Value = RedactedValue
	}
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"orgins":        "origins",
		"Origins":       "origins",
		"credential":    "credentials",
		"max_age":       "maxAge",
		"exposeHeaders": "expose",
		"endpoint":      "endpoints",
		"unlist":        "unlisted",
		"foo":           "",
	} {
		if got := suggest(in, topFields); got != want {
			t.Errorf("suggest(%q): got %q; want %q", in, got, want)
		}
	}
}
