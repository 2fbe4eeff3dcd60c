// Command corsgate-bench runs a 500-probe conformance matrix (the demo
// policy with more endpoints and origins, against the demo API) with each
// isolation strategy, side by side in one run, cold (opening tabs is part
// of the time): (a) a fresh browser context per probe, on a sample when the
// matrix is large; (b) reused lanes without isolation; and corsgate's
// default, reused lanes with cookies cleared and a cache-busting query per
// probe. For each it prints probes/s, the peak memory of the browser's
// process tree (sum of PSS) and Chrome's CPU time per probe; it checks that
// the isolated verdicts equal the fresh-context ones and judges them.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/conformance/runner"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
)

// The targets of the issue, for a 2-core machine.
const (
	targetProbes = 500
	targetRate   = 60.0 // isolated probes/s
	targetPeakMB = 450  // peak PSS of the browser tree, isolated phase
	targetCPU    = 16.0 // Chrome's CPU ms per isolated probe
	targetRatio  = 0.85 // isolated rate / no-isolation rate
)

type options struct {
	probes, rounds, workers, tabs, perLane, naive int
	phases                                        string
	check                                         bool
}

func main() {
	var o options
	flag.IntVar(&o.probes, "probes", targetProbes, "the fewest single-probe scenarios in the matrix (endpoints are added to the demo policy until it has them)")
	flag.IntVar(&o.rounds, "rounds", 1, "how many times the reused-lane strategies run the matrix (the first round is cold and counted)")
	flag.IntVar(&o.workers, "workers", runner.DefaultWorkers, "scenarios in flight at once")
	flag.IntVar(&o.perLane, "per-lane", harness.DefaultPerLane, "probes a reused lane runs at once")
	flag.IntVar(&o.tabs, "tabs", 0, "lanes (tab + browser context) a reused pool keeps open; 0: one per worker")
	flag.StringVar(&o.phases, "phases", "fresh,none,isolated", "the phases to run, comma-separated (fresh, none, isolated)")
	flag.BoolVar(&o.check, "check", true, "also time a warm `make check` of the demo (run from the repository root)")
	flag.IntVar(&o.naive, "naive", 60, "probes of the fresh-context baseline, spread over the matrix; 0: the whole matrix")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the corsgate process (not Chrome) to this file")
	flag.Parse()
	if o.tabs <= 0 {
		o.tabs = o.workers
	}
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
		code := run(o)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(run(o))
}

