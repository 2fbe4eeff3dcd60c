package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
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
	// ReusedTab keeps a few tabs ("lanes", each in its own browser context)
	// and moves a lane to another page origin by navigating it. Before each
	// probe it clears the context's cookies if an earlier probe may have
	// stored any (whatever origin that probe ran from), and gives the
	// request a unique "corsgate-probe" query parameter, so neither
	// Chrome's preflight cache nor its HTTP cache (both keyed by the full
	// URL) can answer from an earlier probe. The server sees the extra
	// query parameter.
	ReusedTab Isolation = "reused-tab"
	// NoIsolation reuses lanes the same way and clears nothing: a baseline
	// for benchmarks, never for verdicts.
	NoIsolation Isolation = "none"
)

// ProbeParam is the query parameter ReusedTab adds to every probe URL.
const ProbeParam = "corsgate-probe"

// DefaultMaxTabs is how many lanes a pool keeps open: one per scenario in
// flight (conformance.DefaultWorkers). Each lane is a renderer (~60-90 MB
// PSS), so the browser's memory is bounded by this, not by the number of
// page origins a policy has.
const DefaultMaxTabs = 2

// Pool runs probes with one isolation strategy, reusing tabs where the
// strategy allows. It is safe for concurrent use: each lane runs one probe
// at a time. A probe takes an idle lane already showing its page origin;
// otherwise a new lane while fewer than MaxTabs are open; otherwise the
// idle lane released longest ago, navigated to the probe's page origin.
type Pool struct {
	env  *Env
	mode Isolation
	seq  atomic.Int64
	// MaxTabs bounds the pool's open lanes (default DefaultMaxTabs). Set
	// it before the first Run.
	MaxTabs int

	mu     sync.Mutex
	idle   []*lane // oldest release first
	open   int     // lanes open or being opened
	freed  chan struct{}
	closed bool
	stats  PoolStats
}

// PoolStats counts what a pool did to keep probes isolated.
type PoolStats struct {
	// Opened is how many lanes (tab + browser context + page load) were
	// opened; Navigations how many times a lane moved to another page
	// origin; CookieClears how many times a lane's jar was emptied.
	Opened, Navigations, CookieClears int
}

type lane struct {
	sess *Session
	// dirty is set after a probe that may have stored cookies: a
	// credentialed one, or one whose setup seeded cookies. The next probe
	// on the lane, from any page origin, clears the jar first.
	dirty bool
}

// NewPool makes a pool with the given isolation.
func (e *Env) NewPool(mode Isolation) *Pool {
	return &Pool{env: e, mode: mode, MaxTabs: DefaultMaxTabs, freed: make(chan struct{})}
}

// Isolation is the pool's strategy.
func (p *Pool) Isolation() Isolation { return p.mode }

