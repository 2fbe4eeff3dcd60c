package fetchspec

import (
	"slices"
	"strings"
)

// Header is one header line; names keep the case they were given.
// harness.Header is this type.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// safelistedValueMax is the longest value of a CORS-safelisted request
// header, in bytes; safelistedTotalMax bounds the sum of the values of all
// safelisted headers of a request.
// See https://fetch.spec.whatwg.org/#cors-safelisted-request-header (step 1)
// and https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names (step 3).
const (
	safelistedValueMax = 128
	safelistedTotalMax = 1024
)

// IsSafelistedRequestHeader reports whether the header name: value is a
// CORS-safelisted request header, which page JavaScript may send
// cross-origin without a preflight: Accept, Accept-Language,
// Content-Language, Content-Type (only application/x-www-form-urlencoded,
// multipart/form-data, text/plain) and Range (one bytes=start-[end] range),
// each with a value of at most 128 bytes and no unsafe byte.
// See https://fetch.spec.whatwg.org/#cors-safelisted-request-header.
func IsSafelistedRequestHeader(name, value string) bool {
	if len(value) > safelistedValueMax {
		return false
	}
	switch strings.ToLower(name) {
	case "accept":
		return !strings.ContainsFunc(value, isUnsafeRequestHeaderByte)
	case "accept-language", "content-language":
		return !strings.ContainsFunc(value, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || strings.ContainsRune(" *,-.;=", r))
		})
	case "content-type":
		if strings.ContainsFunc(value, isUnsafeRequestHeaderByte) {
			return false
		}
		essence := strings.ToLower(strings.TrimSpace(strings.SplitN(value, ";", 2)[0]))
		return essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data" || essence == "text/plain"
	case "range":
		return strings.HasPrefix(value, "bytes=") && !strings.Contains(value, ",") && !strings.HasPrefix(value, "bytes=-")
	}
	return false
}

// isUnsafeRequestHeaderByte: 0x00-0x08, 0x0A-0x1F, "():<>?@[\]{} and DEL.
// See https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte.
func isUnsafeRequestHeaderByte(r rune) bool {
	return (r < 0x20 && r != '\t') || r == 0x7f || strings.ContainsRune("\"():<>?@[\\]{}", r)
}

// SafelistedByName reports whether a request header with this name is
// CORS-safelisted for any ordinary value, so a policy need not list it:
// Accept, Accept-Language and Content-Language. Content-Type and Range are
// safelisted only for a few values (a JSON Content-Type needs a preflight),
// so they are not.
// See https://fetch.spec.whatwg.org/#cors-safelisted-request-header.
func SafelistedByName(name string) bool {
	switch strings.ToLower(name) {
	case "accept", "accept-language", "content-language":
		return true
	}
	return false
}

// UnsafeRequestHeaderNames returns the CORS-unsafe request-header names of
// headers, lower-cased, sorted and without duplicates: the value Chrome
// sends in Access-Control-Request-Headers, and a request needs a preflight
// when it is not empty. Safelisted headers become unsafe too when their
// values add up to more than 1024 bytes.
// See https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names.
func UnsafeRequestHeaderNames(headers []Header) []string {
	var unsafe, potentially []string
	total := 0
	for _, h := range headers {
		if IsSafelistedRequestHeader(h.Name, h.Value) {
			total += len(h.Value)
			potentially = append(potentially, strings.ToLower(h.Name))
		} else {
			unsafe = append(unsafe, strings.ToLower(h.Name))
		}
	}
	if total > safelistedTotalMax {
		unsafe = append(unsafe, potentially...)
	}
	slices.Sort(unsafe)
	return slices.Compact(unsafe)
}

// NeedsPreflight reports whether a cross-origin request in mode "cors" with
// this method (as fetch sends it, see NormalizeMethod) and these
// author-set headers needs a CORS preflight: its method is not
// CORS-safelisted or it has a CORS-unsafe request header. The caller
// decides whether the request is cross-origin and in cors mode.
// See https://fetch.spec.whatwg.org/#main-fetch (the use-CORS-preflight flag)
// and https://fetch.spec.whatwg.org/#cors-preflight-fetch.
func NeedsPreflight(method string, headers []Header) bool {
	return !IsSafelistedMethod(NormalizeMethod(method)) || len(UnsafeRequestHeaderNames(headers)) > 0
}

// forbiddenRequestHeaderNames cannot be set by page JavaScript; the browser
// sets them.
var forbiddenRequestHeaderNames = []string{
	"accept-charset", "accept-encoding", "access-control-request-headers",
	"access-control-request-method", "connection", "content-length",
	"cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
	"origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding",
	"upgrade", "via",
}

// forbiddenRequestHeaderPrefixes are the prefixes of forbidden names.
var forbiddenRequestHeaderPrefixes = []string{"proxy-", "sec-"}

// IsForbiddenRequestHeaderName reports whether page JavaScript is refused a
// request header by its name alone (Cookie, Host, Origin, Sec-*, Proxy-*,
// ...), compared case-insensitively. The method-override headers are
// forbidden only for some values; see IsForbiddenRequestHeader.
// See https://fetch.spec.whatwg.org/#forbidden-request-header.
func IsForbiddenRequestHeaderName(name string) bool {
	l := strings.ToLower(name)
	if slices.Contains(forbiddenRequestHeaderNames, l) {
		return true
	}
	for _, p := range forbiddenRequestHeaderPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// methodOverrideHeaders are forbidden when their value names a forbidden
// method.
var methodOverrideHeaders = []string{"x-http-method", "x-http-method-override", "x-method-override"}

// IsMethodOverrideHeader reports whether name is X-HTTP-Method,
// X-HTTP-Method-Override or X-Method-Override, which are forbidden request
// headers when their value names a forbidden method.
// See https://fetch.spec.whatwg.org/#forbidden-request-header (step 2).
func IsMethodOverrideHeader(name string) bool {
	return slices.Contains(methodOverrideHeaders, strings.ToLower(name))
}

// ForbiddenMethodIn returns the first forbidden method named in a
// method-override header value ("GET, TRACE" names TRACE), and whether there
// is one. The value is split on commas and each part trimmed and compared
// case-insensitively.
// See https://fetch.spec.whatwg.org/#forbidden-request-header (step 2).
func ForbiddenMethodIn(value string) (string, bool) {
	for _, part := range strings.Split(value, ",") {
		m := strings.TrimSpace(part)
		if IsForbiddenMethod(m) {
			return strings.ToUpper(m), true
		}
	}
	return "", false
}

// IsForbiddenRequestHeader reports whether page JavaScript is refused the
// request header name: value.
// See https://fetch.spec.whatwg.org/#forbidden-request-header.
func IsForbiddenRequestHeader(name, value string) bool {
	if IsForbiddenRequestHeaderName(name) {
		return true
	}
	if IsMethodOverrideHeader(name) {
		_, ok := ForbiddenMethodIn(value)
		return ok
	}
	return false
}
