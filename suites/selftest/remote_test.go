package selftest

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/match"
	"github.com/corsgate/corsgate/origins"
)

// launcher is CORSGATE_BROWSER_CMD as a user would set it: a command that
// starts a browser elsewhere with corsgate's flags and prints its DevTools
// address. Here "elsewhere" is this machine, through chromedp's remote
// allocator.
const launcher = "../../scripts/chromium-devtools.sh"

var _ = Describe("a browser the harness does not launch", Label("remote"), func() {
	It("is driven over its DevTools address and gives the same verdicts", func(ctx SpecContext) {
		remote, err := harness.Start(harness.Config{Impersonate: []string{ProductionOrigin}, Connect: harness.CommandConnector(launcher)})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(remote.Close)
		Expect(remote.Browser.Path).To(HavePrefix("remote ws://127.0.0.1:"))
		Expect(remote.Browser.Flags).To(ContainElement(HavePrefix("--host-resolver-rules=MAP app.example.com:443 ")))

		// The impersonated HTTPS origin needs both the resolver rule and
		// the accepted certificate: the launcher passed them on.
		o, err := remote.Run(ctx, harness.Probe{Page: ProductionOrigin, URL: api.url("reference", "remote")})
		Expect(err).NotTo(HaveOccurred())
		Expect(o.PageOrigin).To(Equal(ProductionOrigin))
		Expect(o).To(match.BeReadable())

		local := run(ctx, harness.Probe{Page: origins.Attacker, URL: api.url("reference", "local")})
		Expect(local.Outcome).To(Equal(harness.OutcomeCORSBlocked))
		o, err = remote.Run(ctx, harness.Probe{Page: origins.Attacker, URL: api.url("reference", "remote")})
		Expect(err).NotTo(HaveOccurred())
		Expect(o).To(match.BeBlockedByCORS(local.CORSError), "the same verdict as the browser the harness launches")
	}, SpecTimeout(60*time.Second))

	It("started without corsgate's flags: the page error says which flags it needs", func(ctx SpecContext) {
		bare := harness.CommandConnector(launcher)
		noFlags := func(ctx context.Context, _ []string) (string, func(), error) {
			return bare(ctx, []string{"--headless"})
		}
		remote, err := harness.Start(harness.Config{Impersonate: []string{ProductionOrigin}, Connect: noFlags, ProbeTimeout: 5 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(remote.Close)
		_, err = remote.NewSession(ctx, ProductionOrigin)
		Expect(err).To(MatchError(harness.ErrPage))
		Expect(err.Error()).To(ContainSubstring("a browser the harness does not launch must run with: "))
		Expect(err.Error()).To(ContainSubstring("--host-resolver-rules=MAP app.example.com:443"))
		Expect(err.Error()).To(ContainSubstring("--ignore-certificate-errors-spki-list=" + remote.CA.SPKIHash))
	}, SpecTimeout(60*time.Second))
})
