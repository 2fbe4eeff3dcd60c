package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
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

// DefaultMaxTabs is how many lanes a pool keeps open: one per scenario
// group in flight (conformance.DefaultWorkers). Each lane is a renderer
// (~60-90 MB PSS), so the browser's memory is bounded by this, not by the
// number of page origins a policy has.
const DefaultMaxTabs = 2

// DefaultPerLane is how many probes a reused lane runs at once. A probe
// spends most of its time waiting for Chrome's IPC and the server; several
// in one page overlap those waits (measured with make bench).
const DefaultPerLane = 4

// Pool runs probes with one isolation strategy, reusing tabs where the
// strategy allows. It is safe for concurrent use. A probe takes a lane
// already showing its page origin that can take it; otherwise a new lane
// while fewer than MaxTabs are open; otherwise the idle lane released
// longest ago, navigated to the probe's page origin.
//
// A reused lane runs up to PerLane probes at once when they cannot affect
// each other: none may store or need cookies (no credentials "include", no
// setup), and their URLs differ (ReusedTab makes every URL unique), so
// neither Chrome's HTTP cache nor its preflight cache, both keyed by URL,
// is shared, and each probe's DevTools events are told apart by URL. A
// probe that may touch cookies runs alone on its lane.
type Pool struct {
	env  *Env
	mode Isolation
	seq  atomic.Int64
	// MaxTabs bounds the pool's open lanes (default DefaultMaxTabs). Set
	// it before the first Run.
	MaxTabs int
	// PerLane bounds the probes a lane runs at once (default
	// DefaultPerLane; FreshContext ignores it). Set it before the first Run.
	PerLane int

	mu   sync.Mutex
	idle []*lane // open lanes, oldest release first
	open int     // lanes open or being opened
	// opening counts the lanes being opened, by page origin.
	opening map[origins.Name]int
	freed   chan struct{}
	closed  bool
	stats   PoolStats
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
	// busy is how many probes run on the lane; alone says one of them
	// runs alone; urls are the URL keys of the probes running.
	busy  int
	alone bool
	urls  map[string]bool
	// queued counts probes waiting to run alone on the lane: no more
	// probes join it meanwhile.
	queued int
}

// NewPool makes a pool with the given isolation; "" means ReusedTab, the
// default (NoIsolation must be asked for: its verdicts depend on the probes
// before, through the HTTP cache and the cookie jar).
func (e *Env) NewPool(mode Isolation) *Pool {
	if mode == "" {
		mode = ReusedTab
	}
	return &Pool{env: e, mode: mode, MaxTabs: DefaultMaxTabs, PerLane: DefaultPerLane, freed: make(chan struct{})}
}

// Isolation is the pool's strategy.
func (p *Pool) Isolation() Isolation { return p.mode }

// Concurrency is how many probes of one page origin the pool can run at
// once on one lane: PerLane, or 1 for FreshContext.
func (p *Pool) Concurrency() int {
	if p.mode == FreshContext {
		return 1
	}
	return max(p.PerLane, 1)
}

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
		return p.run(ctx, s, probe, setup, false)
	}
	if p.mode == ReusedTab {
		u, err := url.Parse(probe.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: probe URL %q: %v", ErrProbe, probe.URL, err)
		}
		q := u.Query()
		q.Set(ProbeParam, strconv.FormatInt(p.seq.Add(1), 10))
		u.RawQuery = q.Encode()
		probe.URL = u.String()
	}
	alone := setup != nil || probe.Credentials == CredentialsInclude || p.Concurrency() == 1
	key := urlKey(probe.URL)
	l, err := p.acquire(ctx, probe.Page, alone, key)
	if err != nil {
		return nil, err
	}
	defer p.release(l, key)
	p.mu.Lock()
	dirty := l.dirty
	p.mu.Unlock()
	if p.mode == ReusedTab && dirty {
		// Clear the jar only when an earlier probe may have filled it;
		// acquire gives a dirty lane to one probe at a time.
		if err := l.sess.clearCookies(ctx); err != nil {
			return nil, err
		}
		p.mu.Lock()
		l.dirty = false
		p.stats.CookieClears++
		p.mu.Unlock()
	}
	o, err := p.run(ctx, l.sess, probe, setup, !alone)
	if setup != nil || storedCookies(probe, o) {
		p.mu.Lock()
		l.dirty = true
		p.mu.Unlock()
	}
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

func (p *Pool) run(ctx context.Context, s *Session, probe Probe, setup func(*Session) error, shared bool) (*Observation, error) {
	if setup != nil {
		if err := setup(s); err != nil {
			return nil, err
		}
	}
	o, err := s.run(ctx, probe, shared)
	if o != nil {
		o.Isolation = p.mode
	}
	return o, err
}