// Stats reports what the pool has done so far.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

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
	l, err := p.acquire(ctx, probe.Page)
	if err != nil {
		return nil, err
	}
	defer p.release(l)
	if p.mode == ReusedTab {
		// Clear the jar only when an earlier probe may have filled it.
		if l.dirty {
			if err := l.sess.clearCookies(ctx); err != nil {
				return nil, err
			}
			l.dirty = false
			p.count(func(s *PoolStats) { s.CookieClears++ })
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
	o, err := p.run(ctx, l.sess, probe, setup)
	l.dirty = l.dirty || setup != nil || storedCookies(probe, o)
	return o, err
}

// storedCookies reports whether the probe may have put cookies in the jar:
// only a credentialed request can (Set-Cookie is ignored otherwise,
// https://fetch.spec.whatwg.org/#concept-request-credentials-mode), and only
// if a response carried Set-Cookie. Redirect hops are not inspected, so a
// redirected credentialed probe counts as dirty.
func storedCookies(probe Probe, o *Observation) bool {
	if probe.Credentials != CredentialsInclude {
		return false
	}
	if o == nil || len(o.Actual.Redirects) > 0 {
		return true
	}
	return len(o.Actual.ResponseHeader("Set-Cookie")) > 0
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

func (p *Pool) count(f func(*PoolStats)) {
	p.mu.Lock()
	f(&p.stats)
	p.mu.Unlock()
}

// acquire takes an idle lane on page, opens a new lane while under
// MaxTabs, moves the longest-idle lane to page, or waits for a release.
func (p *Pool) acquire(ctx context.Context, page origins.Name) (*lane, error) {
	limit := max(p.MaxTabs, 1)
	for {
		p.mu.Lock()
		// Lanes whose tab died (e.g. a renderer crash) are dropped.
		live := p.idle[:0]
		for _, l := range p.idle {
			if l.sess.ctx.Err() == nil {
				live = append(live, l)
			} else {
				l.sess.Close()
				p.open--
			}
		}
		p.idle = live
		for i, l := range p.idle {
			if l.sess.page.Name == page {
				p.idle = append(p.idle[:i], p.idle[i+1:]...)
				p.mu.Unlock()
				return l, nil
			}
		}
		if p.open < limit {
			p.open++
			p.stats.Opened++
			p.mu.Unlock()
			s, err := p.env.NewSession(ctx, page)
			if err != nil {
				p.drop(nil)
				return nil, err
			}
			return &lane{sess: s}, nil
		}
		if len(p.idle) > 0 {
			l := p.idle[0]
			p.idle = p.idle[1:]
			p.stats.Navigations++
			p.mu.Unlock()
			if err := l.sess.moveTo(ctx, page); err != nil {
				p.drop(l)
				return nil, lost(l.sess.browser, err, fmt.Sprintf("moving a tab to %q", page))
			}
			return l, nil
		}
		freed := p.freed
		p.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// drop closes l (nil: a lane that failed to open) and frees its slot.
func (p *Pool) drop(l *lane) {
	if l != nil {
		l.sess.Close()
	}
	p.mu.Lock()
	p.open--
	p.wake()
	p.mu.Unlock()
}

// wake tells every waiting acquire to look again; p.mu is held.
func (p *Pool) wake() {
	close(p.freed)
	p.freed = make(chan struct{})
}

func (p *Pool) release(l *lane) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		l.sess.Close()
		p.open--
		return
	}
	p.idle = append(p.idle, l)
	p.wake()
}

// Close closes every lane: idle ones now, busy ones when their probe ends.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.idle {
		l.sess.Close()
		p.open--
	}
	p.idle = nil
	p.closed = true
}

// clearCookies empties the cookie jar of the session's browser context.
func (s *Session) clearCookies(ctx context.Context) error {
	runCtx, cancel := bounded(s.ctx, ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	if _, err := chromedp.Call(runCtx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		return lost(s.browser, fmt.Errorf("%w: clearing cookies: %v", ErrBrowser, err), "clearing cookies")
	}
	return nil
}

// moveTo loads page's probe page in the lane's tab with location.replace,
// so the page it leaves is no history entry: a browser-initiated
// navigation (Page.navigate, Session.Navigate) keeps the old page in the
// back/forward cache, and each cached page keeps its renderer process
// alive (measured: +6 renderers, +150 MB, after 6 origin changes). Then
// it checks that the page runs as page, as Session.load does.
func (s *Session) moveTo(ctx context.Context, page origins.Name) error {
	o, err := s.env.Origin(page)
	if err != nil {
		return err
	}
	target, _ := json.Marshal(o.PageURL())
	replace := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, runtime.Evaluate, runtime.EvaluateParams{Expression: "location.replace(" + string(target) + ")"})
		if err == nil && res.ExceptionDetails != nil {
			err = fmt.Errorf("location.replace: %s", res.ExceptionDetails.Text)
		}
		return err
	})
	if err := s.loadWith(ctx, o, func(c context.Context) (*network.Response, error) {
		return chromedp.RunResponse(c, replace)
	}); err != nil {
		return err
	}
	s.page = o
	return nil
}
