package runner

import (
	"context"
	"fmt"
	"sync"

	"github.com/corsgate/corsgate/harness"
)

// DefaultWorkers is how many page origins are worked on at once: each
// worker keeps one lane of the pool (harness.DefaultMaxTabs) busy, with up
// to Pool.Concurrency() of its origin's probes in flight (make bench).
const DefaultWorkers = 2

// Batch runs scenarios concurrently in the background with a few workers,
// so a caller can wait for any one scenario's observations.
//
// Scenarios are grouped by page origin and each worker works through one
// origin's group at a time, so a pool lane (one tab) stays on its page and
// navigates to another origin only when the worker moves to the next group.
// Within a group the given order is kept. Sequences (preflight cache,
// Vary), which open a fresh browser context each, run first: their
// contexts are closed before the pool's lanes open, so the two do not add
// up in the browser's peak memory.
type Batch struct {
	mu      sync.Mutex
	results map[string]*outcome
}

type outcome struct {
	done chan struct{}
	obs  []*harness.Observation
	err  error
}

// Start begins running scenarios with workers goroutines. progress, when not
// nil, is called after each scenario with the count done so far.
func Start(ctx context.Context, r *Runner, scenarios []Job, workers int, progress func(done, total int)) *Batch {
	b := &Batch{results: map[string]*outcome{}}
	for _, s := range scenarios {
		b.results[s.Name] = &outcome{done: make(chan struct{})}
	}
	sched := newSchedule(scenarios)
	// A worker runs up to perGroup scenarios of its page origin at once:
	// the pool runs them side by side in the origin's lane.
	perGroup := 1
	if r.Pool != nil {
		perGroup = r.Pool.Concurrency()
	}
	var mu sync.Mutex
	n := 0
	runOne := func(s Job) {
		o := b.results[s.Name]
		o.obs, o.err = r.Run(ctx, s)
		close(o.done)
		if progress != nil {
			mu.Lock()
			n++
			progress(n, len(scenarios))
			mu.Unlock()
		}
	}
	for range max(workers, 1) {
		go func() {
			var g *group
			var inFlight sync.WaitGroup
			slots := make(chan struct{}, perGroup)
			defer inFlight.Wait()
			for {
				prev := g
				var s Job
				var ok bool
				g, s, ok = sched.next(g)
				if !ok {
					return
				}
				if g != prev || s.Sequence() {
					// A new page origin (or a sequence, in a context of
					// its own): the previous group's probes end first.
					inFlight.Wait()
				}
				if s.Sequence() || perGroup == 1 {
					runOne(s)
					continue
				}
				slots <- struct{}{}
				inFlight.Add(1)
				go func() {
					defer func() { <-slots; inFlight.Done() }()
					runOne(s)
				}()
			}
		}()
	}
	return b
}

// Wait returns the observations of the named scenario once it has run.
func (b *Batch) Wait(ctx context.Context, name string) ([]*harness.Observation, error) {
	b.mu.Lock()
	o := b.results[name]
	b.mu.Unlock()
	if o == nil {
		return nil, fmt.Errorf("runner: scenario %q is not in the batch", name)
	}
	select {
	case <-o.done:
		return o.obs, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// schedule hands scenarios to workers one page origin at a time.
type schedule struct {
	mu     sync.Mutex
	groups []*group // in order of first appearance
}

// group is the remaining scenarios of one page origin and how many workers
// are on it.
type group struct {
	queue   []Job
	workers int
}

// minSteal is the fewest remaining scenarios of a group another worker
// joins when no group is free: below it, moving a lane to the group's
// origin (a navigation) costs more than it saves.
const minSteal = 4

func newSchedule(ss []Job) *schedule {
	byOrigin := map[string]*group{}
	sc := &schedule{}
	// Sequences first, one group each, so every worker can take one.
	for _, s := range ss {
		if s.Sequence() {
			sc.groups = append(sc.groups, &group{queue: []Job{s}})
		}
	}
	for _, s := range ss {
		if s.Sequence() {
			continue
		}
		g := byOrigin[string(s.Probe.Page)]
		if g == nil {
			g = &group{}
			byOrigin[string(s.Probe.Page)] = g
			sc.groups = append(sc.groups, g)
		}
		g.queue = append(g.queue, s)
	}
	return sc
}

// next gives a worker that was on cur its next scenario: from cur while it
// lasts, then from the first group no worker is on, then from the group
// with the most left (when that is worth a navigation).
func (sc *schedule) next(cur *group) (*group, Job, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if cur == nil || len(cur.queue) == 0 {
		if cur != nil {
			cur.workers--
		}
		cur = nil
		for _, g := range sc.groups {
			if len(g.queue) > 0 && g.workers == 0 {
				cur = g
				break
			}
		}
		if cur == nil {
			for _, g := range sc.groups {
				if len(g.queue) >= minSteal && (cur == nil || len(g.queue) > len(cur.queue)) {
					cur = g
				}
			}
		}
		if cur == nil {
			return nil, Job{}, false
		}
		cur.workers++
	}
	s := cur.queue[0]
	cur.queue = cur.queue[1:]
	return cur, s, true
}
