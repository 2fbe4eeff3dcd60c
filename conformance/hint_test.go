package conformance

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

func TestHint(t *testing.T) {
	const evil = "https://attackerexample.com"
	allowed := one(Allowed, "https://app.example.com", judge.Want{Outcome: judge.Readable})
	refused := one(RefusedOrigin, evil, judge.Want{Outcome: judge.Blocked})
	exposeScenario := one(Exposure, "https://app.example.com", judge.Want{Outcome: judge.Readable, Readable: []string{"X-Request-Id"}})
	cookieScenario := one(AuthCookies, "https://app.example.com", judge.Want{Outcome: judge.Readable, CookiesSent: []string{"session"}})
	cookieScenario.Cookies = true
	cache := cacheScenario()
	vary := varyScenario()

	preflightStatus := func(status int) *harness.Observation {
		return withPreflight(blocked(network.CorsErrorPreflightMissingAllowOriginHeader, 0), status)
	}
	mismatch := func(param string) *harness.Observation {
		o := blocked(network.CorsErrorAllowOriginMismatch, 200)
		o.FailedParameter = param
		o.Actual.ResponseHeaders = []harness.Header{{Name: "Access-Control-Allow-Origin", Value: param}}
		return o
	}
	methodRefused := withPreflight(blocked(network.CorsErrorMethodDisallowedByPreflightResponse, 0), 204)
	methodRefused.FailedParameter = "PUT"
	headerRefused := withPreflight(blocked(network.CorsErrorHeaderDisallowedByPreflightResponse, 0), 204)
	headerRefused.FailedParameter = "authorization"
	cookieBlocked := readable(200)
	cookieBlocked.CookiesBlocked = []harness.Cookie{{Name: "session", Reasons: []string{"UserPreferences"}, Direction: "request"}}

	tests := []struct {
		name string
		s    Scenario
		obs  []*harness.Observation
		want string // substring of the hint; "" means no hint
	}{
		{"preflight 401", allowed, []*harness.Observation{preflightStatus(401)}, "preflight got 401"},
		{"preflight 405", allowed, []*harness.Observation{preflightStatus(405)}, "preflight got 405"},
		{"preflight 404", allowed, []*harness.Observation{preflightStatus(404)}, "preflight got 404"},
		{"preflight 403", allowed, []*harness.Observation{preflightStatus(403)}, "preflight got 403"},
		{"preflight 302", allowed, []*harness.Observation{preflightStatus(302)}, "preflight was redirected"},
		{"preflight 308", allowed, []*harness.Observation{preflightStatus(308)}, "preflight was redirected"},
		{"preflight 204 without CORS headers", allowed, []*harness.Observation{preflightStatus(204)}, "layer that answers OPTIONS does not add CORS headers"},
		{"preflight 500 passing CORS", allowed, []*harness.Observation{withPreflight(blocked(network.CorsErrorPreflightInvalidStatus, 0), 500)}, "not 2xx"},
		{"multiple allow-origin values", allowed, []*harness.Observation{blocked(network.CorsErrorMultipleAllowOriginValues, 200)}, "two layers add Access-Control-Allow-Origin"},
		{"multiple allow-origin values on the preflight", allowed, []*harness.Observation{withPreflight(blocked(network.CorsErrorPreflightMultipleAllowOriginValues, 0), 204)}, "two layers add Access-Control-Allow-Origin"},
		{"allow-origin with trailing slash", allowed, []*harness.Observation{mismatch("https://app.example.com/")}, "trailing slash"},
		{"allow-origin fixed to another origin", allowed, []*harness.Observation{mismatch("https://other.example.com")}, "fixed Access-Control-Allow-Origin"},
		{"wildcard with credentials", allowed, []*harness.Observation{blocked(network.CorsErrorWildcardOriginNotAllowed, 200)}, "cannot be used with credentials"},
		{"wildcard with credentials on the preflight", allowed, []*harness.Observation{withPreflight(blocked(network.CorsErrorPreflightWildcardOriginNotAllowed, 0), 204)}, "cannot be used with credentials"},
		{"allow-credentials missing", allowed, []*harness.Observation{blocked(network.CorsErrorInvalidAllowCredentials, 200)}, "Access-Control-Allow-Credentials: true"},
		{"method not allowed", allowed, []*harness.Observation{methodRefused}, "add PUT to Access-Control-Allow-Methods"},
		{"header not allowed", allowed, []*harness.Observation{headerRefused}, "add authorization to Access-Control-Allow-Headers"},
		{"no CORS headers on a 404", allowed, []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 404)}, "the 404 response has no CORS headers: add them on error responses too"},
		{"no CORS headers on a 200", allowed, []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 200)}, "did not send Access-Control-Allow-Origin for https://app.example.com"},
		{"lookalike readable", refused, []*harness.Observation{readable(200)}, "lets " + evil + " in"},
		{"vary second blocked", vary, []*harness.Observation{readable(200), blocked(network.CorsErrorAllowOriginMismatch, 200)}, "Vary: Origin"},
		{"cached preflight without max-age", cache, []*harness.Observation{withPreflight(readable(200), 204), withPreflight(readable(200), 204)}, "Access-Control-Max-Age"},
		{"cached preflight re-sent with max-age", cache, []*harness.Observation{withPreflight(readable(200), 204, "Access-Control-Max-Age", "600"), withPreflight(readable(200), 204, "Access-Control-Max-Age", "600")}, "Chrome re-sent the preflight"},
		{"exposed header missing", exposeScenario, []*harness.Observation{readable(200)}, "list X-Request-Id in Access-Control-Expose-Headers"},
		{"cookie blocked", cookieScenario, []*harness.Observation{cookieBlocked}, "did not send cookie session: UserPreferences"},
		{"nothing recognisable", allowed, []*harness.Observation{blocked(network.CorsErrorInvalidResponse, 200)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Hint(tt.s, tt.obs)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("Hint(%s): got %q; want none", tt.name, got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("Hint(%s): got %q; want it to mention %q", tt.name, got, tt.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("Hint(%s): got %q; want one line", tt.name, got)
			}
		})
	}
}

// A preflight status outranks Chrome's CorsError: a 401 preflight without
// CORS headers is reported as PreflightMissingAllowOriginHeader.
func TestHintPreflightStatusBeforeCorsError(t *testing.T) {
	s := one(Allowed, "https://app.example.com", judge.Want{Outcome: judge.Readable})
	o := withPreflight(blocked(network.CorsErrorPreflightMissingAllowOriginHeader, 0), 401)
	if got := Hint(s, []*harness.Observation{o}); strings.Contains(got, "layer that answers OPTIONS") || !strings.Contains(got, "401") {
		t.Errorf("Hint(401 preflight, PreflightMissingAllowOriginHeader): got %q; want the 401 hint", got)
	}
}
