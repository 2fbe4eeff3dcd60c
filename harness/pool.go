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

// Pool runs probes with one isolation strategy, reusing tabs per page
// origin where the strategy allows. It is safe for concurrent use: each tab
// runs one probe at a time, and an origin gets up to TabsPerOrigin tabs when
// probes for it run concurrently.
type Pool struct {
	env  *Env
	mode Isolation
	seq  atomic.Int64
	// TabsPerOrigin bounds the tabs of one page origin (default 1: measured
	// on 2 cores, more tabs per origin made the demo matrix slower).
	TabsPerOrigin int

	mu    sync.Mutex
	lanes map[origins.Name]*lanes
}

// lanes are the tabs of one page origin; idle ones wait in the channel.
type lanes struct {
	idle chan *lane
	n    int
}

type lane struct {
	sess *Session
	// dirty is set after a probe that may have stored cookies: a
	// credentialed one, or one whose setup seeded cookies.
	dirty bool
}

// NewPool makes a pool with the given isolation.
func (e *Env) NewPool(mode Isolation) *Pool {
	return &Pool{env: e, mode: mode, TabsPerOrigin: 1, lanes: map[origins.Name]*lanes{}}
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
	l, err := p.acquire(ctx, probe.Page)
	if err != nil {
		return nil, err
	}
	defer p.release(probe.Page, l)
	if p.mode == ReusedTab {
		// Clear the jar only when an earlier probe may have filled it.
		if l.dirty {
			if err := l.sess.clearCookies(ctx); err != nil {
				return nil, err
			}
			l.dirty = false
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
	l.dirty = setup != nil || storedCookies(probe, o)
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

// acquire takes an idle tab of page, opens a new one while under the
// limit, or waits for one.
func (p *Pool) acquire(ctx context.Context, page origins.Name) (*lane, error) {
	p.mu.Lock()
	ls := p.lanes[page]
	if ls == nil {
		ls = &lanes{idle: make(chan *lane, max(p.TabsPerOrigin, 1))}
		p.lanes[page] = ls
	}
	select {
	case l := <-ls.idle:
		p.mu.Unlock()
		if l.sess.ctx.Err() == nil {
			return l, nil
		}
		return p.open(ctx, page, l) // the tab died (e.g. a crash): replace it
	default:
	}
	if ls.n < max(p.TabsPerOrigin, 1) {
		ls.n++
		p.mu.Unlock()
		return p.open(ctx, page, &lane{})
	}
	p.mu.Unlock()
	select {
	case l := <-ls.idle:
		if l.sess.ctx.Err() == nil {
			return l, nil
		}
		return p.open(ctx, page, l)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pool) open(ctx context.Context, page origins.Name, l *lane) (*lane, error) {
	s, err := p.env.NewSession(ctx, page)
	if err != nil {
		p.mu.Lock()
		p.lanes[page].n--
		p.mu.Unlock()
		return nil, err
	}
	l.sess, l.dirty = s, false
	return l, nil
}

func (p *Pool) release(page origins.Name, l *lane) {
	p.mu.Lock()
	ls := p.lanes[page]
	p.mu.Unlock()
	ls.idle <- l
}

// Close closes every reused tab.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ls := range p.lanes {
		for {
			select {
			case l := <-ls.idle:
				l.sess.Close()
				continue
			default:
			}
			break
		}
	}
	p.lanes = map[origins.Name]*lanes{}
}

// clearCookies empties the cookie jar of the session's browser context.
func (s *Session) clearCookies(ctx context.Context) error {
	runCtx, cancel := bounded(s.ctx, ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	if _, err := chromedp.Call(runCtx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		return fmt.Errorf("%w: clearing cookies: %v", ErrBrowser, err)
	}
	return nil
}
