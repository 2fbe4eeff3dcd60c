package selftest

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/network"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/match"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/suites/kit"
)

// InsecurePortal is an http:// page on a real host name: not a secure
// context, unlike http://app.localhost.
const InsecurePortal = "http://portal.example.com"

// Local Network Access (fetchspec/localnetwork.go): a page in the public
// address space calling an API in the local one. The suite's shared browser
// puts everything in loopback, so these specs start a browser of their own
// with --ip-address-space-overrides: the app and the insecure portal are
// public, intranet.localhost is local. They pin what Chromium 156 decides,
// so they fail the day Chrome changes it.
var _ = Describe("Local Network Access", Ordered, Label("lna"), func() {
	var (
		lna      *harness.Env
		intranet *kit.Server
		local    = harness.Permission(fetchspec.PermissionLocalNetwork)
	)
	BeforeAll(func() {
		// The target's port must be known before the browser starts (the
		// switch is read at launch); its CORS configuration needs the
		// page origins, known after: the handler is bound late.
		late := &lateHandler{}
		intranet = kit.Serve("intranet.localhost", late)
		lna = kit.StartBrowser(harness.Config{
			Impersonate: []string{InsecurePortal},
			Spaces: harness.Spaces{
				Origins: map[origins.Name]harness.AddressSpace{
					origins.App: fetchspec.SpacePublic, origins.Name(InsecurePortal): fetchspec.SpacePublic,
					origins.Admin: fetchspec.SpaceLocal,
				},
				Endpoints: map[string]harness.AddressSpace{intranet.Addr: fetchspec.SpaceLocal},
				Others:    fetchspec.SpaceLocal,
			},
		})
		allowed := []string{lna.MustOrigin(origins.App).Serialize(), lna.MustOrigin(origins.Admin).Serialize(), InsecurePortal}
		mux := http.NewServeMux()
		mux.Handle("/reference/", fixtures.Reference(allowed, 600))
		mux.Handle("/private-network-header/", withHeader(fixtures.Reference(allowed, 600), fetchspec.ObsoleteAllowPrivateNetwork, "true"))
		late.set(mux)
	})
	probe := func(ctx SpecContext, p harness.Probe) *harness.Observation {
		GinkgoHelper()
		return observe(p, func() (*harness.Observation, error) { return lna.Run(ctx, p) })
	}

	It("blocks a public page's request to a local API without the user's permission, before the server sees it", func(ctx SpecContext) {
		o := probe(ctx, harness.Probe{Page: origins.App, URL: intranet.URL("reference", "denied")})
		Expect(o).To(match.BeBlockedByCORS(network.CorsErrorLocalNetworkAccessPermissionDenied))
		Expect(o.JS.ErrorName).To(Equal("TypeError"))
		Expect(o.CORSConsole()).To(ContainSubstring(fetchspec.LNAConsoleDenied(fetchspec.SpaceLocal)))
		Expect(o.LocalNetwork.Page).To(Equal(fetchspec.SpacePublic))
		Expect(o.LocalNetwork.Target).To(Equal(fetchspec.SpaceLocal))
		_, reached := intranet.Rec.Last("/reference/denied")
		Expect(reached).To(BeFalse(), "the server received nothing")
	}, SpecTimeout(30*time.Second))

	It("fails the preflight itself when one is needed: not-reached, with Chrome's net error", func(ctx SpecContext) {
		o := probe(ctx, harness.Probe{Page: origins.App, Method: "PUT", URL: intranet.URL("reference", "denied-put"),
			Headers: []harness.Header{{Name: "Content-Type", Value: "application/json"}}, Body: `{}`})
		Expect(o).To(match.BeBlockedByCORS(network.CorsErrorLocalNetworkAccessPermissionDenied))
		Expect(o).To(match.HavePreflight(harness.PreflightNotReached))
		Expect(o.Preflights).To(HaveLen(1))
		Expect(o.Preflights[0].ErrorText).To(Equal(fetchspec.LNANetError))
		Expect(intranet.Rec.Preflights("/reference/denied-put")).To(Equal(0), "the server received no preflight")
	}, SpecTimeout(30*time.Second))

	It("lets the page read the response once the user granted local-network, and Chrome says the target is Local", func(ctx SpecContext) {
		o := probe(ctx, harness.Probe{Page: origins.App, Method: "PUT", URL: intranet.URL("reference", "granted"), Grant: []harness.Permission{local},
			Headers: []harness.Header{{Name: "Content-Type", Value: "application/json"}}, Body: `{}`})
		Expect(o).To(match.Meet(judge.Want{Outcome: judge.Readable, Status: 200, Preflight: harness.PreflightSent, ResourceSpace: network.IPAddressSpaceLocal}))
		Expect(o.LocalNetwork.InitiatorSpace).To(Equal(network.IPAddressSpacePublic))
		Expect(o.LocalNetwork.RequestPolicy).To(Equal(network.LocalNetworkAccessRequestPolicyPermissionBlock))
		Expect(o.CORSError).To(BeEmpty(), "the verdict is loadingFailed's, not the Audits issue (which still names the denial)")
	}, SpecTimeout(30*time.Second))

	It("refuses the wrong permission: loopback-network does not cover a local target", func(ctx SpecContext) {
		o := probe(ctx, harness.Probe{Page: origins.App, URL: intranet.URL("reference", "wrong-permission"),
			Grant: []harness.Permission{fetchspec.PermissionLoopbackNetwork}})
		Expect(o).To(match.BeBlockedByCORS(network.CorsErrorLocalNetworkAccessPermissionDenied))
	}, SpecTimeout(30*time.Second))

	It("refuses an http page on a real host name with InsecureLocalNetwork, and the permission cannot be granted to it", func(ctx SpecContext) {
		o := probe(ctx, harness.Probe{Page: InsecurePortal, URL: intranet.URL("reference", "insecure")})
		Expect(o).To(match.BeBlockedByCORS(network.CorsErrorInsecureLocalNetwork))
		Expect(o.CORSConsole()).To(ContainSubstring(fetchspec.LNAConsoleInsecure(fetchspec.SpaceLocal)))
		_, err := lna.Run(ctx, harness.Probe{Page: InsecurePortal, URL: intranet.URL("reference", "insecure"), Grant: []harness.Permission{local}})
		Expect(err).To(MatchError(ContainSubstring("cannot be granted to " + InsecurePortal)))
	}, SpecTimeout(30*time.Second))

	It("gives Access-Control-Allow-Private-Network: true no effect: blocked without the permission, readable with it", func(ctx SpecContext) {
		denied := probe(ctx, harness.Probe{Page: origins.App, URL: intranet.URL("private-network-header", "denied")})
		Expect(denied).To(match.BeBlockedByCORS(network.CorsErrorLocalNetworkAccessPermissionDenied))
		granted := probe(ctx, harness.Probe{Page: origins.App, URL: intranet.URL("private-network-header", "granted"), Grant: []harness.Permission{local}})
		Expect(granted).To(match.Meet(judge.Want{Outcome: judge.Readable, ResourceSpace: network.IPAddressSpaceLocal}))
		Expect(granted).To(match.HaveRawResponseHeader(fetchspec.ObsoleteAllowPrivateNetwork), "the server did send it")
		_, asked := granted.Actual.RequestHeader(fetchspec.ObsoleteRequestPrivateNetwork)
		Expect(asked).To(BeFalse(), "Chrome no longer asks with Access-Control-Request-Private-Network")
	}, SpecTimeout(30*time.Second))

	It("checks nothing when the page is as private as the target (local to local)", func(ctx SpecContext) {
		o := probe(ctx, harness.Probe{Page: origins.Admin, URL: intranet.URL("reference", "local-to-local")})
		Expect(o).To(match.Meet(judge.Want{Outcome: judge.Readable, ResourceSpace: network.IPAddressSpaceLocal}))
		Expect(o.LocalNetwork.InitiatorSpace).To(Equal(network.IPAddressSpaceLocal))
	}, SpecTimeout(30*time.Second))

	It("puts a server started after the browser in the space of the other endpoints (Chrome takes the first matching override)", func(ctx SpecContext) {
		later := kit.Serve("later.localhost", fixtures.Reference([]string{lna.MustOrigin(origins.App).Serialize()}, 600))
		denied := probe(ctx, harness.Probe{Page: origins.App, URL: later.URL("later", "denied")})
		Expect(denied).To(match.BeBlockedByCORS(network.CorsErrorLocalNetworkAccessPermissionDenied), "the page's own entry comes first, so it stays public")
		Expect(denied.LocalNetwork.Target).To(Equal(fetchspec.SpaceLocal))
		granted := probe(ctx, harness.Probe{Page: origins.App, URL: later.URL("later", "granted"), Grant: []harness.Permission{local}})
		Expect(granted).To(match.Meet(judge.Want{Outcome: judge.Readable, ResourceSpace: network.IPAddressSpaceLocal}))
	}, SpecTimeout(30*time.Second))

	It("keeps no permission between probes of one session", func(ctx SpecContext) {
		s, err := lna.NewSession(ctx, origins.App)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(s.Close)
		url := intranet.URL("reference", "session")
		in := func(p harness.Probe) *harness.Observation {
			GinkgoHelper()
			return observe(p, func() (*harness.Observation, error) { return s.Run(ctx, p) })
		}
		Expect(in(harness.Probe{URL: url, Cache: "no-store", Grant: []harness.Permission{local}})).To(match.BeReadable())
		Expect(in(harness.Probe{URL: url, Cache: "no-store"})).To(match.BeBlockedByCORS(network.CorsErrorLocalNetworkAccessPermissionDenied))
	}, SpecTimeout(30*time.Second))
})

// lateHandler serves the handler set after it started listening.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := l.h.Load()
	if h == nil {
		http.Error(w, "not configured yet", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}

// withHeader adds name: value to every response of next.
func withHeader(next http.Handler, name, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(name, value)
		next.ServeHTTP(w, r)
	})
}
