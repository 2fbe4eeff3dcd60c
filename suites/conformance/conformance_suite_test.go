// Package conformance is the main job: it turns the policy (POLICY, or the
// built-in demo policy) into browser scenarios, runs each in real Chromium
// against the target (TARGET, or the built-in demo API), and gates on
// Chrome's verdicts. At the end it prints the verdict matrix and writes
// JSON, JUnit and HTML reports to REPORTS.
//
// The run is conformance.Run; this file is its ginkgo wrapper: one spec per
// scenario, which passes or fails with the scenario's report row.
package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/steptime"
	"github.com/corsgate/corsgate/report"
	"github.com/corsgate/corsgate/suites/kit"
)

var (
	cfg       *conformance.Config
	scenarios []conformance.Scenario
	// outcome is the run, shared by every ginkgo process.
	outcome struct {
		Run *report.Run
		// Stop is why the run stopped early (the browser died too often).
		Stop string
	}
	rows = map[string]report.Result{}
)

func TestConformance(t *testing.T) {
	// Configuration and environment problems stop the run here, with one
	// line, before any browser starts; they are never CORS verdicts.
	// Exit status 3 tells them apart from failed expectations (1).
	steptime.Mark("suite")
	var err error
	if cfg, err = conformance.ConfigFromEnv(os.LookupEnv); err != nil {
		stop(err)
	}
	if err := harness.CheckBrowser(); err != nil {
		stop(err)
	}
	if !cfg.Demo {
		if err := cfg.CheckTarget(t.Context()); err != nil {
			stop(err)
		}
	}
	scenarios = conformance.Generate(cfg.Policy)
	kit.RunSuite(t, "CORS conformance", "conformance")
	if envProblem {
		os.Exit(3) // bin/corsgate-check and go test: 3, not the 1 of a failed expectation
	}
}

// envProblem is set when the run stopped on an environment problem.
var envProblem bool

// stop ends the run on a configuration or environment error: one line,
// exit status 3, no matrix. The status is also written to
// REPORTS/exit-status, because the ginkgo CLI (and make) turn any failing
// process into their own status; `make check` exits with it.
func stop(err error) {
	fmt.Fprintln(os.Stderr, err)
	writeStatus(3)
	os.Exit(3)
}

// writeStatus records the run's exit status for `make check`.
func writeStatus(code int) {
	dir := "reports/check"
	if cfg != nil {
		dir = cfg.Reports
	} else if d := os.Getenv("REPORTS"); d != "" {
		dir = d
	}
	if os.MkdirAll(dir, 0o755) == nil {
		_ = os.WriteFile(filepath.Join(dir, "exit-status"), []byte(fmt.Sprintln(code)), 0o644)
	}
}

// environment fails the suite on a problem that is not a CORS verdict (the
// demo or the front could not start, the browser did not start or died,
// auth.login failed): one line, exit status 3.
func environment(err error) {
	GinkgoHelper()
	envProblem = true
	writeStatus(3)
	AbortSuite(err.Error())
}

// The first process runs the selected scenarios (a few at a time, in one
// browser) and hands the report to every process; each spec then reads its
// own row.
var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	if err := cfg.Prepare(ctx); err != nil {
		environment(err)
	}
	DeferCleanup(cfg.Close)
	run := *cfg
	run.Scenarios = scenarios
	env, err := harness.Start(cfg.HarnessConfig(scenarios))
	if err != nil {
		environment(err)
	}
	DeferCleanup(env.Close)
	AddReportEntry("browser", env.Browser.Version)
	run.Env = env
	steptime.Mark("browser")
	run.Progress = progress
	if filter, _ := GinkgoConfiguration(); filter.LabelFilter != "" {
		match, err := types.ParseLabelFilter(filter.LabelFilter)
		Expect(err).NotTo(HaveOccurred())
		run.Select = func(s conformance.Scenario) bool { return match(append([]string{"conformance"}, s.Labels...)) }
	}
	r, err := conformance.Run(ctx, &run)
	steptime.Mark("probes")
	if err != nil && !errors.Is(err, conformance.ErrBrowserDied) {
		environment(err)
	}
	if err != nil {
		envProblem = true
		writeStatus(3) // the browser died too often: the run is incomplete
	}
	outcome.Run = r
	if err != nil {
		outcome.Stop = err.Error()
	}
	data, err := json.Marshal(outcome)
	Expect(err).NotTo(HaveOccurred())
	return data
}, func(data []byte) {
	Expect(json.Unmarshal(data, &outcome)).To(Succeed())
	for _, r := range outcome.Run.Results {
		rows[r.Scenario] = r
	}
})

var _ = Describe("the policy", func() {
	for _, s := range scenarios {
		It(s.Name, Label(s.Labels...), func() {
			res, ok := rows[s.Name]
			if !ok && outcome.Stop != "" {
				AbortSuite(outcome.Stop) // one line; lost probes are never verdicts
			}
			Expect(ok).To(BeTrue(), "scenario %s did not run", s.Name)
			AddReportEntry("evidence", res.Evidence, ReportEntryVisibilityFailureOrVerbose)
			if !res.Pass {
				msg := fmt.Sprintf("%s\nexpected: %s\nobserved: %s", s.Name, res.Expected, res.Observed)
				if res.Console != "" {
					msg += "\nconsole:  " + res.Console
				}
				if res.Hint != "" {
					msg += "\nhint:     " + res.Hint
				}
				Fail(msg)
			}
		})
	}
})

// progress prints "scenarios done / total" on a terminal.
func progress(done, total int) {
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		fmt.Fprintf(os.Stderr, "\r%d / %d scenarios ", done, total)
		if done == total {
			fmt.Fprintln(os.Stderr)
		}
	}
}

var _ = ReportAfterSuite("conformance report", func(r Report) {
	// The exit status for `make check` and `ginkgo -p` (whose CLI exits 1
	// for any failure): 3 stays when a problem already wrote it.
	if b, _ := os.ReadFile(filepath.Join(cfg.Reports, "exit-status")); strings.TrimSpace(string(b)) != "3" {
		if r.SuiteSucceeded {
			writeStatus(0)
		} else {
			writeStatus(1)
		}
	}
	run := outcome.Run
	if run == nil || len(run.Results) == 0 {
		return
	}
	fmt.Println()
	report.Matrix(os.Stdout, run)
	paths, err := report.WriteAll(cfg.Reports, run)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reports:", strings.Join(paths, ", "))
	steptime.Mark("reports")
})