// admits reports whether l, showing the probe's page, can take the probe
// now; p.mu is held.
func (p *Pool) admits(l *lane, alone bool, key string) bool {
	if l.sess.ctx.Err() != nil {
		return false // its tab died; acquire drops it once its probes end
	}
	if l.busy == 0 {
		return true
	}
	return !alone && !l.alone && !l.dirty && l.queued == 0 && l.busy < p.Concurrency() && !l.urls[key]
}

// acquire takes a lane on page that admits the probe, opens a new lane
// while under MaxTabs, moves the longest-idle lane to page, or waits for a
// release.
func (p *Pool) acquire(ctx context.Context, page origins.Name, alone bool, key string) (*lane, error) {
	limit := max(p.MaxTabs, 1)
	var queuedOn *lane
	defer func() {
		if queuedOn != nil {
			p.mu.Lock()
			queuedOn.queued--
			p.mu.Unlock()
		}
	}()
	for {
		p.mu.Lock()
		// Lanes whose tab died (e.g. a renderer crash) are dropped.
		live := p.idle[:0]
		for _, l := range p.idle {
			if l.sess.ctx.Err() == nil || l.busy > 0 {
				live = append(live, l)
			} else {
				l.sess.Close()
				p.open--
			}
		}
		p.idle = live
		var onPage *lane
		for _, l := range p.idle {
			if l.sess.page.Name != page {
				continue
			}
			onPage = l
			if p.admits(l, alone, key) {
				p.take(l, alone, key)
				p.mu.Unlock()
				return l, nil
			}
		}
		if p.open < limit && p.opening[page] == 0 {
			p.open++
			p.stats.Opened++
			if p.opening == nil {
				p.opening = map[origins.Name]int{}
			}
			p.opening[page]++
			p.mu.Unlock()
			s, err := p.env.NewSession(ctx, page)
			p.mu.Lock()
			p.opening[page]--
			if err != nil {
				p.mu.Unlock()
				p.drop(nil)
				return nil, err
			}
			l := &lane{sess: s, urls: map[string]bool{}}
			p.idle = append(p.idle, l)
			p.take(l, alone, key)
			p.wake() // probes waiting for a lane on page may join it
			p.mu.Unlock()
			return l, nil
		}
		if onPage == nil && p.opening[page] == 0 {
			// The idle lane released longest ago moves to page.
			for _, l := range p.idle {
				if l.busy > 0 {
					continue
				}
				p.take(l, true, key)
				p.stats.Navigations++
				p.mu.Unlock()
				if err := l.sess.moveTo(ctx, page); err != nil {
					p.drop(l)
					return nil, lost(l.sess.browser, err, fmt.Sprintf("moving a tab to %q", page))
				}
				p.mu.Lock()
				l.alone = alone
				p.mu.Unlock()
				return l, nil
			}
		}
		if onPage != nil && alone && queuedOn == nil {
			// Wait for the lane on page to drain, holding new probes off it.
			queuedOn = onPage
			onPage.queued++
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

// take marks l as running a probe; p.mu is held.
func (p *Pool) take(l *lane, alone bool, key string) {
	l.busy++
	l.alone = l.alone || alone
	l.urls[key] = true
}

// drop closes l (nil: a lane that failed to open) and frees its slot.
func (p *Pool) drop(l *lane) {
	if l != nil {
		l.sess.Close()
	}
	p.mu.Lock()
	if l != nil {
		p.idle = slices.DeleteFunc(p.idle, func(x *lane) bool { return x == l })
	}
	p.open--
	p.wake()
	p.mu.Unlock()
}

// wake tells every waiting acquire to look again; p.mu is held.
func (p *Pool) wake() {
	close(p.freed)
	p.freed = make(chan struct{})
}

func (p *Pool) release(l *lane, key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l.busy--
	delete(l.urls, key)
	if l.busy > 0 {
		p.wake()
		return
	}
	l.alone = false
	p.idle = slices.DeleteFunc(p.idle, func(x *lane) bool { return x == l })
	if p.closed {
		l.sess.Close()
		p.open--
		return
	}
	p.idle = append(p.idle, l) // the most recently released last
	p.wake()
}

// Close closes every lane: idle ones now, busy ones when their last probe
// ends.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var busy []*lane
	for _, l := range p.idle {
		if l.busy > 0 {
			busy = append(busy, l)
			continue
		}
		l.sess.Close()
		p.open--
	}
	p.idle = busy
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
