package fetchspec

import "strings"

// IsSafelistedMethod reports whether method is a CORS-safelisted method
// (GET, HEAD or POST, byte-case-sensitive: fetch normalizes "get" to "GET"
// first, see NormalizeMethod), which never needs a preflight.
// See https://fetch.spec.whatwg.org/#cors-safelisted-method.
func IsSafelistedMethod(method string) bool {
	return method == "GET" || method == "HEAD" || method == "POST"
}

// forbiddenMethods cannot be used by fetch or XHR at all.
var forbiddenMethods = []string{"CONNECT", "TRACE", "TRACK"}

// ForbiddenMethods returns the forbidden methods, upper-case: CONNECT,
// TRACE, TRACK.
// See https://fetch.spec.whatwg.org/#forbidden-method.
func ForbiddenMethods() []string { return append([]string(nil), forbiddenMethods...) }

// IsForbiddenMethod reports whether page JavaScript is refused the method
// (compared case-insensitively).
// See https://fetch.spec.whatwg.org/#forbidden-method.
func IsForbiddenMethod(method string) bool {
	for _, f := range forbiddenMethods {
		if strings.EqualFold(method, f) {
			return true
		}
	}
	return false
}

// normalizedMethods are the methods fetch upper-cases; any other method is
// sent exactly as written.
var normalizedMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// NormalizeMethod returns method as fetch sends it: DELETE, GET, HEAD,
// OPTIONS, POST and PUT upper-cased whatever their case, any other method
// unchanged ("patch" stays "patch" and does not match "PATCH").
// See https://fetch.spec.whatwg.org/#concept-method-normalize.
func NormalizeMethod(method string) string {
	for _, n := range normalizedMethods {
		if strings.EqualFold(method, n) {
			return n
		}
	}
	return method
}
