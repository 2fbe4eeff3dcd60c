// Package runner runs probe jobs in Chrome for a conformance run: a few at
// a time, one page origin per worker (batch.go), and it survives a browser
// that dies mid-run (lost.go). It knows nothing of policies or verdicts.
package runner

import (
	"context"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/origins"
)

// Job is one scenario's probes: Probe (Page set, URL relative to the
// target) sent from each of Pages in turn. One page is an isolated probe;
// several are a sequence in one fresh browser context of its own.
type Job struct {
	// Name is unique in a batch.
	Name  string
	Probe harness.Probe
	// Pages are the page origins of the steps; empty means Probe.Page once.
	Pages []origins.Name
	// SeedCookies seeds Runner.Cookies before the first probe.
	SeedCookies bool
}

// Sequence reports whether j runs several probes in one browser context.
func (j Job) Sequence() bool { return len(j.Pages) > 1 }

func (j Job) pages() []origins.Name {
	if len(j.Pages) == 0 {
		return []origins.Name{j.Probe.Page}
	}
	return j.Pages
}

// Runner runs jobs against one target.
type Runner struct {
	Env    *harness.Env
	Target string
	// Cookies are seeded, with their attributes, before the probe of a job
	// with SeedCookies.
	Cookies []harness.JarCookie
	// Pool runs single-probe scenarios; nil means a fresh browser context
	// each. Sequences always get a fresh context of their own.
	Pool *harness.Pool
	// MaxRestarts is how many times a run may restart a browser that
	// died mid-run (the lost probes run again in the new one); 0 stops
	// the run at the first death with ErrBrowserDied.
	MaxRestarts int

	crashes crashes
}

// Run performs j and returns Chrome's observations (one per page of a
// sequence). A browser death is never a verdict: see runSurviving.
func (r *Runner) Run(ctx context.Context, j Job) ([]*harness.Observation, error) {
	return r.runSurviving(ctx, j)
}

func (r *Runner) run(ctx context.Context, j Job) ([]*harness.Observation, error) {
	p := j.Probe
	p.URL = r.Target + p.URL
	var seed func(*harness.Session) error
	if j.SeedCookies {
		seed = func(sess *harness.Session) error {
			return sess.SeedCookies(ctx, r.Target, sess.Page().Serialize(), r.Cookies)
		}
	}
	if !j.Sequence() && r.Pool != nil {
		o, err := r.Pool.Run(ctx, p, seed)
		if err != nil {
			return nil, err
		}
		return []*harness.Observation{o}, nil
	}
	sess, err := r.Env.NewSession(ctx, p.Page)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if seed != nil {
		if err := seed(sess); err != nil {
			return nil, err
		}
	}
	var obs []*harness.Observation
	for _, page := range j.pages() {
		if page != p.Page {
			p.Page = page
			if err := sess.Navigate(ctx, p.Page); err != nil {
				return nil, err
			}
		}
		o, err := sess.Run(ctx, p)
		if err != nil {
			return nil, err
		}
		obs = append(obs, o)
	}
	return obs, nil
}
