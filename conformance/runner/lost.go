package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/corsgate/corsgate/harness"
)

// DefaultMaxRestarts is how many browser deaths a conformance run survives.
const DefaultMaxRestarts = 2

// ErrBrowserDied stops a run whose browser died more often than
// Runner.MaxRestarts allows. Probes lost to a dead browser are never judged.
var ErrBrowserDied = errors.New("runner: the browser died mid-run")

// Lost is a job whose probe was in flight, or about to start, when the
// browser died.
type Lost struct {
	Scenario string
	// Err is what the harness saw, e.g. "... browser process exited:
	// signal: killed ...".
	Err string
	// Rerun is true when the scenario ran again in a restarted browser; its
	// verdict then comes from that run.
	Rerun bool
}

// crashes is the Runner's record of browser deaths.
type crashes struct {
	mu       sync.Mutex
	restarts int
	lost     []Lost
	stopped  error
}

// runSurviving runs s; when the browser dies under it, it records the loss,
// restarts the browser (at most MaxRestarts times per run) and runs s once
// more. A scenario lost twice, or a death past the limit, is an error
// wrapping ErrBrowserDied that names every lost scenario.
func (r *Runner) runSurviving(ctx context.Context, s Job) ([]*harness.Observation, error) {
	for attempt := 1; ; attempt++ {
		if err := r.stoppedErr(); err != nil {
			return nil, err
		}
		obs, err := r.run(ctx, s)
		if err == nil || ctx.Err() != nil || !r.lostTo(err) {
			return obs, err
		}
		if rerr := r.recover(s, err, attempt); rerr != nil {
			return nil, rerr
		}
	}
}

// lostTo reports whether err came from the browser dying rather than from
// the probe.
func (r *Runner) lostTo(err error) bool {
	return errors.Is(err, harness.ErrBrowserLost)
}

// recover records s as lost and brings the browser back, or says why the
// run must stop.
func (r *Runner) recover(s Job, cause error, attempt int) error {
	c := &r.crashes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped != nil {
		c.lost = append(c.lost, Lost{Scenario: s.Name, Err: cause.Error()})
		return c.stopped
	}
	lost := Lost{Scenario: s.Name, Err: cause.Error(), Rerun: true}
	if attempt > 1 {
		// The same scenario lost twice: the target may be what kills
		// the browser (or its tab); do not loop.
		lost.Rerun = false
		c.lost = append(c.lost, lost)
		return fmt.Errorf("%w: scenario %q lost twice (%v); it may be what crashes the browser", ErrBrowserDied, s.Name, cause)
	}
	if !r.Env.Browser.Alive() {
		if c.restarts >= r.MaxRestarts {
			lost.Rerun = false
			c.lost = append(c.lost, lost)
			c.stopped = fmt.Errorf("%w (%s); stopping after %d restart(s): %s", ErrBrowserDied, short(cause), c.restarts, lostNames(c.lost))
			return c.stopped
		}
		if err := r.Env.Browser.Restart(); err != nil {
			lost.Rerun = false
			c.lost = append(c.lost, lost)
			c.stopped = fmt.Errorf("%w and could not be restarted: %v; %s", ErrBrowserDied, err, lostNames(c.lost))
			return c.stopped
		}
		c.restarts++
	}
	c.lost = append(c.lost, lost)
	return nil
}

func (r *Runner) stoppedErr() error {
	r.crashes.mu.Lock()
	defer r.crashes.mu.Unlock()
	return r.crashes.stopped
}

// Lost lists the scenarios lost to browser deaths so far, in order.
func (r *Runner) Lost() []Lost {
	r.crashes.mu.Lock()
	defer r.crashes.mu.Unlock()
	return append([]Lost(nil), r.crashes.lost...)
}

// Restarts is how many times the run restarted its browser.
func (r *Runner) Restarts() int {
	r.crashes.mu.Lock()
	defer r.crashes.mu.Unlock()
	return r.crashes.restarts
}

// CrashNote is the report line about browser deaths, "" when there were
// none.
func (r *Runner) CrashNote() string {
	lost := r.Lost()
	if len(lost) == 0 {
		return ""
	}
	var rerun, dropped []string
	for _, l := range lost {
		if l.Rerun {
			rerun = append(rerun, l.Scenario)
		} else {
			dropped = append(dropped, l.Scenario)
		}
	}
	msg := fmt.Sprintf("the browser died mid-run and was restarted %d time(s): %d probe(s) lost", r.Restarts(), len(lost))
	if len(rerun) > 0 {
		msg += fmt.Sprintf("; re-run in the new browser: %s", strings.Join(rerun, ", "))
	}
	if len(dropped) > 0 {
		msg += fmt.Sprintf("; not run: %s", strings.Join(dropped, ", "))
	}
	return msg
}

func lostNames(ls []Lost) string {
	var ns []string
	for _, l := range ls {
		ns = append(ns, l.Scenario)
	}
	return fmt.Sprintf("%d probe(s) lost: %s", len(ns), strings.Join(ns, ", "))
}

// short is the first line of err, trimmed to a readable length.
func short(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
