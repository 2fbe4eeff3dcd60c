package playground

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corsgate/corsgate/internal/loopback"
)

// redirects is a web.config whose Redirect rules point off host (/away),
// at the emulated server itself (/home) and at a path with a backslash
// (/sneaky), which browsers read as a slash: refused, since "/\host" is
// "//host".
const redirects = `<configuration><system.webServer><rewrite><rules>
  <rule name="away" stopProcessing="true"><match url="^away$" /><action type="Redirect" url="https://any.host/x" redirectType="Found" /></rule>
  <rule name="home" stopProcessing="true"><match url="^home$" /><action type="Redirect" url="/api/orders" redirectType="Found" /></rule>
  <rule name="sneaky" stopProcessing="true"><match url="^sneaky$" /><action type="Redirect" url="/\any.host/x" redirectType="Found" /></rule>
</rules></rewrite></system.webServer></configuration>`

// customRedirect answers every request with a 302 CustomResponse whose
// reason phrase makes the IIS emulation write its own status line (a
// hijacked connection), and a Location and Refresh off host.
const customRedirect = `<configuration><system.webServer>
  <rewrite><rules><rule name="moved" stopProcessing="true"><match url=".*" />
    <action type="CustomResponse" statusCode="302" statusReason="Moved Elsewhere" statusDescription="moved" /></rule></rules></rewrite>
  <httpProtocol><customHeaders>
    <add name="Location" value="http://127.0.0.1:9/steal" />
    <add name="Refresh" value="0; url=https://any.host/" />
  </customHeaders></httpProtocol>
</system.webServer></configuration>`

// get asks the emulated server for path as curl -i would, not following.
func get(t *testing.T, e *emulated, path string) *http.Response {
	t.Helper()
	client := &http.Client{
		Timeout:       5 * time.Second,
		Transport:     &http.Transport{DialContext: loopback.DialLocalhost},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(e.base() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func serveOrFail(t *testing.T, text string) *emulated {
	t.Helper()
	e, err := serve(text, appPlain)
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

func TestAnOffHostRedirectGoesToTheStopPage(t *testing.T) {
	e := serveOrFail(t, redirects)
	for _, path := range []string{"/away", "/sneaky"} {
		resp := get(t, e, path)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.base()+StopPath+"?to=") {
			t.Fatalf("GET %s: got %d Location %q; want 302 to %s%s", path, resp.StatusCode, loc, e.base(), StopPath)
		}
		// Following it lands on the emulated server, which says why.
		stop := get(t, e, strings.TrimPrefix(loc, e.base()))
		body, _ := io.ReadAll(stop.Body)
		if stop.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "the playground does not follow redirects off its own server: ") || !strings.Contains(string(body), "any.host/x") {
			t.Errorf("stop page for %s: got %d %q", path, stop.StatusCode, body)
		}
		if acao := stop.Header.Get("Access-Control-Allow-Origin"); acao != "" {
			t.Errorf("stop page sends Access-Control-Allow-Origin %q; it must send no CORS headers", acao)
		}
	}
	seen := e.stop.Seen()
	if len(seen) != 2 || seen[0].Original != "https://any.host/x" || seen[0].Request != "GET /away" || seen[1].Request != "GET /sneaky" || !strings.Contains(seen[1].Original, `\any.host`) {
		t.Errorf("Seen: got %+v; want the two off-host Locations as IIS sent them", seen)
	}
}

func TestARedirectToTheEmulatedServerIsKept(t *testing.T) {
	e := serveOrFail(t, redirects)
	resp := get(t, e, "/home")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != strings.Replace(e.base(), "http:", "https:", 1)+"/api/orders" {
		t.Errorf("GET /home: got %d Location %q; want 302 to IIS's https://api.localhost:PORT/api/orders", resp.StatusCode, loc)
	}
	if seen := e.stop.Seen(); len(seen) != 0 {
		t.Errorf("Seen: got %+v; want nothing rewritten", seen)
	}
}

func TestACustomResponseRedirectIsRewrittenEvenOnAHijackedConnection(t *testing.T) {
	e := serveOrFail(t, customRedirect)
	resp := get(t, e, "/api/orders")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("got status %d; want the CustomResponse's 302", resp.StatusCode)
	}
	if resp.Status != "302 Moved Elsewhere" {
		t.Errorf("status line %q; want IIS's own reason phrase kept", resp.Status)
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, e.base()+StopPath+"?to=") {
		t.Errorf("Location %q; want the stop page", loc)
	}
	if ref := resp.Header.Get("Refresh"); !strings.HasPrefix(ref, "0; url="+e.base()+StopPath) {
		t.Errorf("Refresh %q; want the stop page", ref)
	}
	if n := len(e.stop.Seen()); n != 2 {
		t.Errorf("Seen: %d rewrites; want 2 (Location and Refresh)", n)
	}
	// What curl shows is what IIS sent.
	lines := e.asSent([]string{"Location: " + resp.Header.Get("Location")})
	if !strings.HasPrefix(lines[0], "Location: http://127.0.0.1:9/steal (the playground's browser got ") {
		t.Errorf("asSent: got %q; want the original Location first", lines[0])
	}
}

func TestOnHost(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://api.localhost:4000/api/orders", nil)
	for target, want := range map[string]bool{
		"/next":                               true,
		"next":                                true,
		"?page=2":                             true,
		"http://api.localhost:4000/x":         true,
		"HTTP://API.LOCALHOST:4000/x":         true,
		"https://api.localhost:4000/x":        true,
		"http://api.localhost/x":              false,
		"http://api.localhost:4001/x":         false,
		"//any.host/x":                        false,
		"/\\any.host/x":                       false,
		"/\t/any.host/x":                      false,
		" //any.host/x":                       false,
		"http://api.localhost:4000@any.host/": false,
		"http://u@api.localhost:4000/":        false,
		"http:any.host":                       false,
		"http:///any.host":                    false,
		"javascript:alert(1)":                 false,
		"https://127.0.0.1:9/":                false,
	} {
		if got := onHost(target, r); got != want {
			t.Errorf("onHost(%q): got %v; want %v", target, got, want)
		}
	}
}

func TestRefreshURL(t *testing.T) {
	for v, want := range map[string]string{
		"5":                        "",
		"0; url=https://any.host/": "https://any.host/",
		"0;URL='/next'":            "/next",
		"3, https://any.host/":     "https://any.host/",
		"0; url = /x":              "/x",
	} {
		if got := refreshURL(v); got != want {
			t.Errorf("refreshURL(%q): got %q; want %q", v, got, want)
		}
	}
}
