package fetchspec

import (
	"slices"
	"strings"
)

// safelistedResponseHeaderNames are readable by JavaScript on a CORS
// response without Access-Control-Expose-Headers.
var safelistedResponseHeaderNames = []string{
	"cache-control", "content-language", "content-length", "content-type",
	"expires", "last-modified", "pragma",
}

// IsSafelistedResponseHeaderName reports whether JavaScript can read the
// response header name on a CORS response whatever
// Access-Control-Expose-Headers says (Cache-Control, Content-Language,
// Content-Length, Content-Type, Expires, Last-Modified, Pragma).
// See https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name.
func IsSafelistedResponseHeaderName(name string) bool {
	return slices.Contains(safelistedResponseHeaderNames, strings.ToLower(name))
}

// IsForbiddenResponseHeaderName reports whether JavaScript can never read
// the response header name (Set-Cookie, Set-Cookie2), even when
// Access-Control-Expose-Headers lists it.
// See https://fetch.spec.whatwg.org/#forbidden-response-header-name.
func IsForbiddenResponseHeaderName(name string) bool {
	return strings.EqualFold(name, "set-cookie") || strings.EqualFold(name, "set-cookie2")
}

// IsCORSEvidenceHeader reports whether a response header is evidence for a
// CORS verdict, so reports, observations and the lab's curl view show it:
//   - Access-Control-*: the CORS protocol's response headers
//     (https://fetch.spec.whatwg.org/#http-responses);
//   - Vary: whether a cache may serve one origin's answer to another
//     (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches);
//   - Cache-Control: whether a cache keeps it at all (same section);
//   - WWW-Authenticate: a 401 challenge, typical of a preflight refused by
//     server authentication, which a preflight never answers
//     (https://fetch.spec.whatwg.org/#cors-protocol-and-credentials);
//   - Location: where a redirect leads, which CORS checks on every hop
//     (https://fetch.spec.whatwg.org/#http-redirect-fetch).
func IsCORSEvidenceHeader(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "access-control-") {
		return true
	}
	switch n {
	case "vary", "cache-control", "www-authenticate", "location":
		return true
	}
	return false
}
