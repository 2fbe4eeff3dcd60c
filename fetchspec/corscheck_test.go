package fetchspec

import (
	"net/http"
	"strings"
	"testing"
)

const (
	acao = "Access-Control-Allow-Origin"
	acac = "Access-Control-Allow-Credentials"
	acam = "Access-Control-Allow-Methods"
	acah = "Access-Control-Allow-Headers"
)

// TestCORSCheck checks the judge against the outcomes
// https://fetch.spec.whatwg.org/#cors-check gives, named as Chrome names
// them (the table in the project's Chrome CORS reference).
func TestCORSCheck(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	const o = "https://app.example.com"
	tests := []struct {
		name string
		h    http.Header
		cred bool
		want string
	}{
		{"no header", h(), false, "MissingAllowOriginHeader"},
		{"star", h(acao, "*"), false, ""},
		{"star with credentials", h(acao, "*", acac, "true"), true, "WildcardOriginNotAllowed"},
		{"exact", h(acao, o), false, ""},
		{"trailing slash", h(acao, o+"/"), false, "AllowOriginMismatch"},
		{"two lines", h(acao, o, acao, o), false, "MultipleAllowOriginValues"},
		{"a list", h(acao, o+" https://b.example"), false, "MultipleAllowOriginValues"},
		{"not a URL", h(acao, "app.example.com"), false, "InvalidAllowOriginValue"},
		{"credentials missing", h(acao, o), true, "InvalidAllowCredentials"},
		{"credentials True", h(acao, o, acac, "True"), true, "InvalidAllowCredentials"},
		{"credentials twice", h(acao, o, acac, "true", acac, "true"), true, "InvalidAllowCredentials"},
		{"credentials", h(acao, o, acac, "true"), true, ""},
	}
	for _, tt := range tests {
		if got := CORSCheck(tt.h, o, tt.cred); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestPreflightCheck checks the order Chrome applies (CORS check, then
// status, then method, then headers) and the wildcard rules of
// https://fetch.spec.whatwg.org/#cors-preflight-fetch.
func TestPreflightCheck(t *testing.T) {
	const o = "https://app.example.com"
	base := func(kv ...string) http.Header {
		out := http.Header{acao: {o}, acac: {"true"}}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name    string
		status  int
		h       http.Header
		method  string
		headers []string
		cred    bool
		want    string
	}{
		{"405 with CORS headers", 405, base(), "PUT", nil, false, "PreflightInvalidStatus"},
		{"401 without CORS headers", 401, http.Header{}, "PUT", nil, false, "PreflightMissingAllowOriginHeader"},
		{"redirect", 301, base(), "PUT", nil, false, "PreflightDisallowedRedirect"},
		{"method listed", 204, base(acam, "GET, PUT"), "PUT", nil, false, ""},
		{"method case-sensitive", 204, base(acam, "put"), "PUT", nil, false, "MethodDisallowedByPreflightResponse"},
		{"method star", 204, base(acam, "*"), "PUT", nil, false, ""},
		{"method star with credentials", 204, base(acam, "*"), "PUT", nil, true, "MethodDisallowedByPreflightResponse"},
		{"safelisted method", 204, base(), "POST", []string{"Content-Type"}, false, "HeaderDisallowedByPreflightResponse"},
		{"header case-insensitive", 204, base(acah, "content-type"), "POST", []string{"Content-Type"}, false, ""},
		{"header star", 204, base(acah, "*"), "GET", []string{"X-Custom"}, false, ""},
		// Chrome 156, not the standard: "*" covers Authorization without
		// credentials (HeaderAllowed); with credentials "*" is literal.
		{"star covers Authorization in Chrome", 204, base(acah, "*"), "GET", []string{"Authorization"}, false, ""},
		{"star with credentials not Authorization", 204, base(acah, "*"), "GET", []string{"Authorization"}, true, "HeaderDisallowedByPreflightResponse"},
		{"Authorization listed", 204, base(acah, "authorization"), "GET", []string{"Authorization"}, true, ""},
		{"header star with credentials", 204, base(acah, "*"), "GET", []string{"X-Custom"}, true, "HeaderDisallowedByPreflightResponse"},
		{"two Allow-Headers lines", 204, base(acah, "X-A", acah, "X-B"), "GET", []string{"X-A", "X-B"}, false, ""},
	}
	for _, tt := range tests {
		got, param := PreflightCheck(tt.status, tt.h, PreflightRequest{Origin: o, Method: tt.method, Headers: tt.headers, Credentials: tt.cred})
		want := ""
		switch tt.want {
		case "MethodDisallowedByPreflightResponse":
			want = tt.method
		case "HeaderDisallowedByPreflightResponse":
			want = "x-custom"
			if len(tt.headers) > 0 {
				want = strings.ToLower(tt.headers[len(tt.headers)-1])
			}
		}
		if got != tt.want || param != want {
			t.Errorf("%s: %q, %q; want %q, %q", tt.name, got, param, tt.want, want)
		}
	}
}
