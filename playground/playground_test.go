package playground

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/lab"
)

const configDir = "../fixtures/iis/testdata"

func TestValidPathRejectsEverythingButAPath(t *testing.T) {
	for _, p := range []string{"http://example.com/", "https://api.localhost:1/x", "//evil.test/x", "api/orders", "", "/a b", `/a\b`, "javascript:alert(1)", "/" + strings.Repeat("a", maxPath)} {
		if err := validPath(p); err == nil {
			t.Errorf("validPath(%q) = nil; want an error", p)
		}
	}
	for _, p := range []string{"/", "/api/orders", "/api/orders/error?x=1"} {
		if err := validPath(p); err != nil {
			t.Errorf("validPath(%q) = %v; want nil", p, err)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	known := func(name string) error {
		if name == "https://app.example.com" || name == "https://admin.example.com" {
			return nil
		}
		return fmt.Errorf("playground: page origin %q is not one the playground serves", name)
	}
	ok := Request{Origin: "https://app.example.com", Path: "/api/orders"}
	cases := []struct {
		edit func(*Request)
		want string
	}{
		{func(r *Request) { r.Method = "GET /x" }, "method"},
		{func(r *Request) { r.Credentials = "always" }, "credentials"},
		{func(r *Request) { r.Headers = []Header{{Name: "X Bad", Value: "1"}} }, "header name"},
		{func(r *Request) { r.Headers = []Header{{Name: "X-A", Value: "1\r\nHost: evil"}} }, "line break"},
		{func(r *Request) { r.BodyType, r.Body = BodyJSON, "{}" }, "cannot carry a body"},
		{func(r *Request) { r.BodyType = "xml" }, "body type"},
		{func(r *Request) { r.Origin = "https://evil.test" }, "not one the playground serves"},
		{func(r *Request) { r.Sequence = SequenceThenFrom }, `page origin "https://app.example.com" then ""`},
		{func(r *Request) { r.Sequence = SequenceThenFrom; r.Second = SameOrigin }, `then "same-origin" needs two page origins`},
		{func(r *Request) { r.Sequence = "thrice" }, "sequence"},
		{func(r *Request) { r.Path = "http://169.254.169.254/" }, "only calls its own emulated server"},
	}
	for _, c := range cases {
		r := ok
		c.edit(&r)
		err := r.validate(known)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("validate(%+v) = %v; want an error mentioning %q", r, err, c.want)
		}
	}
	r := ok
	if err := r.validate(known); err != nil || r.Method != "GET" || r.Credentials != "same-origin" {
		t.Errorf("validate(%+v) = %v; want nil with fetch's defaults GET, same-origin", r, err)
	}
}

func TestCheckConfig(t *testing.T) {
	big := "<configuration>" + strings.Repeat(" ", MaxConfig) + "</configuration>"
	if r := checkConfig(big); r.Error == nil || !strings.Contains(r.Error.Text, "at most 64 KiB") {
		t.Errorf("a %d-byte config: %+v; want the size limit named", len(big), r.Error)
	}
	broken := "<?xml version=\"1.0\"?>\n<configuration>\n  <system.webServer>\n    <httpProtocol\n  </system.webServer>\n</configuration>\n"
	if r := checkConfig(broken); r.Error == nil || r.Error.Line == 0 {
		t.Errorf("broken XML: %+v; want an error with its line", r.Error)
	}
	text, err := os.ReadFile(filepath.Join(configDir, "customheaders-trailing-slash.config"))
	if err != nil {
		t.Fatal(err)
	}
	r := checkConfig(string(text))
	found := false
	for _, f := range r.Findings {
		found = found || (f.Rule == "origin-has-path" && f.Line == 7)
	}
	if r.Error != nil || !found {
		t.Errorf("customheaders-trailing-slash: %+v; want origin-has-path on line 7", r)
	}
}

// Every lab check survives the trip through the page's form: the request
// the playground sends for a lab link is the lab's own probe.
func TestLabChecksRoundTrip(t *testing.T) {
	n := 0
	for _, e := range lab.Catalogue {
		for i, c := range e.Checks {
			got := checkFor(requestOf(c))
			want := c.Probe
			if want.Method == "" {
				want.Method = "GET"
			}
			if want.Credentials == "" {
				want.Credentials = "same-origin"
			}
			if got.SameOrigin != c.SameOrigin || got.Twice != c.Twice || got.Probe.String() != want.String() ||
				got.Probe.Page != want.Page || got.Probe.Body != want.Body {
				t.Errorf("%s check %d: playground sends %s from %q; lab sends %s from %q", e.Config, i, got.Probe, got.Probe.Page, want, want.Page)
			}
			n++
		}
	}
	cases, err := loadCases(configDir)
	if err != nil || len(cases) != n {
		t.Fatalf("loadCases: %d cases, %v; want %d", len(cases), err, n)
	}
}

func TestEveryFixAppliesToItsLabConfiguration(t *testing.T) {
	for _, f := range Fixes {
		if _, ok := labCheck(f.Config, f.Check); !ok {
			t.Errorf("fix for %q check %d: no such lab case", f.Config, f.Check)
			continue
		}
		text, err := os.ReadFile(filepath.Join(configDir, f.Config+".config"))
		if err != nil {
			t.Fatal(err)
		}
		fixed, ok := f.Apply(string(text))
		if !ok || fixed == string(text) {
			t.Errorf("fix for %q does not apply to its file", f.Config)
			continue
		}
		if _, err := iis.Parse(f.Config, []byte(fixed)); err != nil {
			t.Errorf("fix for %q gives a file the parser refuses: %v", f.Config, err)
		}
	}
}

func TestStepFor(t *testing.T) {
	for _, c := range []struct{ outcome, corsError, link string }{
		{"cors-blocked", "AllowOriginMismatch", "#cors-check"},
		{"cors-blocked", "WildcardOriginNotAllowed", "#cors-check"},
		{"cors-blocked", "PreflightInvalidStatus", "#cors-preflight-fetch"},
		{"cors-blocked", "HeaderDisallowedByPreflightResponse", "#cors-preflight-fetch"},
		{"cors-blocked", "InvalidAllowHeadersPreflightResponse", "#cors-preflight-fetch"},
		{"cors-blocked", "PreflightDisallowedRedirect", "#cors-preflight-fetch"},
		{"cors-blocked", "DisallowedByMode", "#main-fetch"},
		{"cors-blocked", "RedirectContainsCredentials", "#http-redirect-fetch"},
		{"readable", "", "#cors-check"},
		{"cors-blocked", "LocalNetworkAccessPermissionDenied", "local-network-access/#local-network-request"},
		{"cors-blocked", "InsecureLocalNetwork", "local-network-access/#local-network-request"},
	} {
		s := stepFor(c.outcome, c.corsError)
		if s == nil || !strings.HasSuffix(s.Link, c.link) {
			t.Errorf("stepFor(%s, %s) = %+v; want a link ending %s", c.outcome, c.corsError, s, c.link)
		}
	}
	if s := stepFor("network-failure", ""); s != nil {
		t.Errorf("a network failure has no Fetch CORS step; got %+v", s)
	}
	// fetchspec.StageOther: no CORS step is claimed.
	for _, e := range []string{"InvalidResponse"} {
		if s := stepFor("cors-blocked", e); s != nil {
			t.Errorf("stepFor(cors-blocked, %s) = %+v; want no step (fetchspec.StageOther)", e, s)
		}
	}
}

func TestListenIsLoopbackOnlyAndNeverFallsBack(t *testing.T) {
	held, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	taken := held.Addr().(*net.TCPAddr).Port
	// 0 is the default port; taken, it is an error naming the port and PORT=.
	for _, port := range []int{0, taken} {
		ln, err := listen(port, taken)
		if err == nil {
			ln.Close()
			t.Fatalf("listen(%d) with port %d taken: listened on %s; want an error", port, taken, ln.Addr())
		}
		if msg := err.Error(); !strings.Contains(msg, itoa(taken)) || !strings.Contains(msg, "PORT=") || strings.Contains(msg, "\n") {
			t.Errorf("listen(%d): %q; want one line naming port %d and PORT=", port, msg, taken)
		}
	}
	held.Close()
	ln, err := listen(0, taken)
	if err != nil {
		t.Fatalf("listen(0) with port %d free: %v", taken, err)
	}
	defer ln.Close()
	if a := ln.Addr().(*net.TCPAddr); !a.IP.IsLoopback() || a.Port != taken {
		t.Errorf("listening on %s; want 127.0.0.1:%d", a, taken)
	}
	if _, err := Listen(70000); err == nil || !strings.Contains(err.Error(), "70000") {
		t.Errorf("Listen(70000): %v; want the port named", err)
	}
}

func TestLabReportLinksToTheDefaultPortByCheckSlug(t *testing.T) {
	cases, err := loadCases(configDir)
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[string]bool{}
	for _, c := range cases {
		if c.Slug == "" || slugs[c.Config+"/"+c.Slug] {
			t.Errorf("%s check %d (%q): slug %q is empty or not unique in its configuration", c.Config, c.Check, c.Name, c.Slug)
		}
		slugs[c.Config+"/"+c.Slug] = true
	}
	e := lab.Catalogue[0]
	r := &lab.Report{Entries: []lab.EntryReport{{Entry: e, Checks: []lab.CheckReport{{Check: e.Checks[0], Err: "not run"}}}}}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(e.Config, ".config")
	link := "http://127.0.0.1:" + itoa(DefaultPort) + "/?lab=" + name + "&amp;check=" + lab.CheckSlug(e.Checks[0].Name)
	if !strings.Contains(b.String(), `href="`+link+`"`) {
		t.Errorf("the lab's HTML report has no link %s", link)
	}
	// The link's case exists in the playground.
	if !slugs[name+"/"+lab.CheckSlug(e.Checks[0].Name)] {
		t.Errorf("the playground has no case for %s check %q", e.Config, e.Checks[0].Name)
	}
}

func TestCheckSlug(t *testing.T) {
	for name, want := range map[string]string{
		"the real origin is refused":                       "the-real-origin-is-refused",
		"preflight passes; the actual request…":            "preflight-passes-the-actual-request",
		"the preflight passes on OPTIONSVerbHandler's 200": "the-preflight-passes-on-optionsverbhandler-s-200",
		"  Max-Age  ": "max-age",
	} {
		if got := lab.CheckSlug(name); got != want {
			t.Errorf("CheckSlug(%q) = %q; want %q", name, got, want)
		}
	}
}

// A server with no browser: every request below must be refused before
// one would be needed.
func browserless(t *testing.T) *Server {
	cases, err := loadCases(configDir)
	if err != nil {
		t.Fatal(err)
	}
	return &Server{cases: cases, timeout: time.Second, browser: make(chan struct{}, 1), tabs: map[string]bool{}}
}

func post(t *testing.T, s *Server, path, body, tab string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Host = "127.0.0.1:8088"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Playground-Tab", tab)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	return w
}

func TestRunRefusesBeforeTheBrowser(t *testing.T) {
	s := browserless(t)
	cases := []struct{ name, body, want string }{
		{"broken config", `{"config":"<configuration>\n<oops","request":{"origin":"https://app.example.com","path":"/api/orders"}}`, `"line":2`},
		{"absolute URL", `{"config":"<configuration/>","request":{"origin":"same-origin","path":"https://evil.test/"}}`, "only calls its own emulated server"},
		{"origin not offered", `{"config":"<configuration/>","request":{"origin":"http://api.localhost:1","path":"/api/orders"}}`, "not one the playground serves"},
		{"unknown field", `{"config":"<configuration/>","url":"https://evil.test/"}`, "not a state it reads"},
		{"oversized body", `{"config":"` + strings.Repeat("a", 5*MaxConfig) + `"}`, "not a state it reads"},
	}
	for _, c := range cases {
		w := post(t, s, "/api/run", c.body, "t1")
		if w.Code < 400 || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s: %d %s; want a refusal mentioning %s", c.name, w.Code, clip(w.Body.String()), c.want)
		}
	}
	if s.Runs() != 0 {
		t.Errorf("%d runs; want none", s.Runs())
	}
}

