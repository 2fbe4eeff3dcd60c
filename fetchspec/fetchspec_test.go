package fetchspec

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
)

func TestChromePreflightCacheTime(t *testing.T) {
	tests := []struct {
		maxAge int
		want   time.Duration
	}{
		{-1, 5 * time.Second}, // absent: Chrome's default
		{0, 0},                // Max-Age 0: not cached
		{600, 600 * time.Second},
		{7200, 2 * time.Hour},
		{7201, 2 * time.Hour},
		{86400, 2 * time.Hour},
	}
	for _, tt := range tests {
		if got := ChromePreflightCacheTime(tt.maxAge); got != tt.want {
			t.Errorf("ChromePreflightCacheTime(%d): got %v; want %v", tt.maxAge, got, tt.want)
		}
	}
}

func TestMethods(t *testing.T) {
	tests := []struct {
		method                string
		safelisted, forbidden bool
		normalized            string
	}{
		{"GET", true, false, "GET"},
		{"HEAD", true, false, "HEAD"},
		{"POST", true, false, "POST"},
		{"get", false, false, "GET"}, // safelisted only once normalized
		{"post", false, false, "POST"},
		{"PUT", false, false, "PUT"},
		{"delete", false, false, "DELETE"},
		{"options", false, false, "OPTIONS"},
		{"patch", false, false, "patch"}, // not normalized: sent as written
		{"PATCH", false, false, "PATCH"},
		{"CONNECT", false, true, "CONNECT"},
		{"trace", false, true, "trace"},
		{"Track", false, true, "Track"},
		{"", false, false, ""},
	}
	for _, tt := range tests {
		if got := IsSafelistedMethod(tt.method); got != tt.safelisted {
			t.Errorf("IsSafelistedMethod(%q): got %v; want %v", tt.method, got, tt.safelisted)
		}
		if got := IsForbiddenMethod(tt.method); got != tt.forbidden {
			t.Errorf("IsForbiddenMethod(%q): got %v; want %v", tt.method, got, tt.forbidden)
		}
		if got := NormalizeMethod(tt.method); got != tt.normalized {
			t.Errorf("NormalizeMethod(%q): got %q; want %q", tt.method, got, tt.normalized)
		}
	}
	fm := ForbiddenMethods()
	fm[0] = "GET"
	if IsForbiddenMethod("GET") || !IsForbiddenMethod("CONNECT") {
		t.Errorf("ForbiddenMethods returned the package's own slice; changing it changed IsForbiddenMethod")
	}
}

