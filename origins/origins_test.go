package origins

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseExact(t *testing.T) {
	good := map[string]string{
		"https://app.example.com":     "https://app.example.com",
		"https://APP.example.com:443": "https://app.example.com",
		"http://localhost:3000":       "http://localhost:3000",
	}
	for in, want := range good {
		o, err := ParseExact(in)
		if err != nil || o.Serialize() != want || !o.Impersonated {
			t.Errorf("ParseExact(%q) = %v, %v; want %s, impersonated", in, o.Serialize(), err, want)
		}
	}
	bad := map[string]string{
		"https://app.example.com/":    "trailing slash",
		"https://app.example.com/api": "path",
		"app.example.com":             "not an origin",
		"https://*.example.com":       "wildcard",
		"ftp://app.example.com":       "not an origin",
	}
	for in, want := range bad {
		if _, err := ParseExact(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseExact(%q) error = %v; want it to mention %q", in, err, want)
		}
	}
}

func TestSandboxedOriginIsNullAndServedWithCSPSandbox(t *testing.T) {
	o := Origin{Name: Opaque, Scheme: "http", Host: "app.localhost", Port: 8080, Sandboxed: true}
	if o.Serialize() != "null" {
		t.Errorf("Serialize() = %q; want null", o.Serialize())
	}
	w := httptest.NewRecorder()
	PageHandler().ServeHTTP(w, httptest.NewRequest("GET", o.PageURL(), nil))
	if got := w.Header().Get("Content-Security-Policy"); got != "sandbox allow-scripts" {
		t.Errorf("CSP = %q; want sandbox allow-scripts", got)
	}
	if !strings.Contains(w.Body.String(), "window.__corsgate") {
		t.Error("page does not define the probe runner")
	}
	w = httptest.NewRecorder()
	PageHandler().ServeHTTP(w, httptest.NewRequest("GET", "http://app.localhost/other", nil))
	if w.Code != 404 {
		t.Errorf("GET /other = %d; want 404", w.Code)
	}
}

func TestCastNamesAreUnique(t *testing.T) {
	seen := map[Name]bool{}
	for _, s := range Cast {
		if seen[s.Name] {
			t.Errorf("origin %q declared twice", s.Name)
		}
		seen[s.Name] = true
	}
}
