package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/corsgate/corsgate/origins"
)

// bodyLimit is how much of a response body an observation keeps.
const bodyLimit = 2048

// Session is one page of one origin in its own browser context: cookies, the
// HTTP cache and Chrome's preflight cache are its own and are shared by the
// probes run in it, in order. Use it deliberately for preflight-cache, Vary
// and cookie sequences; Env.Run isolates every probe.
type Session struct {
	env  *Env
	page origins.Origin
	// browser is the root context of the browser the tab lives in: when
	// it ends, the browser died (Browser.Restart makes a new one).
	browser context.Context
	ctx     context.Context
	cancel  context.CancelFunc
	rec     *recorder
	// granted are the Local Network Access permissions set in the
	// session's browser context, for the origin grantedTo.
	granted   []Permission
	grantedTo string
}

// Run performs one probe in a fresh browser context, so its verdict does not
// depend on any probe before it (no shared cookies, HTTP cache or preflight
// cache).
func (e *Env) Run(ctx context.Context, p Probe) (*Observation, error) {
	s, err := e.NewSession(ctx, p.Page)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Run(ctx, p)
}

// NewSession opens the probe page of the named origin in a new browser
// context. When the browser dies meanwhile, the error wraps ErrBrowserLost.
func (e *Env) NewSession(ctx context.Context, page origins.Name) (*Session, error) {
	browser := e.Browser.context()
	s, err := e.openSession(ctx, browser, page)
	if err != nil {
		return nil, lost(browser, err, fmt.Sprintf("opening a tab for %q", page))
	}
	return s, nil
}

// lost wraps err in ErrBrowserLost when the browser behind browserCtx died:
// what failed is then the browser, not the page or the probe.
func lost(browserCtx context.Context, err error, doing string) error {
	if err == nil || browserCtx.Err() == nil || errors.Is(err, ErrBrowserLost) {
		return err
	}
	return fmt.Errorf("%w while %s: %v", ErrBrowserLost, doing, err)
}

