package playground

import "github.com/corsgate/corsgate/fetchspec"

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
	stepHTTPRedirect = Step{"HTTP-redirect fetch: a redirect of a CORS request is refused when its URL has credentials, or in a mode that does not follow",
		"https://fetch.spec.whatwg.org/#http-redirect-fetch"}
	stepMainFetch = Step{"main fetch: the request mode and scheme decide whether a cross-origin request may be made at all",
		"https://fetch.spec.whatwg.org/#main-fetch"}
	stepReadable = Step{"CORS check passed: the response is readable; only CORS-safelisted headers and those in Access-Control-Expose-Headers are visible",
		"https://fetch.spec.whatwg.org/#cors-check"}
	// Local Network Access is not part of the Fetch standard yet; its
	// specification integrates with Fetch.
	stepLocalNetwork = Step{"Local Network Access: a page in a less private address space needs the user's permission to reach a local or loopback address, and only a secure page can get it; no response header grants it",
		"https://wicg.github.io/local-network-access/#local-network-request"}
	stepSameOrigin = Step{"main fetch: a same-origin request is not subject to the CORS protocol",
		"https://fetch.spec.whatwg.org/#main-fetch"}
)

// stepFor is the step that decided an outcome with Chrome's CorsError. The
// stage comes from fetchspec.StageOf, corsgate's one reading of Chrome's
// CorsError names; within the preflight stage the method/header lists and
// the refused redirect have steps of their own, and Local Network Access
// errors name that specification's step. An error of no CORS stage
// (fetchspec.StageOther: an invalid response) names no step.
func stepFor(outcome, corsError string) *Step {
	var s Step
	switch {
	case corsError == "" && outcome == "readable":
		s = stepReadable
	case corsError == "":
		return nil
	case fetchspec.IsLocalNetworkAccessError(corsError):
		s = stepLocalNetwork
	default:
		switch fetchspec.StageOf(corsError) {
		case fetchspec.StageRequest:
			s = stepMainFetch
		case fetchspec.StagePreflight:
			switch corsError {
			case "MethodDisallowedByPreflightResponse", "HeaderDisallowedByPreflightResponse",
				"InvalidAllowMethodsPreflightResponse", "InvalidAllowHeadersPreflightResponse":
				s = stepPreflightLists
			case "PreflightDisallowedRedirect":
				s = stepRedirect
			default:
				s = stepPreflight
			}
		case fetchspec.StageResponse:
			s = stepCORSCheck
		case fetchspec.StageRedirect:
			s = stepHTTPRedirect
		default:
			return nil
		}
	}
	return &s
}
