package gate

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/report"
	"github.com/corsgate/corsgate/suites/kit"
)

// Issue 11: a build checked as production sees it. Each spec serves a
// fixture API on 127.0.0.1, names it https://api.example.com in the policy
// and gives its address, as `make check POLICY=p.yaml ADDRESS=...` does; the
// run starts its own browser with the front for that address.

const session = "s3ss10n-value"

// env11 expands ${SESSION} in the policies below.
func env11(k string) (string, bool) {
	if k == "SESSION" {
		return session, true
	}
	return "", false
}

// checkAt runs the policy text against h served at a loopback address.
func checkAt(ctx context.Context, text string, h http.Handler) *report.Run {
	GinkgoHelper()
	srv := kit.Serve("api.localhost", h)
	return checkAddress(ctx, text, srv.Addr, "plain HTTP")
}

// checkAddress runs the policy text against the API at addr, which speaks
// proto ("plain HTTP" or "TLS").
func checkAddress(ctx context.Context, text, addr, proto string) *report.Run {
	GinkgoHelper()
	p, err := policy.Parse("p.yaml", []byte(text), env11)
	Expect(err).NotTo(HaveOccurred())
	p.Address = addr
	run, err := conformance.Run(ctx, &conformance.Config{Policy: p, PolicyName: "p.yaml"})
	Expect(err).NotTo(HaveOccurred())
	Expect(run.Target).To(Equal("https://api.example.com"))
	Expect(run.Address).To(Equal(addr))
	Expect(strings.Join(run.Notes, "\n")).To(ContainSubstring("through corsgate's front at " + addr + " (the address speaks " + proto))
	for _, r := range run.Results {
		Expect(r.Evidence).NotTo(ContainSubstring(session), "a cookie value in the report")
	}
	return run
}

func failures(run *report.Run) []report.Result {
	var out []report.Result
	for _, r := range run.Results {
		if !r.Pass {
			out = append(out, r)
		}
	}
	return out
}

func names(rs []report.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Scenario+" ("+r.Observed+")")
	}
	return out
}

const cookiePolicy = `target: https://api.example.com
endpoints:
  - path: /api/orders
    methods: [GET, POST]
origins: [https://app.example.com, https://admin.example.com%s]
credentials: true
methods: [GET, POST]
headers: [Content-Type]
auth:
  cookies: [{name: session, value: "${SESSION}"}]
`

func cookieAPI(origins ...string) http.Handler {
	return fixtures.CookieAuthAPI(fixtures.CORSOptions{Origins: origins, Credentials: true, Methods: []string{"GET", "POST"}, Headers: []string{"Content-Type"}}, "session", session)
}