func (e *Env) openSession(ctx, browser context.Context, page origins.Name) (*Session, error) {
	o, err := e.Origin(page)
	if err != nil {
		return nil, err
	}
	if browser.Err() != nil {
		return nil, fmt.Errorf("%w before a tab for %q could open", ErrBrowserLost, page)
	}
	rec := newRecorder()
	tabCtx, cancel := chromedp.NewContext(browser,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(rec.listen),
	)
	s := &Session{env: e, page: o, browser: browser, ctx: tabCtx, cancel: cancel, rec: rec}
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	if err := chromedp.Do(tabCtx); err != nil {
		cancel()
		return nil, fmt.Errorf("%w: opening a tab: %v", ErrBrowser, err)
	}
	// chromedp enables Network, Log and Runtime; Audits carries the CORS
	// issues and must be enabled by us.
	if _, err := chromedp.Call(tabCtx, audits.Enable, cdp.Empty{}); err != nil {
		cancel()
		return nil, fmt.Errorf("%w: enabling Audits: %v", ErrBrowser, err)
	}
	// The harness never queries the DOM or styles; chromedp enables both on
	// attach, and they make Chrome report every document change.
	for _, disable := range []cdp.Command[cdp.Empty, cdp.Empty]{css.Disable, dom.Disable} {
		if _, err := chromedp.Call(tabCtx, disable, cdp.Empty{}); err != nil {
			cancel()
			return nil, fmt.Errorf("%w: %s: %v", ErrBrowser, disable.Method, err)
		}
	}
	if err := s.load(ctx, o); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// load navigates the tab to o's probe page and checks that the page runs
// as o.
func (s *Session) load(ctx context.Context, o origins.Origin) error {
	return s.loadWith(ctx, o, func(c context.Context) (*network.Response, error) {
		return chromedp.Run(c, chromedp.NavigateResponse(o.PageURL()))
	})
}

// loadWith loads o's probe page by nav, which returns the document's
// response, and checks that the page runs as o.
func (s *Session) loadWith(ctx context.Context, o origins.Origin, nav func(context.Context) (*network.Response, error)) error {
	loadCtx, loadCancel := bounded(s.ctx, ctx, s.env.cfg.ProbeTimeout)
	defer loadCancel()
	resp, err := nav(loadCtx)
	if err == nil && resp != nil && resp.Status != 200 {
		err = fmt.Errorf("status %d", resp.Status)
	}
	if err != nil {
		return s.env.remoteHint(fmt.Errorf("%w: loading %s for origin %q: %v", ErrPage, o.PageURL(), o.Name, err))
	}
	return s.env.remoteHint(s.runsAs(loadCtx, o))
}

// runsAs checks that the page in the tab is o's probe page and runs as o.
func (s *Session) runsAs(ctx context.Context, o origins.Origin) error {
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__corsgate.origin`))
	if err != nil {
		return fmt.Errorf("%w: the page of origin %q has no probe runner: %v", ErrPage, o.Name, err)
	}
	if got != o.Serialize() {
		return fmt.Errorf("%w: the page of origin %q runs as %q; want %q (check the host resolver rules)", ErrPage, o.Name, got, o.Serialize())
	}
	return nil
}

// Page is the session's origin.
func (s *Session) Page() origins.Origin { return s.page }

// Close closes the tab and disposes of its browser context.
func (s *Session) Close() { s.cancel() }

// jsProbe is the probe as the page's runner takes it.
type jsProbe struct {
	URL         string      `json:"url"`
	Method      string      `json:"method"`
	Headers     [][2]string `json:"headers"`
	Body        *string     `json:"body"`
	Credentials Credentials `json:"credentials"`
	Mode        string      `json:"mode"`
	Cache       string      `json:"cache"`
	Redirect    string      `json:"redirect"`
	API         API         `json:"api"`
	TimeoutMs   int64       `json:"timeoutMs"`
	BodyLimit   int         `json:"bodyLimit"`
}

// Run performs p from the session's page and waits, without sleeping, until
// Chrome has reported everything about it.
func (s *Session) Run(ctx context.Context, p Probe) (*Observation, error) {
	return s.run(ctx, p, false)
}

// run is Run; shared says other probes may run in the tab meanwhile (a
// shared pool lane), so only the events of p's own request count.
func (s *Session) run(ctx context.Context, p Probe, shared bool) (*Observation, error) {
	if p.Page == "" {
		p.Page = s.page.Name
	}
	if p.Page != s.page.Name {
		return nil, fmt.Errorf("%w: probe page %q differs from the session's origin %q; open a session for it", ErrProbe, p.Page, s.page.Name)
	}
	p, err := p.withDefaults(s.env.cfg.ProbeTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProbe, err)
	}
	jp := jsProbe{
		URL: p.URL, Method: p.Method, Headers: [][2]string{}, Credentials: p.Credentials,
		Mode: p.Mode, Cache: p.Cache, Redirect: p.Redirect, API: p.API,
		TimeoutMs: p.Timeout.Milliseconds(), BodyLimit: bodyLimit,
	}
	for _, h := range p.Headers {
		jp.Headers = append(jp.Headers, [2]string{h.Name, h.Value})
	}
	if p.Body != "" {
		jp.Body = &p.Body
	}
	arg, err := json.Marshal(jp)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding %s: %v", ErrProbe, p, err)
	}

	if err := s.grant(ctx, p.Grant); err != nil {
		return nil, err
	}

	// The page aborts the request at p.Timeout; the context is a backstop
	// that also bounds waiting for the DevTools events.
	runCtx, cancel := bounded(s.ctx, ctx, p.Timeout+5*time.Second)
	defer cancel()

	start := time.Now()
	mark := s.rec.mark()
	js, err := chromedp.Run(runCtx, chromedp.Evaluate[JSResult](
		"window.__corsgate.run("+string(arg)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("harness: probe %s cancelled: %w", p, ctx.Err())
		}
		if s.browser.Err() != nil || errors.Is(err, chromedp.ErrTargetDetached) {
			return nil, fmt.Errorf("%w during probe %s: %v", ErrBrowserLost, p, err)
		}
		return nil, fmt.Errorf("%w: running probe %s in the page of %q: %v", ErrPage, p, s.page.Name, err)
	}

	obs := s.settle(runCtx, mark, p, js, shared)
	if len(obs.Incomplete) > 0 && s.browser.Err() != nil {
		// Evidence missing because the browser died is no verdict.
		return nil, fmt.Errorf("%w while probe %s was settling", ErrBrowserLost, p)
	}
	obs.Elapsed = time.Since(start)
	return obs, nil
}

// settle waits until the hard evidence (terminal events of every request) is
// in, then up to Grace for the soft evidence (console line, audit issue, raw
// headers), re-assembling the observation each time an event arrives.
func (s *Session) settle(ctx context.Context, mark int, p Probe, js JSResult, shared bool) *Observation {
	var graceC <-chan time.Time
	for {
		changed := s.rec.changed()
		obs, hard, soft := assemble(s.rec.since(mark), p, s.page.Serialize(), js, shared)
		obs.PageURL = s.page.PageURL()
		obs.Browser = s.env.Browser.Version
		obs.ThirdPartyCookies = s.env.Browser.ThirdPartyCookies
		obs.LocalNetwork.Page, obs.LocalNetwork.Target = s.env.PageSpace(s.page.Name), s.env.TargetSpace(p.URL)
		obs.LocalNetwork.Granted = s.granted
		if len(hard) == 0 && len(soft) == 0 {
			return obs
		}
		if len(hard) == 0 && graceC == nil {
			graceC = time.After(s.env.cfg.Grace)
		}
		select {
		case <-changed:
		case <-graceC:
			obs.Incomplete = soft
			return obs
		case <-ctx.Done():
			obs.Incomplete = append(hard, soft...)
			return obs
		}
	}
}

// bounded derives a context from parent (a tab or the browser) that ends
// after d, or as soon as the caller's ctx ends, whichever comes first.
func bounded(parent, ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithTimeout(parent, d)
	stop := context.AfterFunc(ctx, cancel)
	return c, func() { stop(); cancel() }
}
