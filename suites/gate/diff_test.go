package gate

import (
	"context"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/suites/kit"
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
	e := kit.StartBrowser(harness.Config{Impersonate: conformance.Impersonations(scenarios)})
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

// changed are the rows whose verdict changed.
func changed(rows []conformance.DiffRow) []conformance.DiffRow {
	var out []conformance.DiffRow
	for _, r := range rows {
		if r.Change != conformance.Same {
			out = append(out, r)
		}
	}
	return out
}

var _ = Describe("make diff", func() {
	// The new file's pattern is https://app\.example\.com: unanchored, and
	// without admin. So the lookalike of app opens, and admin breaks.
	It("reports an origin pattern losing its anchors as opening a lookalike origin", func(ctx SpecContext) {
		rows := diffConfigs(ctx, "rewrite-echo-anchored.config", "rewrite-echo-unanchored.config")
		const lookalike, admin = "https://app.example.com.attacker.test", "https://admin.example.com"
		opened, adminBroke := false, false
		for _, r := range changed(rows) {
			s := r.Scenario
			switch {
			case r.Change == conformance.Opens:
				Expect(s.Origin).To(Equal(lookalike), "only the lookalike of app may open: %s\n%s", s.Name, conformance.DiffText(rows))
				opened = opened || s.Kind == conformance.RefusedOrigin
			default:
				Expect(s.Pages()).To(ContainElement(admin), "only probes from admin, dropped from the pattern, may otherwise change: %s", s.Name)
				adminBroke = adminBroke || (r.Change == conformance.Breaks && s.Kind == conformance.Allowed)
			}
		}
		Expect(opened).To(BeTrue(), "the lookalike's refused-origin scenario must open\n%s", conformance.DiffText(rows))
		Expect(adminBroke).To(BeTrue(), "an allowed scenario from admin must break\n%s", conformance.DiffText(rows))
	}, SpecTimeout(3*time.Minute))

	It("reports Windows Authentication taking the preflight from the CORS module as breaking preflighted requests", func(ctx SpecContext) {
		rows := diffConfigs(ctx, "windows-auth-cors-module.config", "windows-auth-challenges-preflight.config")
		got := changed(rows)
		Expect(got).NotTo(BeEmpty(), conformance.DiffText(rows))
		broken := 0
		for _, r := range got {
			Expect(r.Change).NotTo(Equal(conformance.Opens), "%s\n%s", r.Scenario.Name, conformance.DiffText(rows))
			if r.Change == conformance.Breaks {
				broken++
				Expect(r.Scenario.Labels).To(ContainElement("preflight"), r.Scenario.Name)
			}
		}
		Expect(broken).To(BeNumerically(">", 0), conformance.DiffText(rows))
		Expect(conformance.DiffText(rows)).To(ContainSubstring("BREAKS"))
	}, SpecTimeout(3*time.Minute))
})
