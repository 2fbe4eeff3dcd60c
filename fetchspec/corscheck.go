package fetchspec

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// This file judges a response the way Chrome does, by the Fetch standard's
// CORS rules, with Chrome's name for each failure
// (network::mojom::CorsError, services/network/public/mojom/cors.mojom):
// the CORS check (https://fetch.spec.whatwg.org/#cors-check) and the checks
// a CORS-preflight response goes through
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch, steps 7 and
// following). Redirects of the actual request, the preflight cache and
// header exposure are not judged here.

// CORSCheck is https://fetch.spec.whatwg.org/#cors-check for a response
// with headers h to a request from origin, with credentials mode "include"
// when credentials. It returns "" when the check passes, else Chrome's
// CorsError name as Chrome reports it on the actual response (the bare
// name; PreflightCheck adds the "Preflight" prefix Chrome gives the same
// failure on a preflight, services/network/public/cpp/cors/cors.cc).
func CORSCheck(h http.Header, origin string, credentials bool) string {
	// Step 1: the header's value; several lines arrive joined by ", " as a
	// network stack combines them.
	vals := h.Values("Access-Control-Allow-Origin")
	if len(vals) == 0 {
		return "MissingAllowOriginHeader"
	}
	acao := strings.Join(vals, ", ")
	// Chrome names a value holding a space or a comma apart from a mismatch
	// (cors.cc, CheckAccessInternal).
	if strings.ContainsAny(acao, " ,") {
		return "MultipleAllowOriginValues"
	}
	switch {
	case acao == "*" && !credentials: // step 3
		return ""
	case acao == "*":
		return "WildcardOriginNotAllowed"
	case acao != origin: // step 4: byte-for-byte
		if u, err := url.Parse(acao); err != nil || u.Scheme == "" || (u.Host == "" && acao != "null") {
			return "InvalidAllowOriginValue"
		}
		return "AllowOriginMismatch"
	}
	if !credentials { // step 5
		return ""
	}
	// Steps 6-7: credentials need Access-Control-Allow-Credentials: true,
	// exactly (two lines are "true, true").
	if strings.Join(h.Values("Access-Control-Allow-Credentials"), ", ") != "true" {
		return "InvalidAllowCredentials"
	}
	return ""
}

// PreflightRequest is what a CORS-preflight response is judged against:
// the request's origin, its method, the CORS-unsafe request-header names
// it carries (UnsafeRequestHeaderNames) and whether its credentials mode is
// "include".
type PreflightRequest struct {
	Origin      string
	Method      string
	Headers     []string
	Credentials bool
}

// PreflightCheck judges a CORS-preflight response (status and headers h)
// for request r (https://fetch.spec.whatwg.org/#cors-preflight-fetch):
// the CORS check, then an ok status — Chrome checks in this order, so a 401
// without CORS headers is PreflightMissingAllowOriginHeader
// (services/network/cors/preflight_controller.cc) — then the method and
// every header against Access-Control-Allow-Methods and -Headers
// (services/network/cors/preflight_result.cc). It returns "" when the
// actual request may be sent, else Chrome's CorsError name and, for a
// method or header refusal, the failed parameter (the method as sent, the
// header name lower-cased), as DevTools reports them.
func PreflightCheck(status int, h http.Header, r PreflightRequest) (corsError, failedParameter string) {
	if e := CORSCheck(h, r.Origin, r.Credentials); e != "" {
		return "Preflight" + e, ""
	}
	if status >= 300 && status <= 399 {
		// A redirected preflight is a network error (step 7 wants an ok
		// status; Chrome names it apart).
		return "PreflightDisallowedRedirect", ""
	}
	if status < 200 || status > 299 {
		return "PreflightInvalidStatus", ""
	}
	if !MethodAllowed(headerList(h, "Access-Control-Allow-Methods"), r.Method, r.Credentials) {
		return "MethodDisallowedByPreflightResponse", r.Method
	}
	names := headerList(h, "Access-Control-Allow-Headers")
	for _, n := range r.Headers {
		if !HeaderAllowed(names, n, r.Credentials) {
			return "HeaderDisallowedByPreflightResponse", strings.ToLower(n)
		}
	}
	return "", ""
}

// MethodAllowed reports whether a preflight response listing methods
// (Access-Control-Allow-Methods, split) lets method through: listed
// (byte-case-sensitively), "*" without credentials, or a CORS-safelisted
// method (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7.8).
func MethodAllowed(methods []string, method string, credentials bool) bool {
	return slices.Contains(methods, method) || (slices.Contains(methods, "*") && !credentials) || IsSafelistedMethod(method)
}

// HeaderAllowed reports whether a preflight response listing names
// (Access-Control-Allow-Headers, split) lets the request header name
// through: listed (case-insensitively), or "*" without credentials
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7.9).
//
// Chrome differs from the standard on Authorization: the standard says "*"
// never covers it (https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name),
// but Chrome leaves that behind a disabled feature
// (CorsNonWildcardRequestHeadersSupport in
// services/network/cors/preflight_result.cc), so in Chromium 156 "*" covers
// Authorization for a request without credentials. The self-test pins it
// (suites/selftest, preflight-header-wildcard-authorization-chrome-156-deviation)
// and fails the day Chrome conforms.
func HeaderAllowed(names []string, name string, credentials bool) bool {
	if slices.ContainsFunc(names, func(x string) bool { return strings.EqualFold(x, name) }) {
		return true
	}
	return slices.Contains(names, "*") && !credentials
}

// headerList splits every line of a list-valued header at its commas.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
