package webconfig

import (
	"strings"

	"github.com/corsgate/corsgate/internal/spell"
)

// knownHeaders is the registry misspellings are measured against: the
// CORS protocol's own names (https://fetch.spec.whatwg.org/#http-cors-protocol)
// and the HTTP header names (RFC 9110, RFC 9111 and the common X- names)
// that allow and expose lists hold in practice.
var knownHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
	"Access-Control-Request-Method", "Access-Control-Request-Headers", "Access-Control-Allow-Private-Network",
	"Accept", "Accept-Language", "Accept-Encoding", "Authorization", "Cache-Control", "Content-Type",
	"Content-Language", "Content-Length", "Content-Disposition", "Content-Encoding", "Content-Range",
	"Cookie", "Date", "ETag", "Expires", "If-Match", "If-None-Match", "If-Modified-Since",
	"If-Unmodified-Since", "Last-Modified", "Link", "Location", "Origin", "Pragma", "Range",
	"Referer", "Retry-After", "Server", "Set-Cookie", "User-Agent", "Vary", "WWW-Authenticate",
	"X-Requested-With", "X-HTTP-Method-Override", "X-CSRF-Token", "X-XSRF-Token", "X-Api-Key",
	"X-Total-Count", "X-Request-Id", "X-Correlation-Id", "X-Forwarded-For", "X-Powered-By",
}

// misspelling returns the known header name that name is most likely a
// misspelling of, "" when name is known or close to none. Close is an
// edit distance of 1, or 2 for names of 8 letters or more.
func misspelling(name string) string {
	name = strings.TrimSpace(name)
	if len(name) < 4 || name == "*" {
		return ""
	}
	best, bestD := "", 3
	for _, k := range knownHeaders {
		if strings.EqualFold(k, name) {
			return ""
		}
		if d := spell.Distance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD == 1 || bestD == 2 && len(name) >= 8 {
		return best
	}
	return ""
}
