// Package conformance is the main job: it turns the policy (POLICY, or the
// built-in demo policy) into browser scenarios, runs each in real Chromium
// against the target (TARGET, or the built-in demo API), and gates on
// Chrome's verdicts. At the end it prints the verdict matrix and writes
// JSON, JUnit and HTML reports to REPORTS.
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/report"
)

var (
	cfg       *conformance.Config
	scenarios []conformance.Scenario
	runner    *conformance.Runner
	batch     *conformance.Batch
)

func TestConformance(t *testing.T) {
	// Configuration and environment problems stop the run here, with one
	// line, before any browser starts; they are never CORS verdicts.
	// Exit status 3 tells them apart from failed expectations (1).
	var err error
	if cfg, err = conformance.ConfigFromEnv(os.LookupEnv); err != nil {
		stop(err)
	}
	if err := harness.CheckBrowser(); err != nil {
		stop(err)
	}
	if !cfg.Demo {
		if err := conformance.CheckReachable(context.Background(), cfg.Policy.Target); err != nil {
			stop(err)
		}
	}
	scenarios = conformance.Generate(cfg.Policy)
	RegisterFailHandler(Fail)
	RunSpecs(t, "CORS conformance", Label("conformance"))
}

// stop ends the run on a configuration or environment error: one line,
// exit status 3, no matrix.
func stop(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(3)
}

var _ = BeforeSuite(func() {
	target := cfg.Policy.Target
	if cfg.Demo {
		demo, err := conformance.StartDemo(cfg.Policy, cfg.Broken)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(demo.Close)
		target = demo.Target
	}
	env, err := harness.Start(harness.Config{Impersonate: conformance.Impersonations(scenarios)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Close)
	pool := env.NewPool(cfg.Isolation)
	DeferCleanup(pool.Close)
	runner = &conformance.Runner{Env: env, Target: target, Policy: cfg.Policy, Pool: pool, MaxRestarts: conformance.DefaultMaxRestarts}
	AddReportEntry("browser", env.Browser.Version)
	AddReportEntry("target", target)

	// Run the selected scenarios in the background, a few at a time; each
	// spec waits for its own. Under ginkgo -p every process has its own
	// browser and runs only its specs, one by one.
	suiteCfg, _ := GinkgoConfiguration()
	if suiteCfg.ParallelTotal > 1 {
		return
	}
	selected := scenarios
	if suiteCfg.LabelFilter != "" {
		match, err := types.ParseLabelFilter(suiteCfg.LabelFilter)
		Expect(err).NotTo(HaveOccurred())
		selected = nil
		for _, s := range scenarios {
			if match(append([]string{"conformance"}, s.Labels...)) {
				selected = append(selected, s)
			}
		}
	}
	batch = conformance.Start(context.Background(), runner, selected, conformance.DefaultWorkers, progress)
})

var _ = Describe("the policy", func() {
	for _, s := range scenarios {
		It(s.Name, Label(s.Labels...), func(ctx SpecContext) {
			var obs []*harness.Observation
			var err error
			if batch != nil {
				obs, err = batch.Wait(ctx, s.Name)
			} else {
				obs, err = runner.Run(ctx, s)
			}
			if errors.Is(err, conformance.ErrBrowserDied) {
				AbortSuite(err.Error()) // one line; lost probes are never verdicts
			}
			Expect(err).NotTo(HaveOccurred())
			v := conformance.Judge(s, obs)
			res := conformance.ReportRow(s, obs, v)
			res.URL = strings.Replace(res.URL, runner.Target, "", 1)
			data, _ := json.Marshal(res)
			AddReportEntry("corsgate-result", string(data), ReportEntryVisibilityNever)
			AddReportEntry("evidence", res.Evidence, ReportEntryVisibilityFailureOrVerbose)
			if v.Environment {
				Fail(fmt.Sprintf("environment, not a CORS verdict: %s", v.Why))
			}
			if !v.Pass {
				msg := fmt.Sprintf("%s\nexpected: %s\nobserved: %s", s.Name, res.Expected, res.Observed)
				if res.Console != "" {
					msg += "\nconsole:  " + res.Console
				}
				if res.Hint != "" {
					msg += "\nhint:     " + res.Hint
				}
				Fail(msg)
			}
		}, SpecTimeout(60*time.Second))
	}
})

// A browser that died mid-run is a note in the report: which probes were
// lost, and whether they ran again in the restarted browser.
var _ = AfterSuite(func() {
	if runner != nil {
		if note := runner.CrashNote(); note != "" {
			AddReportEntry("corsgate-note", note)
		}
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
	run := &report.Run{
		Target: cfg.Policy.Target, Policy: cfg.PolicyName, PolicyText: cfg.Policy.Redacted(),
		Started: r.StartTime, Duration: r.RunTime, Notes: cfg.Policy.Notes,
	}
	for _, sr := range r.SpecReports {
		for _, e := range sr.ReportEntries {
			switch e.Name {
			case "browser":
				run.Browser = strings.Trim(e.StringRepresentation(), `"`)
			case "target":
				run.Target = strings.Trim(e.StringRepresentation(), `"`)
			case "corsgate-note":
				run.Notes = append(run.Notes, strings.Trim(e.StringRepresentation(), `"`))
			case "corsgate-result":
				// The entry is the result as a JSON string; in parallel runs
				// only its JSON form crosses the process boundary.
				raw, ok := e.Value.GetRawValue().(string)
				if !ok {
					_ = json.Unmarshal([]byte(e.Value.AsJSON), &raw)
				}
				var res report.Result
				if err := json.Unmarshal([]byte(raw), &res); err != nil {
					fmt.Fprintf(os.Stderr, "conformance: result of %q unreadable: %v\n", sr.LeafNodeText, err)
					continue
				}
				run.Results = append(run.Results, res)
			}
		}
	}
	if len(run.Results) == 0 {
		return
	}
	// Specs ran in random order; the report follows the policy's order.
	order := map[string]int{}
	for i, s := range scenarios {
		order[s.Name] = i
	}
	sort.SliceStable(run.Results, func(i, j int) bool { return order[run.Results[i].Scenario] < order[run.Results[j].Scenario] })
	fmt.Println()
	report.Matrix(os.Stdout, run)
	paths, err := report.WriteAll(cfg.Reports, run)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reports:", strings.Join(paths, ", "))
})
