package harness

import (
	"context"
	"fmt"
	"net/url"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/publicsuffix"
)

// JarCookie is a cookie as a server would set it, to put in Chrome's jar
// for the API: its attributes decide, as in production, whether Chrome
// sends it (SameSite, Secure, third-party cookie policy, partitioning).
// A zero attribute is the attribute omitted: SameSite "" is what Chrome
// does with a cookie without SameSite (Lax by default), Path "" is "/",
// Domain "" a host-only cookie.
type JarCookie struct {
	Name, Value string
	SameSite    string // "Lax", "Strict", "None" or ""
	Secure      bool
	HTTPOnly    bool
	// Partitioned keys the cookie to the page's site (CHIPS); it is set
	// per page when seeded.
	Partitioned bool
	Domain      string
	Path        string
}

// SeedCookies puts cookies for target in the session's browser context, as
// a server's Set-Cookie would (Network.setCookies, never a request header).
// page is the top-level page's origin, the partition of a Partitioned
// cookie.
func (s *Session) SeedCookies(ctx context.Context, target, page string, cookies []JarCookie) error {
	var params []*network.CookieParam
	for _, c := range cookies {
		p := &network.CookieParam{Name: c.Name, Value: c.Value, URL: target, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: network.CookieSameSite(c.SameSite)}
		if p.Path == "" {
			p.Path = "/"
		}
		if c.Domain != "" {
			p.URL = "" // a domain cookie: Domain and Path say where it goes
			if u, err := url.Parse(target); err == nil && u.Scheme == "https" {
				p.SourceScheme = network.CookieSourceSchemeSecure
			}
		}
		if c.Partitioned {
			if page == "null" {
				continue // an opaque top-level page has no partition: the cookie cannot exist there
			}
			// Chrome keys the cookie by the top-level site and whether the
			// API is cross-site to it (a key that contradicts the URL is
			// dropped without an error: observed in Chromium 156).
			top := siteOf(page)
			p.PartitionKey = &network.CookiePartitionKey{TopLevelSite: top, HasCrossSiteAncestor: top != siteOf(target)}
		}
		params = append(params, p)
	}
	if len(params) == 0 {
		return nil
	}
	runCtx, cancel := bounded(s.ctx, ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	if _, err := chromedp.Call(runCtx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
		return lost(s.browser, fmt.Errorf("%w: setting %d cookie(s) for %s: %v", ErrBrowser, len(params), target, err), "setting cookies")
	}
	return nil
}

// JarCookies returns the cookies Chrome keeps for target in the session's
// browser context, with their attributes: what a login's Set-Cookie left.
func (s *Session) JarCookies(ctx context.Context, target string) ([]JarCookie, error) {
	runCtx, cancel := bounded(s.ctx, ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	res, err := chromedp.Call(runCtx, network.GetCookies, network.GetCookiesParams{URLs: []string{target + "/"}})
	if err != nil {
		return nil, lost(s.browser, fmt.Errorf("%w: reading the cookies of %s: %v", ErrBrowser, target, err), "reading cookies")
	}
	var out []JarCookie
	for _, c := range res.Cookies {
		j := JarCookie{Name: c.Name, Value: c.Value, SameSite: string(c.SameSite), Secure: c.Secure, HTTPOnly: c.HTTPOnly, Path: c.Path, Partitioned: c.PartitionKey != nil}
		if len(c.Domain) > 0 && c.Domain[0] == '.' {
			j.Domain = c.Domain[1:]
		}
		out = append(out, j)
	}
	return out, nil
}

// siteOf is the schemeful site of an origin, as Chrome writes a partition
// key: scheme://registrable-domain (public suffix list).
func siteOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return origin
	}
	host := u.Hostname()
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		host = d
	}
	return u.Scheme + "://" + host
}