// matrix derives a policy from the embedded demo policy with extra allowed
// origins (each its own site, so each brings its own attacker lookalikes)
// and extra endpoints, adding endpoints until Generate yields at least n
// single-probe scenarios.
func matrix(n int) (*policy.Policy, []conformance.Scenario, []conformance.Scenario, error) {
	extraOrigins := []string{"https://shop.example-retail.com", "https://portal.example-health.org", "https://console.example-cloud.net", "https://m.example-mobile.io"}
	for k := 0; ; k++ {
		var eps, ors strings.Builder
		for i := range k {
			fmt.Fprintf(&eps, "  - path: /api/r%02d/items\n    methods: [GET, POST, PUT, DELETE]\n", i+1)
		}
		for _, o := range extraOrigins {
			fmt.Fprintf(&ors, "  - %s\n", o)
		}
		src := bytes.Replace(conformance.DemoPolicy, []byte("\nendpoints:\n"), []byte("\nendpoints:\n"+eps.String()), 1)
		src = bytes.Replace(src, []byte("\norigins:\n"), []byte("\norigins:\n"+ors.String()), 1)
		p, err := policy.Parse("bench policy (demo + endpoints)", src, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		all := conformance.Generate(p)
		var single []conformance.Scenario
		for _, s := range all {
			if !s.Sequence() {
				single = append(single, s)
			}
		}
		if len(single) >= n || k > 1000 {
			return p, all, single, nil
		}
	}
}

// sampler keeps the peak PSS of the browser tree since the last reset.
// Reading smaps_rollup of every Chrome process is not free (measured: ~1
// ms per process), so it samples every 250 ms on a thread of its own and
// keeps its own CPU time apart.
type sampler struct {
	b    *harness.Browser
	peak atomic.Uint64
	cpu  atomic.Int64 // nanoseconds of the sampling thread
	stop chan struct{}
	done chan struct{}
}

func startSampler(b *harness.Browser) *sampler {
	s := &sampler{b: b, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if n, err := b.TreePSS(); err == nil {
				for {
					p := s.peak.Load()
					if n <= p || s.peak.CompareAndSwap(p, n) {
						break
					}
				}
			}
			var ru syscall.Rusage
			if syscall.Getrusage(rusageThread, &ru) == nil {
				s.cpu.Store(ru.Utime.Nano() + ru.Stime.Nano())
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// rusageThread is RUSAGE_THREAD (Linux): the calling thread's usage.
const rusageThread = 1

func (s *sampler) close() { close(s.stop); <-s.done }

type result struct {
	name     string
	mode     harness.Isolation
	sample   bool
	probes   int
	elapsed  time.Duration
	peak     uint64
	cpu      time.Duration            // Chrome's CPU time
	cpuBy    map[string]time.Duration // Chrome's CPU time by process type
	goCPU    time.Duration            // this process's CPU time, without the sampler's
	smpCPU   time.Duration            // the memory sampler's CPU time
	stats    harness.PoolStats
	verdicts map[string]string
	passed   int
	judged   int
	elapsedP []time.Duration // per probe, Observation.Elapsed
	graced   map[string]int  // missing soft evidence -> probes that waited the grace for it
}

func (r result) rate() float64 { return float64(r.probes) / r.elapsed.Seconds() }

func run(o options) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "corsgate-bench:", err); return 2 }
	var check checkTiming
	if o.check {
		var err error
		if check, err = timeCheck(); err != nil {
			return fail(err)
		}
	}
	p, all, single, err := matrix(o.probes)
	if err != nil {
		return fail(err)
	}
	demo, err := conformance.StartDemo(p, false)
	if err != nil {
		return fail(err)
	}
	defer demo.Close()
	env, err := harness.Start(harness.Config{Impersonate: conformance.Impersonations(all)})
	if err != nil {
		return fail(err)
	}
	defer env.Close()
	pages := map[string]bool{}
	for _, s := range single {
		pages[s.Origin] = true
	}
	fmt.Printf("corsgate bench: %d single-probe scenarios (demo policy + %d endpoints, %d allowed origins) from %d page origins; %d origin groups in flight, %d lanes, up to %d probes per lane; %s\n",
		len(single), len(p.Endpoints)-2, len(p.Origins), len(pages), o.workers, o.tabs, o.perLane, env.Browser.Version)

	// The naive baseline on a sample spread over the matrix.
	sample := single
	if o.naive > 0 && o.naive < len(single) {
		sample = nil
		for i := range o.naive {
			sample = append(sample, single[i*len(single)/o.naive])
		}
	}
	idle, _ := env.Browser.Tree()
	smp := startSampler(env.Browser)
	defer smp.close()
	ctx := context.Background()
	var results []result
	for _, ph := range []struct {
		key    string
		name   string
		mode   harness.Isolation
		ss     []conformance.Scenario
		rounds int
	}{
		{"fresh", "(a) fresh context per probe", harness.FreshContext, sample, 1},
		{"none", "(b) reused lanes, no isolation", harness.NoIsolation, single, o.rounds},
		{"isolated", "reused lanes, isolated (default)", harness.ReusedTab, single, o.rounds},
	} {
		if !slices.Contains(strings.Split(o.phases, ","), ph.key) {
			results = append(results, result{name: ph.name, mode: ph.mode, verdicts: map[string]string{}})
			continue
		}
		settle(env.Browser, idle.Procs)
		smp.peak.Store(0)
		before, _ := env.Browser.Tree()
		goBefore, smpBefore := selfCPU(), time.Duration(smp.cpu.Load())
		pool := env.NewPool(ph.mode)
		pool.MaxTabs = o.tabs
		pool.PerLane = o.perLane
		cfg := &conformance.Config{Policy: p, PolicyName: conformance.DemoPolicyName, Target: demo.Target, Env: env, Pool: pool, Workers: o.workers}
		r := result{name: ph.name, mode: ph.mode, sample: len(ph.ss) < len(single), verdicts: map[string]string{}, graced: map[string]int{}}
		start := time.Now()
		for range ph.rounds {
			if err := runBatch(ctx, cfg, ph.ss, &r); err != nil {
				return fail(err)
			}
			r.probes += len(ph.ss)
		}
		r.elapsed = time.Since(start)
		r.stats = pool.Stats()
		pool.Close()
		after, _ := env.Browser.Tree()
		r.cpu = after.CPU - before.CPU
		r.cpuBy = map[string]time.Duration{}
		for k, v := range after.ByType {
			if d := v - before.ByType[k]; d > 0 {
				r.cpuBy[k] = d
			}
		}
		r.smpCPU = time.Duration(smp.cpu.Load()) - smpBefore
		r.goCPU = selfCPU() - goBefore - r.smpCPU
		r.peak = smp.peak.Load()
		results = append(results, r)
	}

	fresh, none, iso := results[0], results[1], results[2]
	fmt.Printf("\n%-33s %7s %8s %9s %8s %10s %10s %7s %5s %6s\n", "strategy", "probes", "seconds", "probes/s", "peak MB", "chrome ms", "corsgate", "opened", "navs", "clears")
	fmt.Printf("%-33s %7s %8s %9s %8s %10s %10s\n", "", "", "", "", "(PSS)", "CPU/probe", "CPU/probe")
	for _, r := range results {
		if r.probes == 0 {
			fmt.Printf("%-33s skipped (-phases)\n", r.name)
			continue
		}
		n := fmt.Sprint(r.probes)
		if r.sample {
			n += "*"
		}
		fmt.Printf("%-33s %7s %8.2f %9.1f %8d %10.1f %10.1f %7d %5d %6d\n", r.name, n, r.elapsed.Seconds(), r.rate(), r.peak>>20,
			perProbe(r.cpu, r.probes), perProbe(r.goCPU, r.probes), r.stats.Opened, r.stats.Navigations, r.stats.CookieClears)
	}
	if fresh.sample {
		fmt.Printf("* (a) ran a sample of %d of the %d probes, spread over the matrix (the whole would take ~%.0f s)\n",
			fresh.probes, len(single), float64(len(single))/fresh.rate())
	}
	fmt.Printf("idle browser before the phases: %d processes, %d MB; times include opening tabs (cold)\n", idle.Procs, idle.PSS>>20)

	if iso.probes > 0 {
		ms := perProbe(iso.cpu+iso.goCPU, iso.probes)
		fmt.Printf("isolated CPU per probe (Chrome + corsgate): %.1f ms, so 2 idle cores cap the isolated rate at ~%.0f probes/s (the memory sampler took %.1f s more)\n",
			ms, 2000/ms, iso.smpCPU.Seconds())
		var types []string
		for k := range iso.cpuBy {
			types = append(types, k)
		}
		sort.Slice(types, func(i, j int) bool { return iso.cpuBy[types[i]] > iso.cpuBy[types[j]] })
		var parts []string
		for _, k := range types {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, perProbe(iso.cpuBy[k], iso.probes)))
		}
		fmt.Printf("isolated Chrome CPU ms per probe by process: %s (corsgate %.1f)\n", strings.Join(parts, ", "), perProbe(iso.goCPU, iso.probes))
	}
	metStr := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Println()
	fmt.Printf("matrix: %d single-probe scenarios (target >= %d): %s\n", len(single), targetProbes, metStr(len(single) >= targetProbes))
	fmt.Printf("isolated rate: %.1f probes/s (target >= %.0f): %s\n", iso.rate(), targetRate, metStr(iso.rate() >= targetRate))
	fmt.Printf("isolated peak memory of the browser tree (sum of PSS): %d MB (target <= %d MB): %s\n", iso.peak>>20, targetPeakMB, metStr(iso.peak>>20 <= targetPeakMB))
	fmt.Printf("isolated / naive (a): %.1fx (target >= 10x): %s\n", iso.rate()/fresh.rate(), metStr(iso.rate()/fresh.rate() >= 10))
	fmt.Printf("isolated / no isolation (b): %.0f%% (target >= %.0f%%): %s\n", 100*iso.rate()/none.rate(), 100*targetRatio, metStr(iso.rate()/none.rate() >= targetRatio))
	isoCPU := perProbe(iso.cpu, iso.probes)
	fmt.Printf("isolated Chrome CPU per probe: %.1f ms (target <= %.0f ms): %s\n", isoCPU, targetCPU, metStr(isoCPU <= targetCPU))
	if o.check {
		fmt.Printf("warm make check (demo), command to exit: %s (target <= %.0f s): %s\n", check, targetCheck.Seconds(), metStr(check.total <= targetCheck))
	}
	for _, r := range []result{none, iso} {
		fmt.Printf("%s: %d of %d judged scenarios passed\n", r.name, r.passed, r.judged)
	}
	q := quantiles(iso.elapsedP)
	fmt.Printf("isolated probe time (Observation.Elapsed): p50 %s, p90 %s, p99 %s, max %s\n", q[0], q[1], q[2], q[3])
	var reasons []string
	for k := range iso.graced {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Printf("isolated probes that waited the whole grace (750ms default) for %q: %d\n", k, iso.graced[k])
	}
	diff := 0
	for name, v := range fresh.verdicts {
		if iso.verdicts[name] != v {
			diff++
			fmt.Printf("verdict differs for %s: fresh context %q, isolated %q\n", name, v, iso.verdicts[name])
		}
	}
	fmt.Printf("isolated verdicts equal the fresh-context verdicts for the %d probes both ran: %v (%d differ)\n", len(fresh.verdicts), diff == 0, diff)
	if diff > 0 {
		return 1
	}
	return 0
}