var _ = Describe("a build checked under its production name (ADDRESS)", func() {
	It("passes a correct cookie-auth rs/cors API, and Chrome sends the session cookie on every credentialed probe from the listed origins", func(ctx SpecContext) {
		run := checkAt(ctx, fmt.Sprintf(cookiePolicy, ""), cookieAPI("https://app.example.com", "https://admin.example.com"))
		Expect(names(failures(run))).To(BeEmpty())
		credentialed := 0
		for _, r := range run.Results {
			if r.Credentials == "include" && strings.HasPrefix(r.Scenario, "allowed/") {
				credentialed++
				Expect(r.CookiesSent).To(ContainElement("session"), "%s: cookies blocked %v", r.Scenario, r.CookiesBlocked)
			}
		}
		Expect(credentialed).To(BeNumerically(">=", 6))
		Expect(run.Results).To(ContainElement(HaveField("Scenario", "allowed/https://api.example.com/POST /api/orders (own page)")))
	}, SpecTimeout(2*time.Minute))

	It("fails a cross-site partner origin the API allows: Chrome withholds the SameSite=Lax-by-default cookie, and the failure names the cookie, the reason and the fix", func(ctx SpecContext) {
		run := checkAt(ctx, fmt.Sprintf(cookiePolicy, ", https://app.example-partner.com"),
			cookieAPI("https://app.example.com", "https://admin.example.com", "https://app.example-partner.com"))
		var partner []report.Result
		for _, r := range failures(run) {
			Expect(r.Origin).To(Equal("https://app.example-partner.com"), "only the partner fails: %s", r.Scenario)
			partner = append(partner, r)
		}
		Expect(partner).NotTo(BeEmpty())
		for _, r := range partner {
			Expect(r.Observed).To(ContainSubstring("Chrome did not send cookie session"))
			Expect(r.Observed).To(ContainSubstring("SameSite"))
			Expect(r.Hint).To(ContainSubstring("SameSite=None; Secure"))
			Expect(strings.Join(r.CookiesBlocked, " ")).To(MatchRegexp(`session: .*SameSite`))
		}
	}, SpecTimeout(2*time.Minute))

	It("seeds a cookie with the attributes the policy gives: SameSite=None; Secure reaches the partner when third-party cookies are allowed, and the row says so", func(ctx SpecContext) {
		text := strings.Replace(fmt.Sprintf(cookiePolicy, ", https://app.example-partner.com"),
			`value: "${SESSION}"}`, `value: "${SESSION}", sameSite: None, secure: true}`, 1) + "thirdPartyCookies: allowed\n"
		run := checkAt(ctx, text, cookieAPI("https://app.example.com", "https://admin.example.com", "https://app.example-partner.com"))
		Expect(names(failures(run))).To(BeEmpty())
		Expect(run.ThirdPartyCookies).To(ContainSubstring("allowed"))
		labelled := 0
		for _, r := range run.Results {
			if slices.Contains(r.Labels, "third-party-cookies") {
				labelled++
				Expect(r.Origin).To(Equal("https://app.example-partner.com"))
				Expect(r.Observed).To(ContainSubstring("only because third-party cookies are allowed"))
			}
		}
		Expect(labelled).To(BeNumerically(">", 0))
	}, SpecTimeout(2*time.Minute))

	It("seeds a Partitioned cookie in the page's partition: Chrome sends it cross-site with third-party cookies blocked (CHIPS)", func(ctx SpecContext) {
		text := strings.Replace(fmt.Sprintf(cookiePolicy, ", https://app.example-partner.com"),
			`value: "${SESSION}"}`, `value: "${SESSION}", sameSite: None, secure: true, partitioned: true}`, 1)
		run := checkAt(ctx, text, cookieAPI("https://app.example.com", "https://admin.example.com", "https://app.example-partner.com"))
		Expect(names(failures(run))).To(BeEmpty())
		Expect(run.ThirdPartyCookies).To(ContainSubstring("blocked"))
		for _, r := range run.Results {
			if r.Origin == "https://app.example-partner.com" && r.Credentials == "include" && strings.HasPrefix(r.Scenario, "allowed/") {
				Expect(r.CookiesSent).To(ContainElement("session"), r.Scenario)
			}
		}
	}, SpecTimeout(2*time.Minute))

	It("logs in with auth.login in Chromium itself: the server's Set-Cookie is what the probes carry", func(ctx SpecContext) {
		text := strings.Replace(fmt.Sprintf(cookiePolicy, ""), `cookies: [{name: session, value: "${SESSION}"}]`,
			`login: {method: POST, path: /login, body: '{"user":"ci"}', contentType: application/json}`, 1)
		run := checkAt(ctx, text, cookieAPI("https://app.example.com", "https://admin.example.com"))
		Expect(names(failures(run))).To(BeEmpty())
		sent := 0
		for _, r := range run.Results {
			if slices.Contains(r.CookiesSent, "session") {
				sent++
			}
		}
		Expect(sent).To(BeNumerically(">", 0))
	}, SpecTimeout(2*time.Minute))

	It("fronts an address that speaks TLS too, and the API sees Host and scheme as production sends them, never the reserved page path", func(ctx SpecContext) {
		var mu sync.Mutex
		seen := map[string]bool{}
		api := cookieAPI("https://app.example.com", "https://admin.example.com")
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen["host "+r.Host] = true
			seen["proto "+r.Header.Get("X-Forwarded-Proto")] = true
			seen["path "+r.URL.Path] = true
			mu.Unlock()
			api.ServeHTTP(w, r)
		}))
		srv.StartTLS()
		defer srv.Close()
		run := checkAddress(ctx, fmt.Sprintf(cookiePolicy, ""), strings.TrimPrefix(srv.URL, "https://"), "TLS")
		Expect(names(failures(run))).To(BeEmpty())
		mu.Lock()
		defer mu.Unlock()
		Expect(seen).To(HaveKey("host api.example.com"))
		Expect(seen).To(HaveKey("proto https"))
		Expect(seen).NotTo(HaveKey("proto "))
		for k := range seen {
			Expect(k).NotTo(HavePrefix("host 127.0.0.1"))
			Expect(k).NotTo(ContainSubstring("__corsgate"))
		}
	}, SpecTimeout(2*time.Minute))

	const mixed = `target: https://api.example.com
endpoints:
  - path: /public/status
    origins: ["*"]
    credentials: false
  - path: /api/orders
    methods: [GET, PUT]
origins: [https://app.example.com]
credentials: true
methods: [GET, PUT]
headers: [Content-Type]
`
	It("passes an API with a public endpoint beside private ones, built that way", func(ctx SpecContext) {
		p, err := policy.Parse("p.yaml", []byte(mixed), nil)
		Expect(err).NotTo(HaveOccurred())
		run := checkAt(ctx, mixed, conformance.DemoHandler(p, false))
		Expect(names(failures(run))).To(BeEmpty())
		Expect(run.Results).To(ContainElement(HaveField("Scenario", "allowed/https://any-site.corsgate.test/GET /public/status")))
		Expect(run.Results).NotTo(ContainElement(HaveField("Scenario", "allowed/https://any-site.corsgate.test/GET /api/orders")))
	}, SpecTimeout(2*time.Minute))

	It("fails the public endpoint, and only it, when it sends no CORS headers", func(ctx SpecContext) {
		p, err := policy.Parse("p.yaml", []byte(mixed), nil)
		Expect(err).NotTo(HaveOccurred())
		run := checkAt(ctx, mixed, fixtures.ByPath(map[string]http.Handler{"/public/status": fixtures.App(), "/api": conformance.DemoHandler(p, false)}))
		fs := failures(run)
		Expect(fs).NotTo(BeEmpty())
		for _, r := range fs {
			Expect(r.Request).To(ContainSubstring("/public/status"), r.Scenario)
		}
	}, SpecTimeout(2*time.Minute))

	const perOrigin = `target: https://api.example.com
endpoints: [{path: /api/orders, methods: [GET, PUT]}]
origins:
  - https://app.example.com
  - {origin: https://admin.example.com, credentials: false, methods: [GET], headers: [Content-Type]}
credentials: true
methods: [GET, PUT]
headers: [Content-Type]
`
	It("passes an API that gives an origin its own rules, and fails the union of them (PUT open to that origin)", func(ctx SpecContext) {
		p, err := policy.Parse("p.yaml", []byte(perOrigin), nil)
		Expect(err).NotTo(HaveOccurred())
		run := checkAt(ctx, perOrigin, conformance.DemoHandler(p, false))
		Expect(names(failures(run))).To(BeEmpty())

		union := fixtures.DemoAPI(fixtures.CORSOptions{Origins: []string{"https://app.example.com", "https://admin.example.com"},
			Credentials: true, Methods: []string{"GET", "PUT"}, Headers: []string{"Content-Type"}})
		fs := failures(checkAt(ctx, perOrigin, union))
		Expect(fs).NotTo(BeEmpty())
		for _, r := range fs {
			Expect(r.Origin).To(Equal("https://admin.example.com"), r.Scenario)
		}
	}, SpecTimeout(2*time.Minute))

	const omit = `target: https://api.example.com
endpoints: [{path: /api/orders}]
origins: [https://app.example.com]
unlisted: %s
`
	rejecting := func() http.Handler {
		return fixtures.RejectWith403(fixtures.CORSOptions{Origins: []string{"https://app.example.com"}, Methods: []string{"GET"}})
	}
	It("fails an API that answers refused origins 403 under unlisted: omit, naming the 403", func(ctx SpecContext) {
		run := checkAt(ctx, fmt.Sprintf(omit, "omit"), rejecting())
		fs := failures(run)
		Expect(fs).NotTo(BeEmpty())
		for _, r := range fs {
			Expect(r.Scenario).To(HavePrefix("refused/"))
			Expect(r.Observed).To(ContainSubstring("the server answered 403"))
			Expect(r.Hint).To(ContainSubstring("unlisted: omit"))
		}
	}, SpecTimeout(2*time.Minute))

	It("passes the same API under unlisted: reject, its own site's POST included", func(ctx SpecContext) {
		run := checkAt(ctx, fmt.Sprintf(omit, "reject"), rejecting())
		Expect(names(failures(run))).To(BeEmpty())
	}, SpecTimeout(2*time.Minute))
})
