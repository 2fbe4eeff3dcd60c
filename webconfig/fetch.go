package webconfig

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// This file judges responses the way a browser does, by the Fetch
// standard's CORS rules, with Chrome's names for each failure
// (network::mojom::CorsError). It is deliberately small: the CORS check
// (https://fetch.spec.whatwg.org/#cors-check) and the checks a preflight
// response goes through (https://fetch.spec.whatwg.org/#cors-preflight-fetch,
// steps 7 and following). Redirects, the preflight cache and header
// exposure are not judged.

// corsCheck is https://fetch.spec.whatwg.org/#cors-check for a response
// to a request from origin with credentials mode "include" when cred. It
// returns "" on success, else Chrome's CorsError name (without the
// Preflight prefix).
func corsCheck(h http.Header, origin string, cred bool) string {
	// Step 1: the header's value, several lines joined by ", " as a
	// network stack combines them.
	vals := h.Values("Access-Control-Allow-Origin")
	if len(vals) == 0 {
		return "MissingAllowOriginHeader"
	}
	acao := strings.Join(vals, ", ")
	if strings.ContainsAny(acao, " ,") {
		return "MultipleAllowOriginValues"
	}
	switch {
	case acao == "*" && !cred: // step 3
		return ""
	case acao == "*":
		return "WildcardOriginNotAllowed"
	case acao != origin: // step 4: byte-for-byte
		if u, err := url.Parse(acao); err != nil || u.Scheme == "" || (u.Host == "" && acao != "null") {
			return "InvalidAllowOriginValue"
		}
		return "AllowOriginMismatch"
	}
	if !cred { // step 5
		return ""
	}
	// Steps 6-7: credentials need Access-Control-Allow-Credentials: true.
	if strings.Join(h.Values("Access-Control-Allow-Credentials"), ", ") != "true" {
		return "InvalidAllowCredentials"
	}
	return ""
}

// preflightCheck judges a preflight response for a request with method
// and the CORS-unsafe header names headers
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch): the CORS check,
// then an ok status (Chrome checks in this order), then the method and
// every header against Access-Control-Allow-Methods and -Headers. It
// returns "" when the actual request may be sent, else Chrome's CorsError
// name and the failed parameter.
func preflightCheck(status int, h http.Header, origin, method string, headers []string, cred bool) (string, string) {
	if e := corsCheck(h, origin, cred); e != "" {
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
	methods := headerList(h, "Access-Control-Allow-Methods")
	names := headerList(h, "Access-Control-Allow-Headers")
	// A method is allowed when listed (case-sensitively), when "*" is listed
	// without credentials, or when it is a CORS-safelisted method.
	safelisted := method == http.MethodGet || method == http.MethodHead || method == http.MethodPost
	if !slices.Contains(methods, method) && !(slices.Contains(methods, "*") && !cred) && !safelisted {
		return "MethodDisallowedByPreflightResponse", method
	}
	// A header is allowed when listed (case-insensitively) or when "*" is
	// listed without credentials, except Authorization, which "*" never
	// covers (https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name).
	for _, n := range headers {
		listed := slices.ContainsFunc(names, func(x string) bool { return strings.EqualFold(x, n) })
		star := slices.Contains(names, "*") && !cred && !strings.EqualFold(n, "Authorization")
		if !listed && !star {
			return "HeaderDisallowedByPreflightResponse", strings.ToLower(n)
		}
	}
	return "", ""
}

// headerList splits every line of a list-valued header.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		out = append(out, splitList(v)...)
	}
	return out
}