// settle waits (up to 10 s) until the closed tabs' processes have exited
// and Chrome has gone quiet (under 10% of a core over 250 ms), so the
// teardown of one phase's lanes is not counted in the next phase's CPU.
func settle(b *harness.Browser, procs int) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if t, err := b.Tree(); err != nil || t.Procs <= procs {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		before, err := b.Tree()
		time.Sleep(250 * time.Millisecond)
		after, err2 := b.Tree()
		if err != nil || err2 != nil || after.CPU-before.CPU < 25*time.Millisecond {
			return
		}
	}
}

// runBatch runs every scenario through conformance.Run and records
// verdicts and probe times.
func runBatch(ctx context.Context, cfg *conformance.Config, ss []conformance.Scenario, res *result) error {
	var mu sync.Mutex
	observed := map[string]bool{}
	c := *cfg
	c.Scenarios = ss
	c.Observe = func(s conformance.Scenario, obs []*harness.Observation) {
		mu.Lock()
		defer mu.Unlock()
		observed[s.Name] = true
		res.verdicts[s.Name] = judge.Describe(obs[0])
		for _, o := range obs {
			res.elapsedP = append(res.elapsedP, o.Elapsed)
			for _, why := range o.Incomplete {
				res.graced[why]++
			}
		}
	}
	run, err := conformance.Run(ctx, &c)
	if err != nil {
		return err
	}
	for _, r := range run.Results {
		if !observed[r.Scenario] { // the harness could not run it
			return fmt.Errorf("%s: %s", r.Scenario, r.Evidence)
		}
		res.judged++
		if r.Pass {
			res.passed++
		}
	}
	return nil
}

func perProbe(d time.Duration, n int) float64 {
	return float64(d.Microseconds()) / 1000 / float64(max(n, 1))
}

// selfCPU is this process's CPU time (user + system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func quantiles(ds []time.Duration) [4]time.Duration {
	if len(ds) == 0 {
		return [4]time.Duration{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))].Round(time.Millisecond) }
	return [4]time.Duration{at(0.5), at(0.9), at(0.99), s[len(s)-1].Round(time.Millisecond)}
}
