package conformance

import (
	"fmt"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// AuthCookies: with credentials and auth cookies in the policy, Chrome must
// send the cookies and let the page read the response
// (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials).
var AuthCookies = &Kind{
	Name: "auth cookies", Group: "allowed",
	PerOrigin: func(g *generator, o string) {
		if !g.p.Credentials || len(g.p.Auth.Cookies) == 0 {
			return
		}
		s := g.scenario(o, "GET", g.p.Endpoints[0].Path, true, judge.Want{Outcome: judge.Readable})
		s.Column += " +cookies"
		s.Spec, s.Cookies = specCORSCheck, true
		g.add(s)
	},
	Hint: cookieHint,
}

// cookieHint names the cookie Chrome did not send and why; every
// credentialed scenario with auth cookies wants them sent.
func cookieHint(s Scenario, obs []*harness.Observation) string {
	o := obs[0]
	if !o.Readable() || len(s.Want().CookiesSent) == 0 || len(o.CookiesSent) > 0 {
		return ""
	}
	for _, c := range o.CookiesBlocked {
		return fmt.Sprintf("Chrome did not send cookie %s: %s; %s", c.Name, strings.Join(c.Reasons, ", "), cookieFix(c.Reasons))
	}
	return ""
}

// cookieFix is the fix for Chrome's reasons to withhold a cookie
// (network.CookieBlockedReason).
func cookieFix(reasons []string) string {
	for _, r := range reasons {
		if strings.Contains(r, "SameSite") {
			return "production Chrome withholds it from this cross-site page too: set the cookie SameSite=None; Secure (Partitioned too where third-party cookies are blocked), or serve the frontend same-site with the API"
		}
	}
	for _, r := range reasons {
		if strings.HasPrefix(r, "ThirdParty") || r == "UserPreferences" {
			return "third-party cookies are blocked (thirdPartyCookies: blocked, Chrome's default here): serve the frontend same-site with the API, or use a Partitioned cookie"
		}
	}
	return "check the cookie's Domain, Path and Secure attributes against the API's URL"
}