func TestIsSafelistedRequestHeader(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{"Accept", "application/json", true},
		{"accept", "*/*", true},
		{"Accept", `text/"html"`, false}, // unsafe byte "
		{"Accept", "a(b)", false},
		{"Accept", "text/html\tq=1", true}, // tab is allowed
		{"Accept", "a\x01", false},
		{"Accept", strings.Repeat("a", 128), true},
		{"Accept", strings.Repeat("a", 129), false}, // over 128 bytes
		{"Accept-Language", "en-US,fr;q=0.5", true},
		{"Accept-Language", "en_US", false}, // "_" is outside the charset
		{"Content-Language", "de-DE", true},
		{"Content-Language", "de/DE", false},
		{"Content-Type", "text/plain", true},
		{"content-type", "text/plain; charset=utf-8", true},
		{"Content-Type", "Multipart/Form-Data; boundary=x", true},
		{"Content-Type", "application/x-www-form-urlencoded", true},
		{"Content-Type", "application/json", false},
		{"Content-Type", "text/plain; a=\"b\"", false}, // unsafe byte "
		{"Range", "bytes=0-99", true},
		{"Range", "bytes=100-", true},
		{"Range", "bytes=-100", false}, // suffix range
		{"Range", "bytes=0-1,5-6", false},
		{"Range", "items=0-1", false},
		{"Authorization", "Bearer x", false},
		{"X-Request-Id", "1", false},
	}
	for _, tt := range tests {
		if got := IsSafelistedRequestHeader(tt.name, tt.value); got != tt.want {
			t.Errorf("IsSafelistedRequestHeader(%q, %q): got %v; want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestSafelistedByName(t *testing.T) {
	for name, want := range map[string]bool{
		"Accept": true, "ACCEPT-LANGUAGE": true, "content-language": true,
		"Content-Type": false, "Range": false, "Authorization": false, "": false,
	} {
		if got := SafelistedByName(name); got != want {
			t.Errorf("SafelistedByName(%q): got %v; want %v", name, got, want)
		}
	}
}

func TestUnsafeRequestHeaderNames(t *testing.T) {
	big := strings.Repeat("a", 128)
	var many []Header
	for range 9 { // 9 × 128 = 1152 bytes of safelisted values
		many = append(many, Header{"Accept", big})
	}
	tests := []struct {
		name    string
		headers []Header
		want    []string
	}{
		{"none", nil, nil},
		{"safelisted only", []Header{{"Accept", "*/*"}, {"Content-Type", "text/plain"}}, nil},
		{"sorted lower-case", []Header{{"X-B", "1"}, {"Authorization", "x"}, {"Content-Type", "application/json"}},
			[]string{"authorization", "content-type", "x-b"}},
		{"duplicates once", []Header{{"X-A", "1"}, {"x-a", "2"}}, []string{"x-a"}},
		{"over 1024 bytes of safelisted values", many, []string{"accept"}},
		{"exactly 1024 bytes", many[:8], nil},
	}
	for _, tt := range tests {
		got := UnsafeRequestHeaderNames(tt.headers)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: UnsafeRequestHeaderNames: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestNeedsPreflight(t *testing.T) {
	tests := []struct {
		method  string
		headers []Header
		want    bool
	}{
		{"GET", nil, false},
		{"get", nil, false}, // normalized to GET
		{"POST", []Header{{"Content-Type", "text/plain"}}, false},
		{"POST", []Header{{"Content-Type", "application/json"}}, true},
		{"PUT", nil, true},
		{"patch", nil, true},
		{"GET", []Header{{"Authorization", "Bearer x"}}, true},
	}
	for _, tt := range tests {
		if got := NeedsPreflight(tt.method, tt.headers); got != tt.want {
			t.Errorf("NeedsPreflight(%q, %v): got %v; want %v", tt.method, tt.headers, got, tt.want)
		}
	}
}

func TestForbiddenRequestHeaders(t *testing.T) {
	tests := []struct {
		name, value       string
		byName, forbidden bool
	}{
		{"Cookie", "a=b", true, true},
		{"HOST", "x", true, true},
		{"Origin", "https://a", true, true},
		{"Access-Control-Request-Method", "PUT", true, true},
		{"Access-Control-Request-Headers", "x", true, true},
		{"Sec-Fetch-Mode", "cors", true, true},
		{"Proxy-Authorization", "x", true, true},
		{"DNT", "1", true, true},
		{"Authorization", "Bearer x", false, false},
		{"X-Request-Id", "1", false, false},
		{"Secret", "x", false, false}, // "sec" without the dash is allowed
		{"X-HTTP-Method-Override", "PUT", false, false},
		{"X-HTTP-Method-Override", "TRACE", false, true},
		{"x-method-override", "get, connect", false, true},
		{"X-HTTP-Method", " track ", false, true},
		{"X-HTTP-Method", "TRACEX", false, false},
	}
	for _, tt := range tests {
		if got := IsForbiddenRequestHeaderName(tt.name); got != tt.byName {
			t.Errorf("IsForbiddenRequestHeaderName(%q): got %v; want %v", tt.name, got, tt.byName)
		}
		if got := IsForbiddenRequestHeader(tt.name, tt.value); got != tt.forbidden {
			t.Errorf("IsForbiddenRequestHeader(%q, %q): got %v; want %v", tt.name, tt.value, got, tt.forbidden)
		}
	}
	if m, ok := ForbiddenMethodIn("GET, trace"); !ok || m != "TRACE" {
		t.Errorf(`ForbiddenMethodIn("GET, trace"): got %q, %v; want "TRACE", true`, m, ok)
	}
	if !IsMethodOverrideHeader("X-Http-Method-Override") || IsMethodOverrideHeader("X-Override") {
		t.Errorf("IsMethodOverrideHeader: wrong for X-Http-Method-Override or X-Override")
	}
}

func TestResponseHeaders(t *testing.T) {
	tests := []struct {
		name                            string
		safelisted, forbidden, evidence bool
	}{
		{"Content-Type", true, false, false},
		{"cache-control", true, false, true},
		{"Content-Length", true, false, false},
		{"Expires", true, false, false},
		{"Last-Modified", true, false, false},
		{"Pragma", true, false, false},
		{"Content-Language", true, false, false},
		{"X-Request-Id", false, false, false},
		{"Set-Cookie", false, true, false},
		{"set-cookie2", false, true, false},
		{"Access-Control-Allow-Origin", false, false, true},
		{"access-control-max-age", false, false, true},
		{"Vary", false, false, true},
		{"WWW-Authenticate", false, false, true},
		{"Location", false, false, true},
		{"Date", false, false, false},
	}
	for _, tt := range tests {
		if got := IsSafelistedResponseHeaderName(tt.name); got != tt.safelisted {
			t.Errorf("IsSafelistedResponseHeaderName(%q): got %v; want %v", tt.name, got, tt.safelisted)
		}
		if got := IsForbiddenResponseHeaderName(tt.name); got != tt.forbidden {
			t.Errorf("IsForbiddenResponseHeaderName(%q): got %v; want %v", tt.name, got, tt.forbidden)
		}
		if got := IsCORSEvidenceHeader(tt.name); got != tt.evidence {
			t.Errorf("IsCORSEvidenceHeader(%q): got %v; want %v", tt.name, got, tt.evidence)
		}
	}
}

func TestStageOf(t *testing.T) {
	tests := []struct {
		e    network.CorsError
		want Stage
	}{
		{network.CorsErrorAllowOriginMismatch, StageResponse},
		{network.CorsErrorMissingAllowOriginHeader, StageResponse},
		{network.CorsErrorMultipleAllowOriginValues, StageResponse},
		{network.CorsErrorInvalidAllowOriginValue, StageResponse},
		{network.CorsErrorWildcardOriginNotAllowed, StageResponse},
		{network.CorsErrorInvalidAllowCredentials, StageResponse},
		{network.CorsErrorPreflightInvalidStatus, StagePreflight},
		{network.CorsErrorPreflightAllowOriginMismatch, StagePreflight},
		{network.CorsErrorPreflightMissingAllowOriginHeader, StagePreflight},
		{network.CorsErrorPreflightDisallowedRedirect, StagePreflight},
		{network.CorsErrorPreflightMissingAllowExternal, StagePreflight},
		{network.CorsErrorMethodDisallowedByPreflightResponse, StagePreflight},
		{network.CorsErrorHeaderDisallowedByPreflightResponse, StagePreflight},
		{network.CorsErrorInvalidAllowMethodsPreflightResponse, StagePreflight},
		{network.CorsErrorInvalidAllowHeadersPreflightResponse, StagePreflight},
		{"PreflightSomethingNew", StagePreflight},
		{network.CorsErrorDisallowedByMode, StageRequest},
		{network.CorsErrorCorsDisabledScheme, StageRequest},
		{network.CorsErrorRedirectContainsCredentials, StageRedirect},
		{network.CorsErrorNoCorsRedirectModeNotFollow, StageRedirect},
		{network.CorsErrorInvalidResponse, StageOther},
		// Local Network Access refuses before anything reaches the server
		// (seen in Chromium 156: the server received nothing).
		{network.CorsErrorLocalNetworkAccessPermissionDenied, StageRequest},
		{network.CorsErrorInsecureLocalNetwork, StageRequest},
		{network.CorsErrorInvalidLocalNetworkAccess, StageRequest},
		{"InsecurePrivateNetwork", StageOther}, // retired with Private Network Access
		{"", StageOther},
	}
	for _, tt := range tests {
		if got := StageOf(tt.e); got != tt.want {
			t.Errorf("StageOf(%q): got %q; want %q", tt.e, got, tt.want)
		}
		if got := StageOf(string(tt.e)); got != tt.want {
			t.Errorf("StageOf(string %q): got %q; want %q", tt.e, got, tt.want)
		}
	}
}
