package playground

import "strings"

// Step is the Fetch standard's step that decided a request.
type Step struct {
	Name string `json:"name"`
	Link string `json:"link"`
}

// The Fetch steps Chrome's CorsError values come from. Chrome names its
// errors after them (services/network/public/mojom/cors.mojom); the links
// are the Fetch standard's (https://fetch.spec.whatwg.org/).
var (
	stepCORSCheck = Step{"CORS check: Access-Control-Allow-Origin must be the request's origin (or * without credentials), and Access-Control-Allow-Credentials true with credentials",
		"https://fetch.spec.whatwg.org/#cors-check"}
	stepPreflight = Step{"CORS-preflight fetch: the OPTIONS response must pass the CORS check and have an ok status (200-299)",
		"https://fetch.spec.whatwg.org/#cors-preflight-fetch"}
	stepPreflightLists = Step{"CORS-preflight fetch: the method and every CORS-unsafe request header must be in Access-Control-Allow-Methods / -Headers",
		"https://fetch.spec.whatwg.org/#cors-preflight-fetch"}
	stepRedirect = Step{"CORS-preflight fetch: a preflight is fetched with redirect mode manual and must not redirect",
		"https://fetch.spec.whatwg.org/#cors-preflight-fetch"}
	stepMainFetch = Step{"main fetch: the request mode and scheme decide whether a cross-origin request may be made at all",
		"https://fetch.spec.whatwg.org/#main-fetch"}
	stepReadable = Step{"CORS check passed: the response is readable; only CORS-safelisted headers and those in Access-Control-Expose-Headers are visible",
		"https://fetch.spec.whatwg.org/#cors-check"}
	stepSameOrigin = Step{"main fetch: a same-origin request is not subject to the CORS protocol",
		"https://fetch.spec.whatwg.org/#main-fetch"}
)

// stepFor is the step that decided an outcome with Chrome's CorsError.
func stepFor(outcome, corsError string) *Step {
	switch {
	case outcome == "readable" && corsError == "":
		s := stepReadable
		return &s
	case corsError == "":
		return nil
	case corsError == "MethodDisallowedByPreflightResponse" || corsError == "HeaderDisallowedByPreflightResponse":
		s := stepPreflightLists
		return &s
	case corsError == "PreflightDisallowedRedirect":
		s := stepRedirect
		return &s
	case strings.HasPrefix(corsError, "Preflight") || corsError == "InvalidPreflightResponse":
		s := stepPreflight
		return &s
	case corsError == "DisallowedByMode" || corsError == "CorsDisabledScheme" || corsError == "InsecurePrivateNetwork":
		s := stepMainFetch
		return &s
	}
	s := stepCORSCheck
	return &s
}
