package gate

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/webconfig"
)

const configs = "../../fixtures/iis/testdata"

// diffConfigs runs make diff's engine on two lab configurations.
func diffConfigs(ctx context.Context, oldName, newName string) []conformance.DiffRow {
	GinkgoHelper()
	load := func(name string) *iis.Config {
		cfg, err := iis.Load(filepath.Join(configs, name))
		Expect(err).NotTo(HaveOccurred())
		return cfg
	}
	oldCfg, newCfg := load(oldName), load(newName)
	oldPol, _, err := webconfig.DerivePolicy(oldCfg)
	Expect(err).NotTo(HaveOccurred())
	newPol, _, err := webconfig.DerivePolicy(newCfg)
	Expect(err).NotTo(HaveOccurred())
	union, err := conformance.Union(oldPol, newPol)
	Expect(err).NotTo(HaveOccurred())
	scenarios := conformance.Generate(union)
	e, err := harness.Start(harness.Config{Impersonate: conformance.Impersonations(scenarios)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(e.Close)
	oldTarget, closeOld, err := conformance.ServeConfig(oldCfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(closeOld)
	newTarget, closeNew, err := conformance.ServeConfig(newCfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(closeNew)
	p := e.NewPool(harness.ReusedTab)
	DeferCleanup(p.Close)
	rows, err := conformance.Diff(ctx, e, p, union, scenarios, oldTarget, newTarget)
	Expect(err).NotTo(HaveOccurred())
	return rows
}

func changes(rows []conformance.DiffRow) map[string]conformance.Change {
	out := map[string]conformance.Change{}
	for _, r := range rows {
		if r.Change != conformance.Same {
			out[r.Scenario.Name] = r.Change
		}
	}
	return out
}

var _ = Describe("make diff", func() {
	// The new file's pattern is https://app\.example\.com: unanchored, and
	// without admin. So the lookalike of app opens, and admin breaks.
	It("reports an origin pattern losing its anchors as opening a lookalike origin", func(ctx SpecContext) {
		rows := diffConfigs(ctx, "rewrite-echo-anchored.config", "rewrite-echo-unanchored.config")
		got := changes(rows)
		Expect(got).To(HaveKeyWithValue(ContainSubstring("refused/https://app.example.com.attacker.test/"), conformance.Opens), conformance.DiffText(rows))
		for name, c := range got {
			if c == conformance.Opens {
				Expect(name).To(ContainSubstring("app.example.com.attacker.test"), "only the lookalike of app may open")
			} else {
				Expect(name).To(ContainSubstring("admin.example.com"), "only admin, dropped from the pattern, may otherwise change")
			}
		}
		Expect(got).To(HaveKeyWithValue(ContainSubstring("allowed/https://admin.example.com/"), conformance.Breaks))
	}, SpecTimeout(3*time.Minute))

	It("reports Windows Authentication taking the preflight from the CORS module as breaking preflighted requests", func(ctx SpecContext) {
		rows := diffConfigs(ctx, "windows-auth-cors-module.config", "windows-auth-challenges-preflight.config")
		got := changes(rows)
		Expect(got).NotTo(BeEmpty(), conformance.DiffText(rows))
		broken := 0
		for name, c := range got {
			if c == conformance.Breaks {
				broken++
			}
			Expect(c).NotTo(Equal(conformance.Opens), "%s\n%s", name, conformance.DiffText(rows))
		}
		Expect(broken).To(BeNumerically(">", 0), conformance.DiffText(rows))
		Expect(conformance.DiffText(rows)).To(ContainSubstring("BREAKS"))
		for _, r := range rows {
			if r.Change == conformance.Breaks {
				Expect(strings.Join(r.Scenario.Labels, ",")).To(ContainSubstring("preflight"), r.Scenario.Name)
			}
		}
	}, SpecTimeout(3*time.Minute))
})
