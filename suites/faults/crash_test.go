package faults

import (
	"context"
	"sync"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/conformance/runner"
	"github.com/corsgate/corsgate/harness"
)

// crashRun is the demo conformance run with a browser of its own, which the
// spec kills with SIGKILL once killAfter scenarios are done.
type crashRun struct {
	runner    *runner.Runner
	scenarios []conformance.Scenario
	batch     *runner.Batch
	killedPID int
	killErr   error
}

func startCrashRun(ctx context.Context, maxRestarts, killAfter int) *crashRun {
	GinkgoHelper()
	cfg, err := conformance.ConfigFromEnv(func(string) (string, bool) { return "", false })
	Expect(err).NotTo(HaveOccurred())
	demo, err := conformance.StartDemo(cfg.Policy, false)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(demo.Close)
	var single []conformance.Scenario
	for _, s := range conformance.Generate(cfg.Policy) {
		if !s.Sequence() && !s.OwnOrigin { // the own-origin page needs the front (Config.Prepare)
			single = append(single, s)
		}
	}
	crashEnv, err := harness.Start(harness.Config{Impersonate: conformance.Impersonations(single)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(crashEnv.Close)
	pool := crashEnv.NewPool(harness.ReusedTab)
	DeferCleanup(pool.Close)
	cr := &crashRun{
		runner:    &runner.Runner{Env: crashEnv, Target: demo.Target, Pool: pool, MaxRestarts: maxRestarts},
		scenarios: single,
	}
	var once sync.Once
	cr.batch = runner.Start(ctx, cr.runner, jobs(single), runner.DefaultWorkers, func(done, _ int) {
		if done >= killAfter {
			// A worker goroutine: record, assert in the spec.
			once.Do(func() {
				cr.killedPID = crashEnv.Browser.PID()
				cr.killErr = syscall.Kill(cr.killedPID, syscall.SIGKILL)
			})
		}
	})
	return cr
}

var _ = Describe("the browser killed mid-run", Label("crash"), func() {
	It("is restarted; the lost probes are named and re-run, and every verdict is the API's", func(ctx SpecContext) {
		cr := startCrashRun(ctx, 1, 10)
		for _, s := range cr.scenarios {
			obs, err := cr.batch.Wait(ctx, s.Name)
			Expect(err).NotTo(HaveOccurred(), s.Name)
			v := conformance.Judge(s, obs)
			Expect(v.Pass).To(BeTrue(), "%s: %s", s.Name, v.Why)
		}
		Expect(cr.killedPID).NotTo(BeZero())
		Expect(cr.killErr).NotTo(HaveOccurred())
		Expect(cr.runner.Restarts()).To(Equal(1))
		Expect(cr.runner.Env.Browser.PID()).NotTo(Equal(cr.killedPID))
		lost := cr.runner.Lost()
		Expect(lost).NotTo(BeEmpty(), "at least the probe after the kill meets the dead browser")
		for _, l := range lost {
			Expect(l.Rerun).To(BeTrue(), l.Scenario)
			Expect(l.Err).To(ContainSubstring("the browser died"))
		}
		note := cr.runner.CrashNote()
		Expect(note).To(ContainSubstring("restarted 1 time(s)"))
		Expect(note).To(ContainSubstring(lost[0].Scenario))
		AddReportEntry("crash note", note)
	}, SpecTimeout(180e9))

	It("with no restarts allowed, stops with one line naming the lost probes, never a verdict", func(ctx SpecContext) {
		cr := startCrashRun(ctx, 0, 5)
		var stopped []error
		done := 0
		for _, s := range cr.scenarios {
			_, err := cr.batch.Wait(ctx, s.Name)
			if err != nil {
				Expect(err).To(MatchError(conformance.ErrBrowserDied))
				stopped = append(stopped, err)
			} else {
				done++
			}
		}
		Expect(cr.killErr).NotTo(HaveOccurred())
		Expect(done).To(BeNumerically(">=", 5))
		Expect(stopped).NotTo(BeEmpty())
		msg := stopped[0].Error()
		Expect(msg).NotTo(ContainSubstring("\n"))
		Expect(msg).To(ContainSubstring("stopping after 0 restart(s)"))
		Expect(msg).To(ContainSubstring("probe(s) lost: " + cr.runner.Lost()[0].Scenario))
		Expect(cr.runner.Restarts()).To(BeZero())
		Expect(cr.runner.Env.Browser.Alive()).To(BeFalse())
		AddReportEntry("stop line", msg)
	}, SpecTimeout(180e9))
})

// jobs are the runner's jobs for scenarios.
func jobs(ss []conformance.Scenario) []runner.Job {
	var js []runner.Job
	for _, s := range ss {
		js = append(js, s.Job())
	}
	return js
}
