package fetchspec

import "time"

// Chrome's CORS-preflight cache limits. The Fetch standard leaves the cap to
// the user agent (https://fetch.spec.whatwg.org/#http-access-control-max-age:
// "user agents may cap it"); Chrome pins these in
// services/network/cors/preflight_result.cc (kMaxTimeout, kDefaultTimeout).
const (
	// ChromeMaxAge is the most Chrome keeps a preflight result, in seconds
	// (2 h): a larger Access-Control-Max-Age acts as 7200.
	ChromeMaxAge = 7200
	// ChromeDefaultMaxAge is how long Chrome keeps a preflight result whose
	// response has no (or an unparsable) Access-Control-Max-Age, in seconds.
	ChromeDefaultMaxAge = 5
)

// ChromePreflightCacheTime is how long Chrome keeps a successful preflight
// that answered Access-Control-Max-Age: maxAge (negative: the header is
// absent or unparsable): the value capped at ChromeMaxAge, or
// ChromeDefaultMaxAge without one.
// See services/network/cors/preflight_result.cc (ParseAccessControlMaxAge).
func ChromePreflightCacheTime(maxAge int) time.Duration {
	switch {
	case maxAge < 0:
		return ChromeDefaultMaxAge * time.Second
	case maxAge > ChromeMaxAge:
		return ChromeMaxAge * time.Second
	}
	return time.Duration(maxAge) * time.Second
}
