// Command corsgate-bench runs the demo conformance matrix with each
// isolation strategy, side by side in one run, and prints probes per second:
// (a) a fresh browser context per probe, (b) one reused tab per origin
// without isolation, and corsgate's default, a reused tab per origin with
// cookies cleared and a cache-busting query per probe. It also checks that
// the isolated strategies give identical verdicts.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/harness"
)

func main() {
	rounds := flag.Int("rounds", 10, "how many times the reused-tab strategies run the matrix")
	workers := flag.Int("workers", conformance.DefaultWorkers, "scenarios in flight at once (2 suits a 2-core machine: more only adds contention)")
	tabs := flag.Int("tabs", 1, "tabs per page origin for the reused-tab strategies")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the corsgate process to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
			os.Exit(2)
		}
		code := run(*rounds, *workers, *tabs)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(run(*rounds, *workers, *tabs))
}

type result struct {
	mode     harness.Isolation
	warmup   time.Duration
	probes   int
	elapsed  time.Duration
	verdicts map[string]string
}

func (r result) rate() float64 { return float64(r.probes) / r.elapsed.Seconds() }

func run(rounds, workers, tabs int) int {
	cfg, err := conformance.ConfigFromEnv(func(string) (string, bool) { return "", false })
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
		return 2
	}
	demo, err := conformance.StartDemo(cfg.Policy, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
		return 2
	}
	defer demo.Close()
	scenarios := conformance.Generate(cfg.Policy)
	var single []conformance.Scenario
	for _, s := range scenarios {
		if s.Sequence == conformance.Single {
			single = append(single, s)
		}
	}
	env, err := harness.Start(harness.Config{Impersonate: conformance.Impersonations(scenarios)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
		return 2
	}
	defer env.Close()
	fmt.Printf("corsgate bench: demo matrix, %d single-probe scenarios, %d in flight, %s\n", len(single), workers, env.Browser.Version)

	ctx := context.Background()
	// Sample the browser tree's memory every 100 ms for the whole run.
	var peak uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if n, err := env.Browser.TreeRSS(); err == nil && n > peak {
				peak = n
			}
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	var results []result
	for _, m := range []struct {
		mode   harness.Isolation
		rounds int
	}{{harness.FreshContext, 1}, {harness.NoIsolation, rounds}, {harness.ReusedTab, rounds}} {
		pool := env.NewPool(m.mode)
		pool.TabsPerOrigin = tabs
		runner := &conformance.Runner{Env: env, Target: demo.Target, Policy: cfg.Policy, Pool: pool}
		r := result{mode: m.mode, verdicts: map[string]string{}}
		if m.mode != harness.FreshContext {
			// Warm up: open the tab of every page origin once, timed apart:
			// it is what a single `make check` pays on top.
			warm := time.Now()
			for range tabs {
				if err := runBatch(ctx, runner, single, workers, nil); err != nil {
					fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
					return 2
				}
			}
			r.warmup = time.Since(warm)
		}
		start := time.Now()
		for range m.rounds {
			if err := runBatch(ctx, runner, single, workers, r.verdicts); err != nil {
				fmt.Fprintln(os.Stderr, "corsgate-bench:", err)
				return 2
			}
			r.probes += len(single)
		}
		r.elapsed = time.Since(start)
		pool.Close()
		results = append(results, r)
	}

	close(stopSampling)
	<-sampled
	fresh, none, reused := results[0], results[1], results[2]
	fmt.Printf("\n%-34s %8s %10s %10s %14s\n", "strategy", "probes", "seconds", "probes/s", "first round s")
	for _, r := range results {
		warm := "-"
		if r.warmup > 0 {
			warm = fmt.Sprintf("%.2f", r.warmup.Seconds())
		}
		fmt.Printf("%-34s %8d %10.2f %10.1f %14s\n", describe(r.mode), r.probes, r.elapsed.Seconds(), r.rate(), warm)
	}
	fmt.Printf("\nreused-tab (isolated) vs (a) fresh context: %.1fx (target >= 10x)\n", reused.rate()/fresh.rate())
	fmt.Printf("reused-tab (isolated) vs (b) no isolation:  %.0f%% (target >= 60%%)\n", 100*reused.rate()/none.rate())
	fmt.Printf("reused-tab (isolated) rate: %.1f probes/s (target >= 40)\n", reused.rate())
	fmt.Printf("peak memory of the browser process tree (sum of PSS): %d MB\n", peak>>20)
	diff := 0
	for name, v := range fresh.verdicts {
		if reused.verdicts[name] != v {
			diff++
			fmt.Printf("verdict differs for %s: fresh context %q, reused tab %q\n", name, v, reused.verdicts[name])
		}
	}
	fmt.Printf("verdicts identical between fresh-context and reused-tab: %v (%d differ)\n", diff == 0, diff)
	if diff > 0 {
		return 1
	}
	return 0
}

// runBatch runs every scenario with workers in flight and records verdicts.
func runBatch(ctx context.Context, r *conformance.Runner, ss []conformance.Scenario, workers int, verdicts map[string]string) error {
	b := conformance.Start(ctx, r, ss, workers, nil)
	for _, s := range ss {
		obs, err := b.Wait(ctx, s.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		if verdicts != nil {
			verdicts[s.Name] = conformance.Describe(obs[0])
		}
	}
	return nil
}

func describe(m harness.Isolation) string {
	switch m {
	case harness.FreshContext:
		return "(a) fresh browser context"
	case harness.NoIsolation:
		return "(b) reused tab, no isolation"
	}
	return "reused tab, isolated (default)"
}
