package harness

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/corsgate/corsgate/origins"
)

// Isolation is how a probe is kept independent of the probes before it.
type Isolation string

// The isolation strategies.
const (
	// FreshContext opens a new browser context per probe: nothing is
	// shared, at the cost of a tab and a page load (~0.5 s).
	FreshContext Isolation = "fresh-context"
	// ReusedTab keeps one tab per page origin and, before each probe,
	// clears the context's cookies and gives the request a unique
	// "corsgate-probe" query parameter, so neither Chrome's preflight cache
	// nor its HTTP cache (both keyed by the full URL) can answer from an
	// earlier probe. The server sees the extra query parameter.
	ReusedTab Isolation = "reused-tab"
	// NoIsolation keeps one tab per page origin and clears nothing: a
	// baseline for benchmarks, never for verdicts.
	NoIsolation Isolation = "none"
)

// ProbeParam is the query parameter ReusedTab adds to every probe URL.
const ProbeParam = "corsgate-probe"

// Pool runs probes with one isolation strategy, reusing a tab per page
// origin where the strategy allows. It is safe for concurrent use; probes
// for the same origin run one at a time.
type Pool struct {
	env  *Env
	mode Isolation
	seq  atomic.Int64

	mu    sync.Mutex
	lanes map[origins.Name]*lane
}

type lane struct {
	mu   sync.Mutex
	sess *Session
}

// NewPool makes a pool with the given isolation.
func (e *Env) NewPool(mode Isolation) *Pool {
	return &Pool{env: e, mode: mode, lanes: map[origins.Name]*lane{}}
}

// Isolation is the pool's strategy.
func (p *Pool) Isolation() Isolation { return p.mode }

// Run performs probe. setup, when not nil, runs on the session right before
// the probe (after the isolation reset), e.g. to seed auth cookies.
func (p *Pool) Run(ctx context.Context, probe Probe, setup func(*Session) error) (*Observation, error) {
	if p.mode == FreshContext {
		s, err := p.env.NewSession(ctx, probe.Page)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		return p.run(ctx, s, probe, setup)
	}
	l := p.lane(probe.Page)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sess == nil || l.sess.ctx.Err() != nil {
		s, err := p.env.NewSession(ctx, probe.Page)
		if err != nil {
			return nil, err
		}
		l.sess = s
	}
	if p.mode == ReusedTab {
		if err := l.sess.clearCookies(ctx); err != nil {
			return nil, err
		}
		u, err := url.Parse(probe.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: probe URL %q: %v", ErrProbe, probe.URL, err)
		}
		q := u.Query()
		q.Set(ProbeParam, strconv.FormatInt(p.seq.Add(1), 10))
		u.RawQuery = q.Encode()
		probe.URL = u.String()
	}
	return p.run(ctx, l.sess, probe, setup)
}

func (p *Pool) run(ctx context.Context, s *Session, probe Probe, setup func(*Session) error) (*Observation, error) {
	if setup != nil {
		if err := setup(s); err != nil {
			return nil, err
		}
	}
	o, err := s.Run(ctx, probe)
	if o != nil {
		o.Isolation = p.mode
	}
	return o, err
}

func (p *Pool) lane(page origins.Name) *lane {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lanes[page] == nil {
		p.lanes[page] = &lane{}
	}
	return p.lanes[page]
}

// Close closes every reused tab.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lanes {
		if l.sess != nil {
			l.sess.Close()
		}
	}
	p.lanes = map[origins.Name]*lane{}
}

// clearCookies empties the cookie jar of the session's browser context.
func (s *Session) clearCookies(ctx context.Context) error {
	runCtx, cancel := context.WithTimeout(s.ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if _, err := chromedp.Call(runCtx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		return fmt.Errorf("%w: clearing cookies: %v", ErrBrowser, err)
	}
	return nil
}
