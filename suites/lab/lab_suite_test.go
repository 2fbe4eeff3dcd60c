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
					r, err := srv.Run(ctx, env, c)
					Expect(err).NotTo(HaveOccurred())
					var evidence string
					for _, o := range r.Observations {
						evidence += o.String() + "\n"
					}
					AddReportEntry("evidence", evidence, ReportEntryVisibilityFailureOrVerbose)
					Expect(r.Verdict()).To(BeEmpty(), "%s\nwhy: %s\n%s", e.Mistake, c.Why, evidence)
				}, SpecTimeout(30*time.Second))
			}
		})
	}
})
