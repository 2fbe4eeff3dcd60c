package conformance

import (
	"context"
	"fmt"
	"sync"

	"github.com/corsgate/corsgate/harness"
)

// DefaultWorkers is how many scenarios run at once: measured on a 2-core
// machine, 2 in flight gave ~50 isolated probes/s and 3 or more fewer,
// because Chrome itself saturates the cores (make bench).
const DefaultWorkers = 2

// Batch runs scenarios concurrently in the background with a few workers
// (probes for one page origin still run one at a time in its tab), so a
// caller can wait for any one scenario's observations.
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
func Start(ctx context.Context, r *Runner, scenarios []Scenario, workers int, progress func(done, total int)) *Batch {
	b := &Batch{results: map[string]*outcome{}}
	queue := make(chan Scenario, len(scenarios))
	for _, s := range interleave(scenarios) {
		b.results[s.Name] = &outcome{done: make(chan struct{})}
		queue <- s
	}
	close(queue)
	var mu sync.Mutex
	n := 0
	for range max(workers, 1) {
		go func() {
			for s := range queue {
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
		return nil, fmt.Errorf("conformance: scenario %q is not in the batch", name)
	}
	select {
	case <-o.done:
		return o.obs, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// interleave orders scenarios so that consecutive ones come from different
// page origins, letting workers use different tabs at the same time.
func interleave(ss []Scenario) []Scenario {
	byOrigin := map[string][]Scenario{}
	var origins []string
	for _, s := range ss {
		if _, ok := byOrigin[s.Origin]; !ok {
			origins = append(origins, s.Origin)
		}
		byOrigin[s.Origin] = append(byOrigin[s.Origin], s)
	}
	var out []Scenario
	for len(out) < len(ss) {
		for _, o := range origins {
			if q := byOrigin[o]; len(q) > 0 {
				out = append(out, q[0])
				byOrigin[o] = q[1:]
			}
		}
	}
	return out
}
