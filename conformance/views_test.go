package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/policy"
)

const viewsPolicy = `target: https://api.example.com
address: 127.0.0.1:8080
endpoints:
  - path: /public/status
    origins: ["*"]
    credentials: false
  - path: /api/orders
    methods: [GET, PUT]
origins:
  - https://app.example.com
  - {origin: https://admin.example.com, credentials: false, methods: [GET], headers: [Content-Type]}
credentials: true
methods: [GET, PUT]
headers: [Content-Type, Authorization]
`

func TestGenerateFollowsEndpointAndOriginRules(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte(viewsPolicy), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range Generate(p) {
		names = append(names, s.Name)
	}
	has := func(n string) bool { return slices.Contains(names, n) }
	for _, want := range []string{
		"allowed/https://any-site.corsgate.test/GET /public/status", // the public endpoint: any origin
		"allowed/null/GET /public/status",
		"allowed/https://app.example.com/PUT /api/orders +cred",      // private: credentials
		"allowed/https://admin.example.com/GET /api/orders",          // the admin object: no credentials,
		"refused/https://admin.example.com/PUT /api/orders",          //   and PUT must fail its preflight
		"allowed/https://api.example.com/PUT /api/orders (own page)", // with an address: the site's own POST/PUT
	} {
		if !has(want) {
			t.Errorf("missing scenario %q; got:\n%s", want, strings.Join(names, "\n"))
		}
	}
	for _, not := range []string{
		"allowed/https://any-site.corsgate.test/GET /api/orders",   // private endpoints are not public
		"allowed/https://admin.example.com/GET /api/orders +cred",  // the admin object has no credentials
		"allowed/https://app.example.com/GET /public/status +cred", // the public endpoint has none
	} {
		if has(not) {
			t.Errorf("unexpected scenario %q", not)
		}
	}
}

func TestSameSite(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://app.example.com", "https://api.example.com", true},
		{"https://app.example-partner.com", "https://api.example.com", false},
		{"http://app.example.com", "https://api.example.com", false}, // schemeful
		{"https://a.example.co.uk", "https://b.example.co.uk", true},
		{"https://example.co.uk", "https://other.co.uk", false},
	} {
		if got := SameSite(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSite(%s, %s) = %v; want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
