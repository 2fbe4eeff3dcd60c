package harness

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/corsgate/corsgate/origins"
)

// SetCookies stores cookies for target in the session's browser context, as
// if the user had logged in: it puts them in the cookie jar, it does not
// inject request headers, so Chrome still decides whether to send them
// (SameSite, third-party cookie policy). Secure, SameSite=None cookies on
// https targets, Lax on http ones (None requires Secure).
func (s *Session) SetCookies(ctx context.Context, target string, cookies []Header) error {
	var params []*network.CookieParam
	secure := strings.HasPrefix(target, "https://")
	for _, c := range cookies {
		p := &network.CookieParam{Name: c.Name, Value: c.Value, URL: target, Path: "/", HTTPOnly: true, Secure: secure}
		if secure {
			p.SameSite = network.CookieSameSiteNone
		} else {
			p.SameSite = network.CookieSameSiteLax
		}
		params = append(params, p)
	}
	runCtx, cancel := bounded(s.ctx, ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	if _, err := chromedp.Call(runCtx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
		return lost(s.browser, fmt.Errorf("%w: setting %d cookie(s) for %s: %v", ErrBrowser, len(params), target, err), "setting cookies")
	}
	return nil
}

// Navigate loads the probe page of another origin in the same tab and
// browser context, keeping cookies, the HTTP cache and the preflight cache:
// what a user does when moving between two frontends.
func (s *Session) Navigate(ctx context.Context, page origins.Name) error {
	o, err := s.env.Origin(page)
	if err != nil {
		return err
	}
	if err := s.load(ctx, o); err != nil {
		return lost(s.browser, err, fmt.Sprintf("navigating to %q", page))
	}
	s.page = o
	return nil
}
