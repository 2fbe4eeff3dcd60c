package lab

import (
	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// Probes reused across entries.
var (
	getFrom = func(page string) harness.Probe {
		return harness.Probe{Page: nameOf(page), URL: "/api/orders"}
	}
	credentialedGetFrom = func(page string) harness.Probe {
		return harness.Probe{Page: nameOf(page), URL: "/api/orders", Credentials: harness.CredentialsInclude}
	}
	// A JSON POST forces a preflight (application/json is not a safelisted
	// Content-Type). POST, not PUT: IIS's default extensionless handler takes
	// only GET, HEAD, POST and DEBUG.
	jsonPostFrom = func(page string) harness.Probe {
		return harness.Probe{Page: nameOf(page), URL: "/api/orders", Method: "POST",
			Headers: []harness.Header{{Name: "Content-Type", Value: "application/json"}}, Body: `{"qty":2}`,
			Credentials: harness.CredentialsInclude}
	}
)

// anonJSONPostFrom is jsonPostFrom without credentials.
func anonJSONPostFrom(page string) harness.Probe {
	p := jsonPostFrom(page)
	p.Credentials = harness.CredentialsOmit
	return p
}

const (
	corsCheck  = "Fetch: CORS check (https://fetch.spec.whatwg.org/#cors-check)"
	preflight  = "Fetch: CORS-preflight fetch needs an ok status, 200-299 (https://fetch.spec.whatwg.org/#cors-preflight-fetch)"
	anyStatus  = "Fetch: an actual response that passes the CORS check is readable whatever its status (https://fetch.spec.whatwg.org/#http-fetch)"
	securityIs = "SECURITY: a lookalike origin can read the response"
	exposure   = "Fetch: only CORS-safelisted response headers and those in Access-Control-Expose-Headers are readable (https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name)"
)

// Catalogue is every lab configuration, mistakes first, each followed by or
// pointing at its correct counterpart; the intranet configurations last.
var Catalogue = append(catalogue, intranetEntries...)

var catalogue = []Entry{
	{
		Config:  "customheaders-wildcard-with-credentials.config",
		Mistake: `customHeaders send "Access-Control-Allow-Origin: *" together with "Access-Control-Allow-Credentials: true"`,
		Fix:     "Send one exact origin (the CORS module's <add origin=\"https://app.example.com\" allowCredentials=\"true\">), never * with credentials",
		Checks: []Check{
			{Name: "credentialed request refused", Probe: credentialedGetFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorWildcardOriginNotAllowed}, Why: corsCheck + ", step 3: * is refused when credentials mode is include"},
			{Name: "anonymous request allowed", Probe: getFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200},
				Why: corsCheck + ", step 3: * allows any origin without credentials"},
		},
	},
	{
		Config:  "customheaders-wildcard.config",
		Mistake: `(correct for public data) customHeaders send "Access-Control-Allow-Origin: *"`,
		Fix:     "Fine for anonymous public data; credentialed calls need an exact origin",
		Checks: []Check{
			{Name: "any origin reads anonymous data", Probe: getFrom(Lookalike), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: corsCheck + ", step 3"},
			{Name: "credentialed requests are refused", Probe: credentialedGetFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorWildcardOriginNotAllowed}, Why: corsCheck + ", step 3"},
		},
	},
	{
		Config:  "customheaders-stock-options-handler.config",
		Mistake: "(correct on a stock IIS) the customHeaders block alone: the inherited OPTIONSVerbHandler answers the preflight 200 and customHeaders put the CORS headers on it",
		Fix:     "—",
		Checks: []Check{
			{Name: "the preflight passes on OPTIONSVerbHandler's 200", Probe: anonJSONPostFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: preflight},
			{Name: "another origin sees the static value", Probe: getFrom(Admin),
				Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: App}, Why: corsCheck + ", step 4"},
		},
	},
	{
		Config:  "customheaders-no-options-handler.config",
		Mistake: `<remove name="OPTIONSVerbHandler"/> drops the handler a stock IIS answers OPTIONS with: StaticFile answers the preflight 405`,
		Fix:     `Delete the <remove name="OPTIONSVerbHandler"/> (a stock IIS then answers OPTIONS 200), or let the CORS module answer preflights`,
		Checks: []Check{
			{Name: "preflight refused with 405", Probe: anonJSONPostFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorPreflightInvalidStatus}, Why: preflight},
			{Name: "simple requests still work", Probe: getFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200},
				Why: "Fetch: CORS-safelisted requests need no preflight (https://fetch.spec.whatwg.org/#cors-safelisted-method)"},
		},
	},
	{
		Config:  "app-level-cors.config",
		App:     AppLevelCORS,
		Mistake: "CORS headers are added by the application and missing on its error responses",
		Fix:     "Add the CORS headers where every response passes (the CORS module or customHeaders), so errors are readable too",
		Checks: []Check{
			{Name: "the success route is readable", Probe: credentialedGetFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: corsCheck},
			{Name: "the error route is not", Probe: harness.Probe{Page: nameOf(App), URL: "/api/orders/error", Credentials: harness.CredentialsInclude},
				Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorMissingAllowOriginHeader},
				Why:  corsCheck + ", step 2: the 500 has no Access-Control-Allow-Origin, so JavaScript gets TypeError instead of the error"},
		},
	},
	{
		Config:  "customheaders-trailing-slash.config",
		Mistake: "The allowed origin was copied with a trailing slash: https://app.example.com/",
		Fix:     "Write the origin as the browser serializes it: scheme://host[:port], no path, no trailing slash",
		Checks: []Check{
			{Name: "the real origin is refused", Probe: getFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: App + "/"},
				Why: corsCheck + ", step 4: byte-for-byte comparison with the serialized origin"},
		},
	},
	{
		Config:  "customheaders-exact-origin-options-handler.config",
		Mistake: "(correct for one origin) static exact origin; the <remove>/<add> of OPTIONSVerbHandler re-adds what IIS already has; Max-Age 86400 is capped by Chrome at 7200",
		Fix:     "Fine for a single origin without credentials; use the CORS module for several origins",
		Checks: []Check{
			{Name: "the listed origin passes preflight", Probe: anonJSONPostFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: preflight},
			{Name: "a second request within Max-Age uses Chrome's preflight cache", Probe: anonJSONPostFrom(App), Twice: true,
				Want: judge.Want{Outcome: judge.Readable, Status: 200},
				Why:  "Fetch: CORS-preflight cache (https://fetch.spec.whatwg.org/#cors-preflight-cache); Chrome caps Max-Age at 7200 s (services/network/cors/preflight_result.cc), so 86400 acts as 2 h"},
			{Name: "the error route stays readable: customHeaders are on every response", Probe: harness.Probe{Page: nameOf(App), URL: "/api/orders/error"},
				Want: judge.Want{Outcome: judge.Readable, Status: 500}, Why: anyStatus},
			{Name: "another origin sees the static value", Probe: getFrom(Admin), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: App}, Why: corsCheck + ", step 4"},
		},
	},
	{
		Config:  "cors-module-with-customheaders.config",
		Mistake: "customHeaders left in place after enabling the CORS module: two Access-Control-Allow-Origin lines",
		Fix:     "Remove the Access-Control-* entries from <customHeaders> when the <cors> section is on",
		Checks: []Check{
			{Name: "duplicate header refused", Probe: getFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorMultipleAllowOriginValues, FailedParameter: App + ", " + App},
				Why: corsCheck + ": the two lines combine into one value with a comma, which is not an origin"},
		},
	},
	{
		Config:  "cors-module-exact-origins.config",
		Mistake: "(correct) CORS module with exact origins, credentials and failUnlistedOrigins",
		Fix:     "—",
		Checks: []Check{
			{Name: "listed origin, credentialed JSON POST", Probe: jsonPostFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: preflight},
			{Name: "second listed origin", Probe: credentialedGetFrom(Admin), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: corsCheck},
			{Name: "lookalike gets 403 without CORS headers", Probe: getFrom(Lookalike), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorMissingAllowOriginHeader}, Why: corsCheck + ", step 2: no Access-Control-Allow-Origin"},
			{Name: "the exposed header is readable", Probe: credentialedGetFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200, Readable: []string{"X-Request-Id"}}, Why: exposure},
			{Name: "failUnlistedOrigins breaks the site's own POST", Probe: harness.Probe{URL: "/api/orders", Method: "POST", Body: "qty=2",
				Headers: []harness.Header{{Name: "Content-Type", Value: "application/x-www-form-urlencoded"}}}, SameOrigin: true,
				Want: judge.Want{Outcome: judge.Readable, Status: 403},
				Why:  "Fetch: same-origin requests other than GET/HEAD carry Origin (https://fetch.spec.whatwg.org/#origin-header), and the site's own origin is not listed"},
		},
	},
	{
		Config:  "cors-module-exact-origins-no-fail-unlisted.config",
		Mistake: "(counterpart) the same rules without failUnlistedOrigins",
		Fix:     "—",
		Checks: []Check{
			{Name: "the site's own POST works", Probe: harness.Probe{URL: "/api/orders", Method: "POST", Body: "qty=2",
				Headers: []harness.Header{{Name: "Content-Type", Value: "application/x-www-form-urlencoded"}}}, SameOrigin: true,
				Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: "Same-origin responses are not subject to the CORS check (https://fetch.spec.whatwg.org/#main-fetch)"},
			{Name: "a lookalike is still refused", Probe: getFrom(Lookalike), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorMissingAllowOriginHeader}, Why: corsCheck + ", step 2"},
		},
	},
	{
		Config:  "cors-module-no-expose-headers.config",
		Mistake: "A custom response header is sent but not listed in <exposeHeaders>",
		Fix:     `Add <exposeHeaders><add header="X-Request-Id"/></exposeHeaders> to the origin's rule`,
		Checks: []Check{
			{Name: "the header is on the wire but hidden from JavaScript", Probe: credentialedGetFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200, Readable: []string{"Content-Type"}, Hidden: []string{"X-Request-Id"}}, Why: exposure},
		},
	},
	{
		Config:  "cors-module-wildcard-subdomain.config",
		Mistake: "(correct) wildcard subdomain rule https://*.example.com with credentials",
		Fix:     "—",
		Checks: []Check{
			{Name: "a subdomain is allowed with credentials", Probe: credentialedGetFrom(Admin), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: corsCheck},
		},
	},
	{
		Config:  "cors-module-only-star-with-credentials.config",
		Mistake: `the CORS module's only rule is origin="*" with allowCredentials="true"`,
		Fix:     "List the exact origins that need credentials; keep * only for anonymous public data",
		Checks: []Check{
			{Name: "credentialed request refused", Probe: credentialedGetFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorWildcardOriginNotAllowed}, Why: corsCheck + ", step 3"},
		},
	},
	{
		Config:  "windows-auth-challenges-preflight.config",
		Mistake: "Windows Authentication with anonymous off: the anonymous preflight gets 401 (customHeaders put the CORS headers on it)",
		Fix:     "Let the CORS module answer preflights before authentication, or allow anonymous access for OPTIONS",
		Checks: []Check{
			{Name: "preflight challenged", Probe: jsonPostFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorPreflightInvalidStatus},
				Why: preflight + "; preflights never carry credentials, so they cannot answer the challenge"},
		},
	},
	{
		Config:  "windows-auth-app-level-cors.config",
		App:     AppLevelCORS,
		Mistake: "Windows Authentication with anonymous off and CORS done by the application: the 401 to the preflight has no CORS headers at all",
		Fix:     "Let the CORS module answer preflights before authentication, or allow anonymous access for OPTIONS",
		Checks: []Check{
			{Name: "preflight challenged, no CORS headers", Probe: jsonPostFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorPreflightMissingAllowOriginHeader},
				Why: preflight + `; Chrome runs the CORS check before the status check, so the same 401 is "PreflightMissingAllowOriginHeader" here and "PreflightInvalidStatus" when customHeaders put CORS headers on it`},
		},
	},
	{
		Config:  "windows-auth-anonymous-allowed.config",
		Mistake: "(fix 1) anonymous authentication allowed, so OPTIONS is not challenged",
		Fix:     "—",
		Checks: []Check{
			{Name: "preflight passes", Probe: jsonPostFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: preflight},
		},
	},
	{
		Config:  "windows-auth-cors-module.config",
		Mistake: "(fix 2) the CORS module answers the preflight before Windows Authentication",
		Fix:     "—",
		Checks: []Check{
			{Name: "preflight passes; the actual request meets the challenge", Probe: jsonPostFrom(App),
				Want: judge.Want{Outcome: judge.Readable, Status: 401}, Why: anyStatus + "; headless Chrome has no Windows credentials, so the page reads the 401"},
		},
	},
	{
		Config:  "rewrite-echo-unanchored.config",
		Mistake: "URL Rewrite echoes {HTTP_ORIGIN} when it matches an unanchored pattern https://app\\.example\\.com",
		Fix:     `Anchor the pattern: ^https://(app|admin)\.example\.com$`,
		Checks: []Check{
			{Name: "the real origin is allowed", Probe: getFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: corsCheck},
			{Name: "a lookalike origin is let in", Probe: getFrom(Lookalike), Want: judge.Want{Outcome: judge.Readable, Status: 200},
				Why: securityIs + ": the echoed value equals its own origin, so the CORS check passes"},
		},
	},
	{
		Config:  "rewrite-echo-capture-unanchored.config",
		Mistake: "URL Rewrite writes {C:0}, the matched part, instead of the whole Origin",
		Fix:     `Anchor the pattern and write {HTTP_ORIGIN}`,
		Checks: []Check{
			{Name: "a lookalike gets the matched part, not its origin", Probe: getFrom(Lookalike), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: App}, Why: corsCheck + ", step 4"},
		},
	},
	{
		Config:  "rewrite-echo-anchored.config",
		Mistake: "(correct) anchored URL Rewrite echo with an inbound rule answering OPTIONS",
		Fix:     "—",
		Checks: []Check{
			{Name: "listed origin, JSON POST", Probe: anonJSONPostFrom(App), Want: judge.Want{Outcome: judge.Readable, Status: 200}, Why: preflight},
			{Name: "lookalike refused", Probe: getFrom(Lookalike), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorMissingAllowOriginHeader}, Why: corsCheck + ", step 2"},
		},
	},
	{
		Config:  "request-filtering-denies-options.config",
		Mistake: "Request filtering denies the OPTIONS verb: every preflight gets 404.6",
		Fix:     `Remove <add verb="OPTIONS" allowed="false"/> from requestFiltering`,
		Checks: []Check{
			{Name: "preflight refused", Probe: anonJSONPostFrom(App), Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorPreflightInvalidStatus},
				Why: preflight + "; the 404.6 carries the customHeaders, so the CORS check passes and the status fails"},
		},
	},
}
