// Package lab runs the teaching lab's IIS configurations in real Chromium and
// asserts Chrome's verdict for every check of the catalogue.
package lab

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/lab"
	"github.com/corsgate/corsgate/suites/kit"
)

func TestLab(t *testing.T) { kit.RunSuite(t, "IIS lab", "lab") }

// configDir holds the lab's web.config files.
const configDir = "../../fixtures/iis/testdata"

var env *harness.Env

var _ = BeforeSuite(func() {
	env = kit.StartBrowser(lab.HarnessConfig())
})

var _ = Describe("the IIS lab", func() {
	for _, e := range lab.Catalogue {
		Context(e.Config, func() {
			for _, c := range e.Checks {
				It(c.Name, func(ctx SpecContext) {
					srv, err := lab.Serve(configDir, e)
					Expect(err).NotTo(HaveOccurred())
					DeferCleanup(srv.Close)
					r, err := srv.Run(ctx, env, c)
					Expect(err).NotTo(HaveOccurred())
					var evidence string
					for _, o := range r.Observations {
						evidence += o.String() + "\n"
					}
					AddReportEntry("evidence", evidence, ReportEntryVisibilityFailureOrVerbose)
					Expect(r.Verdict().Why).To(BeEmpty(), "%s\nwhy: %s\n%s", e.Mistake, c.Why, evidence)
				}, SpecTimeout(30*time.Second))
			}
		})
	}
})