func TestOneRunPerTab(t *testing.T) {
	s := browserless(t)
	s.claimTab("busy")
	w := post(t, s, "/api/run", `{"config":"<configuration/>","request":{"origin":"same-origin","path":"/"}}`, "busy")
	if w.Code != http.StatusTooManyRequests {
		t.Errorf("a second run from a busy tab: %d %s; want 429", w.Code, clip(w.Body.String()))
	}
}

func TestTheBrowserIsTakenOneRunAtATime(t *testing.T) {
	s := browserless(t)
	s.browser <- struct{}{} // another run holds the browser
	ctx, cancel := contextWithTimeout(50 * time.Millisecond)
	defer cancel()
	if err := s.acquire(ctx); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Errorf("acquire while busy = %v; want the browser named busy", err)
	}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func TestOnlyItsOwnPageCallsTheAPI(t *testing.T) {
	s := browserless(t)
	body := `{"config":"<configuration/>","request":{"origin":"same-origin","path":"/"}}`
	for _, c := range []struct {
		name, host, origin, contentType string
		want                            int
	}{
		{"another site's form post", "127.0.0.1:8088", "https://evil.test", "text/plain", http.StatusForbidden},
		{"a simple cross-origin POST without Origin", "127.0.0.1:8088", "", "text/plain", http.StatusUnsupportedMediaType},
		{"DNS rebinding", "evil.test:8088", "", "application/json", http.StatusForbidden},
	} {
		req := httptest.NewRequest(http.MethodPost, "/api/lint", strings.NewReader(body))
		req.Host = c.host
		req.Header.Set("Content-Type", c.contentType)
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("%s: %d %s; want %d", c.name, w.Code, clip(w.Body.String()), c.want)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/api/lint", strings.NewReader(body))
	req.Host = "127.0.0.1:8088"
	req.Header.Set("Origin", "http://127.0.0.1:8088")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Errorf("the page's own lint call: %d %s; want 200", w.Code, clip(w.Body.String()))
	}
}
