package selftest

import (
	"io"
	"log"
	"net/http/httptest"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/match"
	"github.com/corsgate/corsgate/origins"
)

var _ = Describe("response header exposure", Label("exposure"), func() {
	It("lets JavaScript read an exposed header and hides an unexposed one that was on the wire", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Page: origins.App, URL: api.url("reference", "exposure")})
		Expect(o).To(match.HaveReadableHeader(fixtures.ExposedHeader))
		Expect(o).NotTo(match.HaveReadableHeader(fixtures.UnexposedHeader))
		Expect(o).To(match.HaveRawResponseHeader(fixtures.UnexposedHeader), "the server did send it; Chrome hid it")
		Expect(o).To(match.HaveReadableHeader("Content-Type"), "a CORS-safelisted response header is always readable")
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("Chrome's preflight cache", Label("cache"), func() {
	It("serves a second preflighted request within max-age from the cache and sends a new preflight after it", func(ctx SpecContext) {
		s, err := env.NewSession(ctx, origins.App)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(s.Close)
		p := harness.Probe{Method: "PUT", URL: api.url("preflight-max-age-2", "cache-sequence")}
		path := "/preflight-max-age-2/cache-sequence"

		first := runIn(ctx, s, p)
		Expect(first).To(match.BeReadable())
		Expect(first).To(match.HavePreflight(harness.PreflightSent))

		second := runIn(ctx, s, p)
		Expect(second).To(match.BeReadable())
		Expect(second).To(match.HavePreflight(harness.PreflightCached))
		Expect(api.rec.Preflights(path)).To(Equal(1), "the server saw one preflight for two requests")

		// Access-Control-Max-Age: 2 — wait for the entry to expire. The
		// wait is the subject of the test, not a synchronisation.
		// See https://fetch.spec.whatwg.org/#concept-cache-match.
		time.Sleep(2300 * time.Millisecond)
		third := runIn(ctx, s, p)
		Expect(third).To(match.HavePreflight(harness.PreflightSent))
		Expect(api.rec.Preflights(path)).To(Equal(2))
	}, SpecTimeout(30*time.Second))

	It("does not leak between isolated probes", func(ctx SpecContext) {
		p := harness.Probe{Page: origins.App, Method: "PUT", URL: api.url("preflight-max-age-600", "isolation")}
		Expect(run(ctx, p)).To(match.HavePreflight(harness.PreflightSent))
		Expect(run(ctx, p)).To(match.HavePreflight(harness.PreflightSent), "a fresh browser context has an empty preflight cache")
		Expect(api.rec.Preflights("/preflight-max-age-600/isolation")).To(Equal(2))
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("the opaque origin", Label("origins"), func() {
	It("sends Origin: null from a sandboxed page", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Page: origins.Opaque, URL: api.url("reflect-any-origin", "opaque")})
		Expect(o.PageOrigin).To(Equal("null"))
		Expect(o).To(match.BeReadable(), "an API that echoes any origin lets even an opaque origin in")
		sent, ok := o.Actual.RequestHeader("Origin")
		Expect(ok).To(BeTrue(), "Chrome reported the raw request headers")
		Expect(sent).To(Equal("null"))
		got, ok := api.rec.Last("/reflect-any-origin/opaque")
		Expect(ok).To(BeTrue(), "the fixture received the request")
		Expect(got.Origin).To(Equal("null"), "the server saw Origin: null")
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("impersonated production origins", Label("origins"), func() {
	It("serves the page as the exact origin so the API sees it", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Page: ProductionOrigin, URL: api.url("reference", "impersonated")})
		Expect(o.PageOrigin).To(Equal(ProductionOrigin))
		Expect(o).To(match.BeReadable())
		got, _ := api.rec.Last("/reference/impersonated")
		Expect(got.Origin).To(Equal(ProductionOrigin))
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("HTTPS origins", Label("tls"), func() {
	It("serves the secure origin with the ephemeral CA's pinned leaf", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Page: origins.SecureApp, URL: api.url("reflect-any-origin", "secure")})
		Expect(o).To(match.BeReadable())
		Expect(o.PageOrigin).To(HavePrefix("https://app.localhost:"))
	}, SpecTimeout(30*time.Second))

	It("still rejects every other certificate (the pin is narrow)", func(ctx SpecContext) {
		other := httptest.NewUnstartedServer(fixtures.ReflectAnyOrigin())
		other.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
		other.StartTLS()
		DeferCleanup(other.Close)
		o := run(ctx, harness.Probe{Page: origins.SecureApp, URL: other.URL + "/untrusted"})
		Expect(o).To(match.HaveNetworkFailure("net::ERR_CERT_"))
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("network failures", Label("errors"), func() {
	It("reports a refused connection as a network failure, never as a CORS verdict", func(ctx SpecContext) {
		port, err := loopback.ClosedPort()
		Expect(err).NotTo(HaveOccurred())
		o := run(ctx, harness.Probe{Page: origins.App, URL: "http://api.localhost:" + strconv.Itoa(port) + "/refused"})
		Expect(o).To(match.HaveNetworkFailure("net::ERR_CONNECTION_REFUSED"))
		Expect(o.CORSError).To(BeEmpty())
	}, SpecTimeout(30*time.Second))

	It("reports an unresolvable host as a network failure", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Page: origins.App, URL: "http://no-such-host.invalid/x"})
		Expect(o).To(match.HaveNetworkFailure("net::ERR_NAME_NOT_RESOLVED"))
	}, SpecTimeout(30*time.Second))

	It("reports a target that never answers as a timeout, not a CORS verdict", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Page: origins.App, URL: api.url("never-answers", "hang"), Timeout: time.Second})
		Expect(o.Outcome).To(Equal(harness.OutcomeTimeout), "evidence:\n%s", o)
		Expect(o.CORSError).To(BeEmpty())
	}, SpecTimeout(30*time.Second))

	It("reports a refused connection on a preflighted request as a network failure", func(ctx SpecContext) {
		port, err := loopback.ClosedPort()
		Expect(err).NotTo(HaveOccurred())
		o := run(ctx, harness.Probe{Page: origins.App, Method: "PUT", URL: "http://api.localhost:" + strconv.Itoa(port) + "/refused"})
		Expect(o).To(match.HaveNetworkFailure("net::ERR_CONNECTION_REFUSED"))
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("credentialed cross-site cookies", Label("credentials"), func() {
	// The page is http://app.localhost, the API http://api.localhost: two
	// sites, so the session cookie is a third-party cookie.
	login := func(ctx SpecContext, e *harness.Env, path string) (set, next *harness.Observation) {
		s, err := e.NewSession(ctx, origins.App)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(s.Close)
		set = runIn(ctx, s, harness.Probe{URL: api.url("cross-site-cookie", path+"/login"), Credentials: harness.CredentialsInclude})
		next = runIn(ctx, s, harness.Probe{URL: api.url("cross-site-cookie", path+"/whoami"), Credentials: harness.CredentialsInclude})
		return set, next
	}

	It("are blocked under Chrome's default policy", func(ctx SpecContext) {
		set, next := login(ctx, env, "default")
		Expect(set.ThirdPartyCookies).To(Equal(harness.ThirdPartyCookiesBlocked))
		Expect(set).To(match.BeReadable(), "the CORS response itself is allowed")
		Expect(set).To(match.HaveBlockedCookie(fixtures.SessionCookie, "UserPreferences"))
		Expect(next).NotTo(match.HaveSentCookie(fixtures.SessionCookie))
		got, _ := api.rec.Last("/cross-site-cookie/default/whoami")
		Expect(got.Cookie).To(BeEmpty(), "the server received no cookie")
	}, SpecTimeout(30*time.Second))

	It("are sent when the run allows third-party cookies", func(ctx SpecContext) {
		// The policy is a profile preference read at launch, so this spec
		// needs a browser of its own.
		allowing, err := harness.Start(harness.Config{ThirdPartyCookies: harness.ThirdPartyCookiesAllowed})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(allowing.Close)
		// The fixture allows the App origin of the suite's Env; this Env has
		// its own ports, so point a fresh fixture at its App origin.
		app := allowing.MustOrigin(origins.App).Serialize()
		rec := fixtures.Record(fixtures.CrossSiteCookie(app))
		srv, err := loopback.Listen(rec, nil)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		base := "http://api.localhost:" + strconv.Itoa(srv.Port)

		s, err := allowing.NewSession(ctx, origins.App)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(s.Close)
		set := runIn(ctx, s, harness.Probe{URL: base + "/login", Credentials: harness.CredentialsInclude})
		Expect(set.ThirdPartyCookies).To(Equal(harness.ThirdPartyCookiesAllowed))
		Expect(set).To(match.BeReadable())
		Expect(set).NotTo(match.HaveBlockedCookie(fixtures.SessionCookie, ""))
		next := runIn(ctx, s, harness.Probe{URL: base + "/whoami", Credentials: harness.CredentialsInclude})
		Expect(next).To(match.HaveSentCookie(fixtures.SessionCookie))
		got, _ := rec.Last("/whoami")
		Expect(got.Cookie).To(ContainSubstring(fixtures.SessionCookie + "="))
	}, SpecTimeout(60*time.Second))
})
