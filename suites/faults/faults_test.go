package faults

import (
	"time"

	"github.com/chromedp/cdproto/network"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/match"
)

var _ = Describe("a target that accepts and never answers", Label("hang"), func() {
	It("is a timeout after the probe's timeout, not a hang and not a CORS verdict", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("never-answers", "hang"), Timeout: time.Second})
		Expect(o.Outcome).To(Equal(harness.OutcomeTimeout), "evidence:\n%s", o)
		Expect(o.CORSError).To(BeEmpty(), "evidence:\n%s", o)
		// The page aborted the request at its timeout and Chrome reported
		// the abort: the harness did not have to wait out its backstop
		// (timeout + 5 s), which is what a hang would look like. (How long
		// the tab took to open is not the subject: it varies with load.)
		Expect(o.Incomplete).To(BeEmpty(), "evidence:\n%s", o)
		Expect(o.Elapsed).To(BeNumerically("<", time.Second+5*time.Second), "evidence:\n%s", o)
	}, SpecTimeout(20*time.Second))
})

var _ = Describe("a slow preflight", Label("slow"), func() {
	It("is waited for: slow is not failure", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Method: "PUT", URL: api.url("slow-preflight", "patient"), Timeout: 10 * time.Second})
		Expect(o).To(match.BeReadable())
		Expect(o).To(match.HavePreflight(harness.PreflightSent))
		Expect(o.Elapsed).To(BeNumerically(">=", slowPreflightDelay), "evidence:\n%s", o)
	}, SpecTimeout(20*time.Second))

	It("is a timeout when it outlasts the probe's timeout, not a CORS verdict", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{Method: "PUT", URL: api.url("slow-preflight", "impatient"), Timeout: time.Second})
		// Observed in Chromium 156: the page aborts the fetch at 1s while the
		// preflight is still waiting; DevTools never reports a terminal event
		// for the aborted preflight, so the harness waits out its backstop
		// (probe timeout + 5s) and lists that event under "missing". The
		// verdict is still a plain timeout.
		Expect(o.Outcome).To(Equal(harness.OutcomeTimeout), "evidence:\n%s", o)
		Expect(o.CORSError).To(BeEmpty(), "evidence:\n%s", o)
		Expect(o).To(match.HavePreflight(harness.PreflightSent))
	}, SpecTimeout(20*time.Second))
})

var _ = Describe("a huge body", Label("size"), func() {
	It("is readable in full (10 MiB), the evidence keeping only an excerpt", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("huge-body", "ten-mib")})
		Expect(o).To(match.BeReadable())
		Expect(o.JS.Status).To(Equal(200), "evidence:\n%s", o)
		Expect(o.JS.BodyLength).To(Equal(hugeBodySize), "JavaScript read every byte; evidence:\n%s", o)
		Expect(len(o.JS.Body)).To(And(BeNumerically(">", 0), BeNumerically("<", hugeBodySize)), "the body excerpt is capped")
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("huge response headers", Label("size"), func() {
	// Observed in Chromium 156: 64 KiB of headers pass untouched; 300 KiB
	// fail with ERR_RESPONSE_HEADERS_TOO_BIG before any CORS check.
	It("of 64 KiB are readable", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("huge-headers", "64k")})
		Expect(o).To(match.BeReadable())
		Expect(o).To(match.HaveRawResponseHeader("X-Filler-1"), "the filler was on the wire")
	}, SpecTimeout(20*time.Second))

	It("past Chrome's 256 KiB cap are a network failure, not a CORS verdict", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("too-big-headers", "300k")})
		Expect(o).To(match.HaveNetworkFailure("net::ERR_RESPONSE_HEADERS_TOO_BIG"))
	}, SpecTimeout(20*time.Second))
})

var _ = Describe("a connection reset mid-response", Label("reset"), func() {
	It("is a network failure, never a CORS verdict", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("reset-mid-response", "crash")})
		// Observed in Chromium 156: the 200 head (with correct CORS headers)
		// is on the wire, then loadingFailed net::ERR_CONNECTION_RESET; page
		// JavaScript sees TypeError "Failed to fetch".
		Expect(o.Outcome).To(Equal(harness.OutcomeNetworkFailure), "evidence:\n%s", o)
		Expect(o.CORSError).To(BeEmpty(), "evidence:\n%s", o)
		Expect(netErrorOf(o)).To(MatchRegexp(`net::ERR_(CONTENT_LENGTH_MISMATCH|CONNECTION_RESET|EMPTY_RESPONSE|INCOMPLETE_CHUNKED_ENCODING)`), "evidence:\n%s", o)
	}, SpecTimeout(20*time.Second))
})

var _ = Describe("an unresolvable host", Label("dns"), func() {
	It("is a network failure with ERR_NAME_NOT_RESOLVED", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: "http://no-such-host.invalid/"})
		Expect(o).To(match.HaveNetworkFailure("net::ERR_NAME_NOT_RESOLVED"))
	}, SpecTimeout(20*time.Second))
})

var _ = Describe("control characters in a response header", Label("malformed"), func() {
	It("are a network failure, not a CORS verdict", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("control-chars", "nul")})
		// Observed in Chromium 156: the header block is refused by the
		// network stack, ERR_INVALID_HTTP_RESPONSE, before any CORS check.
		Expect(o).To(match.HaveNetworkFailure("net::ERR_INVALID_HTTP_RESPONSE"))
	}, SpecTimeout(20*time.Second))
})

var _ = Describe("redirects", Label("redirect"), func() {
	It("to file:///etc/passwd are refused and the page never reads the file", func(ctx SpecContext) {
		o := run(ctx, harness.Probe{URL: api.url("redirect-to-file", "passwd")})
		Expect(o.Readable()).To(BeFalse(), "evidence:\n%s", o)
		Expect(o.Outcome).To(BeElementOf(harness.OutcomeCORSBlocked, harness.OutcomeNetworkFailure), "evidence:\n%s", o)
		Expect(o.JS.Body).NotTo(ContainSubstring("root:"), "evidence:\n%s", o)
		Expect(o.JS.Outcome).To(Equal("error"), "evidence:\n%s", o)
		// Observed in Chromium 156: a network error, not a CORS verdict —
		// only http(s) redirects may be followed at all
		// (https://fetch.spec.whatwg.org/#http-redirect-fetch, step 5).
		Expect(o).To(match.HaveNetworkFailure("net::ERR_UNSAFE_REDIRECT"))
	}, SpecTimeout(20*time.Second))

	It("to another host must pass CORS there too", func(ctx SpecContext) {
		// See https://fetch.spec.whatwg.org/#http-redirect-fetch: the
		// redirected request is a new CORS request, its origin tainted to
		// "null" by the cross-origin hop.
		o := run(ctx, harness.Probe{URL: api.url("redirect-to-other", "hop")})
		Expect(o).To(match.BeBlockedByCORS(network.CorsErrorMissingAllowOriginHeader))
		Expect(o.Actual.Redirects).To(ContainElement(And(
			HaveField("Status", 302),
			HaveField("Location", other.url("no-cors", "target")),
		)), "evidence:\n%s", o)
		got, ok := other.Rec.Last("/no-cors/target")
		Expect(ok).To(BeTrue(), "Chrome followed the redirect to the other host")
		Expect(got.Origin).To(Equal("null"), "the cross-origin hop taints the origin")
	}, SpecTimeout(20*time.Second))
})
