// Package lab runs the teaching lab's IIS configurations in real Chromium and
// asserts Chrome's verdict for every check of the catalogue.
package lab

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/lab"
	"github.com/corsgate/corsgate/match"
)

func TestLab(t *testing.T) {
	if _, err := harness.FindChrome(); err != nil {
		t.Fatal(err)
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "IIS lab", Label("lab"))
}

// configDir holds the lab's web.config files.
const configDir = "../../fixtures/iis/testdata"

var env *harness.Env

var _ = BeforeSuite(func() {
	var err error
	env, err = harness.Start(harness.Config{Impersonate: lab.Origins})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Close)
	AddReportEntry("browser", env.Browser.Version)
})

var _ = Describe("the IIS lab", func() {
	for _, e := range lab.Catalogue {
		Context(e.Config, func() {
			for _, c := range e.Checks {
				It(c.Name, func(ctx SpecContext) {
					srv, err := lab.Serve(configDir, e)
					Expect(err).NotTo(HaveOccurred())
					DeferCleanup(srv.Close)
					o, err := env.Run(ctx, srv.Probe(c))
					Expect(err).NotTo(HaveOccurred())
					AddReportEntry("evidence", o.String(), ReportEntryVisibilityFailureOrVerbose)

					switch c.Want {
					case harness.OutcomeReadable:
						Expect(o).To(match.BeReadable(), "%s", c.Why)
						if c.Status != 0 {
							Expect(o.JS.Status).To(Equal(c.Status), "status JavaScript reads; evidence:\n%s", o)
						}
					case harness.OutcomeCORSBlocked:
						Expect(o).To(match.BeBlockedByCORS(c.CORSError, match.FailedParameter(c.FailedParameter)), "%s", c.Why)
					default:
						Fail(fmt.Sprintf("lab check %q wants %q; the catalogue only uses readable or cors-blocked", c.Name, c.Want))
					}
				}, SpecTimeout(30*time.Second))
			}
		})
	}
})
