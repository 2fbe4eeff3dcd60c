// Package gate tests the conformance run itself against fixtures: a correct
// API passes, an API breaking one policy point fails exactly the scenarios
// that check that point, verdicts do not depend on probe order, and the HTML
// report works in Chromium.
package gate

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/suites/kit"
)

func TestGate(t *testing.T) { kit.RunSuite(t, "Conformance gate", "gate") }

var (
	env       *harness.Env
	pool      *harness.Pool
	demo      *policy.Policy
	scenarios []conformance.Scenario
)

var _ = BeforeSuite(func() {
	var err error
	demo, err = policy.Parse(conformance.DemoPolicyName, conformance.DemoPolicy, nil)
	Expect(err).NotTo(HaveOccurred())
	scenarios = conformance.Generate(demo)
	env = kit.StartBrowser(harness.Config{Impersonate: conformance.Impersonations(scenarios)})
	// One pool for every spec: its tabs are keyed by page origin, not by
	// target, and reused-tab isolation keeps probes independent.
	pool = env.NewPool(harness.ReusedTab)
	DeferCleanup(pool.Close)
})
