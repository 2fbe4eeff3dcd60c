package policy

import (
	"strings"
	"testing"
)

const mixedPolicy = `target: https://api.example.com
address: 127.0.0.1:8080
thirdPartyCookies: allowed
endpoints:
  - path: /public/status
    origins: ["*"]
    credentials: false
  - path: /api/orders
    methods: [GET, PUT]
  - path: /api/users
origins:
  - https://app.example.com
  - {origin: https://admin.example.com, credentials: false, methods: [GET], headers: [Content-Type]}
credentials: true
methods: [GET, PUT]
headers: [Content-Type, Authorization]
auth:
  cookies: [{name: session, value: s3cret, sameSite: None, secure: true, path: /api}]
  login: {method: POST, path: /login, body: '{"u":"ci"}', contentType: application/json}
`

func TestViewsAndOriginObjects(t *testing.T) {
	p, err := Parse("p.yaml", []byte(mixedPolicy), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Address != "127.0.0.1:8080" || p.ThirdPartyCookies != ThirdPartyAllowed {
		t.Fatalf("address %q, thirdPartyCookies %q", p.Address, p.ThirdPartyCookies)
	}
	views := p.Views()
	if len(views) != 2 {
		t.Fatalf("got %d views, want 2 (public, private)", len(views))
	}
	pub, priv := views[0], views[1]
	if !pub.AnyOrigin() || pub.Credentials || len(pub.Endpoints) != 1 {
		t.Errorf("public view: any %v, credentials %v, %d endpoints", pub.AnyOrigin(), pub.Credentials, len(pub.Endpoints))
	}
	if priv.AnyOrigin() || !priv.Credentials || len(priv.Endpoints) != 2 {
		t.Errorf("private view: any %v, credentials %v, %d endpoints", priv.AnyOrigin(), priv.Credentials, len(priv.Endpoints))
	}
	admin, ok := p.OriginFor("https://admin.example.com")
	if !ok || !admin.HasOwnRules() {
		t.Fatalf("admin origin object not found: %+v", admin)
	}
	a := p.ForOrigin(admin)
	if a.Credentials || strings.Join(a.Methods, ",") != "GET" || strings.Join(a.Headers, ",") != "Content-Type" {
		t.Errorf("admin rules: credentials %v methods %v headers %v", a.Credentials, a.Methods, a.Headers)
	}
	c := p.Auth.Cookies[0]
	if c.SameSite != "None" || !c.IsSecure() || c.Path != "/api" {
		t.Errorf("cookie attributes: %+v", c)
	}
	if l := p.Auth.Login; l == nil || l.Path != "/login" || l.ContentType != "application/json" {
		t.Errorf("login: %+v", l)
	}
	red := p.Redacted()
	if strings.Contains(red, "s3cret") || strings.Contains(red, `"u":"ci"`) {
		t.Errorf("redacted policy shows a secret:\n%s", red)
	}
	back, err := Parse("back.yaml", []byte(strings.ReplaceAll(red, RedactedValue, "x")), nil)
	if err != nil {
		t.Fatalf("redacted policy does not parse back: %v\n%s", err, red)
	}
	if len(back.Views()) != 2 || back.Origins[1].Credentials == nil {
		t.Errorf("redacted policy lost the rules:\n%s", red)
	}
}

func TestPublicStarObjectBesideCredentialedOrigins(t *testing.T) {
	p, err := Parse("p.yaml", []byte("origins:\n  - {origin: \"*\", credentials: false}\n  - https://app.example.com\ncredentials: true\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) > 1 { // only "credentials is true but auth is empty"
		t.Errorf("notes: %q", p.Notes)
	}
	star, _ := p.OriginFor("https://any.example.org")
	if !star.Any || p.ForOrigin(star).Credentials {
		t.Errorf("the public entry must not require credentials: %+v", star)
	}
}

func TestRulesErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"star endpoint inherits credentials", "origins: [https://a.example.com]\ncredentials: true\nendpoints:\n  - path: /public\n    origins: [\"*\"]\n",
			`policy: p.yaml line 5: endpoints[0] (/public): origins "*" contradicts credentials: true at line 2 (browsers refuse Access-Control-Allow-Origin: * with credentials); add credentials: false to the endpoint or list exact origins`},
		{"star object with credentials", "origins:\n  - {origin: \"*\", credentials: true}\n", `policy: p.yaml line 2: origins[0]: "*" cannot have credentials: true (browsers refuse Access-Control-Allow-Origin: * with credentials); list exact origins`},
		{"origin object without origin", "origins:\n  - {credentials: false}\n", `policy: p.yaml line 2: origins[0] has no origin; add origin: https://...`},
		{"samesite none without secure", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: v, sameSite: None}]\n", `policy: p.yaml line 3: auth.cookies[0] has sameSite: None without secure: true; Chrome rejects such a cookie (https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#section-5.6.7): add secure: true`},
		{"bad samesite", "origins: [https://a.example.com]\nauth:\n  cookies: [{name: s, value: v, sameSite: Loose}]\n", `policy: p.yaml line 3: auth.cookies[0].sameSite "Loose" must be Lax, Strict or None (leave it out for a cookie without SameSite, which Chrome treats as Lax)`},
		{"address url", "origins: [https://a.example.com]\naddress: http://127.0.0.1:8080/\n", `policy: p.yaml line 2: address "http://127.0.0.1:8080/" is a URL; write host:port only, e.g. "127.0.0.1:8080" (the scheme is detected)`},
		{"third party", "origins: [https://a.example.com]\nthirdPartyCookies: on\n", `policy: p.yaml line 2: thirdPartyCookies "on" must be blocked or allowed (leave it out for Chrome's default)`},
		{"endpoint unknown field", "origins: [https://a.example.com]\nendpoints:\n  - path: /\n    origin: [https://b.example.com]\n", `policy: p.yaml line 4: unknown field "origin" in endpoints[0]; did you mean "origins"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.in), nil)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
