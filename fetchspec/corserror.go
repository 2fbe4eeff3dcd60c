package fetchspec

import "strings"

// Stage is where in a CORS request Chrome found the error a CorsError
// names; it tells whether the actual request was sent and whether Chrome
// received a response to it.
type Stage string

// The stages.
const (
	// StageRequest: refused before anything was sent (mode or scheme), so
	// neither a preflight nor the actual request reached the network.
	StageRequest Stage = "request"
	// StagePreflight: the preflight's response failed the CORS check
	// (https://fetch.spec.whatwg.org/#cors-preflight-fetch), so the actual
	// request was never sent.
	StagePreflight Stage = "preflight"
	// StageResponse: the actual request was sent and its response failed the
	// CORS check (https://fetch.spec.whatwg.org/#concept-cors-check); Chrome
	// received the response and reports its raw headers.
	StageResponse Stage = "response"
	// StageRedirect: a redirect of the actual request was refused
	// (https://fetch.spec.whatwg.org/#http-redirect-fetch).
	StageRedirect Stage = "redirect"
	// StageOther: any other error (invalid response, the retired
	// Private Network Access errors); no code depends on its stage.
	StageOther Stage = "other"
)

// StageOf returns the stage at which Chrome finds the CorsError e (a
// DevTools network.CorsError, or its name as a string). Chrome names the
// preflight's failures "Preflight*" or "*PreflightResponse"
// (services/network/public/cpp/cors/cors_error_status.cc,
// services/network/cors/cors_url_loader.cc); the same allow-origin checks on
// the actual response carry the bare names. It is generic so that the
// package needs no DevTools import and every layer can use it.
func StageOf[E ~string](e E) Stage {
	switch string(e) {
	case "MissingAllowOriginHeader", "AllowOriginMismatch", "MultipleAllowOriginValues",
		"InvalidAllowOriginValue", "WildcardOriginNotAllowed", "InvalidAllowCredentials":
		return StageResponse
	case "MethodDisallowedByPreflightResponse", "HeaderDisallowedByPreflightResponse",
		"InvalidAllowMethodsPreflightResponse", "InvalidAllowHeadersPreflightResponse":
		return StagePreflight
	case "DisallowedByMode", "CorsDisabledScheme",
		// Local Network Access refuses before any byte is sent, failing the
		// preflight itself when there is one (fetchspec.LNANetError).
		LNAPermissionDenied, LNAInsecureInitiator, LNAInvalidTargetSpace:
		return StageRequest
	case "RedirectContainsCredentials", "NoCorsRedirectModeNotFollow":
		return StageRedirect
	}
	if strings.HasPrefix(string(e), "Preflight") {
		return StagePreflight
	}
	return StageOther
}
