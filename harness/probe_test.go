package harness

import (
	"strings"
	"testing"
	"time"
)

func TestNeedsPreflight(t *testing.T) {
	const page = "http://app.localhost:1"
	tests := []struct {
		name string
		p    Probe
		want bool
	}{
		{"simple GET", Probe{Method: "GET"}, false},
		{"POST text/plain", Probe{Method: "POST", Headers: []Header{{Name: "Content-Type", Value: "text/plain;charset=utf-8"}}}, false},
		{"POST json", Probe{Method: "POST", Headers: []Header{{Name: "Content-Type", Value: "application/json"}}}, true},
		{"PUT", Probe{Method: "PUT"}, true},
		{"lower-case patch", Probe{Method: "patch"}, true},
		{"custom header", Probe{Method: "GET", Headers: []Header{{Name: "X-Custom", Value: "1"}}}, true},
		{"Authorization", Probe{Method: "GET", Headers: []Header{{Name: "Authorization", Value: "Bearer x"}}}, true},
		{"long Accept-Language", Probe{Method: "GET", Headers: []Header{{Name: "Accept-Language", Value: strings.Repeat("a", 129)}}}, true},
		{"no-cors never", Probe{Method: "PUT", Mode: "no-cors"}, false},
		{"same origin never", Probe{Method: "PUT", URL: page + "/x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if p.URL == "" {
				p.URL = "http://api.localhost:2/x"
			}
			if p.Mode == "" {
				p.Mode = "cors"
			}
			if got := p.NeedsPreflight(page); got != tt.want {
				t.Errorf("NeedsPreflight(%s) = %v; want %v", p, got, tt.want)
			}
		})
	}
}

func TestProbeValidation(t *testing.T) {
	bad := []struct {
		p    Probe
		want string
	}{
		{Probe{URL: "/relative"}, "not an absolute http(s) URL"},
		{Probe{URL: "ftp://x/y"}, "not an absolute http(s) URL"},
		{Probe{URL: "http://x/y", Credentials: "always"}, `credentials "always"`},
		{Probe{URL: "http://x/y", Mode: "navigate"}, `mode "navigate"`},
		{Probe{URL: "http://x/y", API: XHR, Mode: "no-cors"}, "api xhr cannot set mode"},
		{Probe{URL: "http://x/y", Method: "GET", Body: "x"}, "GET and HEAD requests cannot carry one"},
	}
	for _, tt := range bad {
		_, err := tt.p.withDefaults(time.Second)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("withDefaults(%+v) error = %v; want it to contain %q", tt.p, err, tt.want)
		}
	}
	p, err := Probe{URL: "http://x/y"}.withDefaults(time.Second)
	if err != nil || p.Method != "GET" || p.Credentials != CredentialsSameOrigin || p.Mode != "cors" || p.API != Fetch {
		t.Errorf("defaults = %+v, %v; want GET, same-origin, cors, fetch", p, err)
	}
}

func TestHeaderListKeepsDuplicatesFromRawText(t *testing.T) {
	text := "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: a\r\nAccess-Control-Allow-Origin: a\r\nVary: Origin\r\n\r\n"
	got := headerList(nil, text)
	if len(got) != 3 || got[0].Value != "a" || got[1].Name != "Access-Control-Allow-Origin" {
		t.Errorf("headerList = %+v; want both Allow-Origin lines and Vary", got)
	}
	got = headerList(map[string]any{"X-A": "1\n2"}, "")
	if len(got) != 2 {
		t.Errorf("headerList(map) = %+v; want the joined value split into two lines", got)
	}
}

func TestRedactHidesCredentials(t *testing.T) {
	s := Probe{Method: "GET", URL: "http://x/", Headers: []Header{{Name: "Authorization", Value: "Bearer secret"}, {Name: "Cookie", Value: "sid=1"}}}.String()
	if strings.Contains(s, "secret") || strings.Contains(s, "sid=1") {
		t.Errorf("Probe.String() = %q; want credentials redacted", s)
	}
}

func TestRedactAllKeepsNamesHidesValues(t *testing.T) {
	got := redactAll([]Header{{Name: "Cookie", Value: "sid=abc; theme=dark"}, {Name: "Set-Cookie", Value: "sid=abc; Path=/"}, {Name: "Authorization", Value: "Basic dXNlcg=="}, {Name: "Origin", Value: "http://a"}})
	for _, h := range got {
		if strings.Contains(h.Value, "abc") || strings.Contains(h.Value, "dXNlcg") {
			t.Errorf("%s = %q; want the secret redacted", h.Name, h.Value)
		}
	}
	if got[0].Value != "sid=<redacted>; theme=<redacted>" || got[3].Value != "http://a" {
		t.Errorf("redactAll = %+v; want cookie names kept and Origin untouched", got)
	}
}

func TestFindChromeReportsMissingBrowserInOneLine(t *testing.T) {
	t.Setenv("CHROME_PATH", "/nonexistent/chromium")
	_, err := FindChrome()
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "CHROME_PATH") {
		t.Fatalf("FindChrome error = %v; want one line naming CHROME_PATH", err)
	}
}
