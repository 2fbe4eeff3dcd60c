package playground

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// StopPath is the path on the emulated server an off-host Location or
// Refresh is rewritten to: the playground's browser follows redirects
// (a probe fetches with redirect "follow",
// https://fetch.spec.whatwg.org/#http-redirect-fetch), and only the page
// origins are mapped to loopback, so a Redirect rule or a 3xx
// CustomResponse pointing at https://any.host/ would otherwise send Chrome
// to that real host. The stop page answers 403 with no CORS headers.
const StopPath = "/.corsgate-playground/off-host"

// Neutralised is one off-host Location or Refresh the playground rewrote.
type Neutralised struct {
	Request  string `json:"request"`  // "GET /api/orders"
	Header   string `json:"header"`   // Location or Refresh
	Original string `json:"original"` // what the emulated IIS sent
	Sent     string `json:"sent"`     // what the browser received instead
}

// offHost wraps the emulated server: it answers StopPath itself and
// rewrites every response's off-host Location and Refresh to StopPath,
// keeping what it rewrote for the result panel.
type offHost struct {
	next http.Handler
	mu   sync.Mutex
	seen []Neutralised
}

func (o *offHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == StopPath {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "the playground does not follow redirects off its own server: %s\n", r.URL.Query().Get("to"))
		return
	}
	o.next.ServeHTTP(&stopWriter{ResponseWriter: w, o: o, r: r}, r)
}

// Seen are the headers rewritten so far.
func (o *offHost) Seen() []Neutralised {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Neutralised(nil), o.seen...)
}

// neutralise rewrites h's off-host Location and Refresh values in place.
func (o *offHost) neutralise(h http.Header, r *http.Request) {
	for _, name := range []string{"Location", "Refresh"} {
		vs := h.Values(name)
		for i, v := range vs {
			target := v
			if name == "Refresh" {
				target = refreshURL(v)
			}
			if target == "" || onHost(target, r) {
				continue
			}
			sent := "http://" + r.Host + StopPath + "?to=" + url.QueryEscape(v)
			if name == "Refresh" {
				sent = "0; url=" + sent
			}
			vs[i] = sent
			o.record(Neutralised{Request: r.Method + " " + r.URL.RequestURI(), Header: name, Original: v, Sent: sent})
		}
	}
}

// record keeps n once (curl and Chrome send the same requests).
func (o *offHost) record(n Neutralised) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range o.seen {
		if m == n {
			return
		}
	}
	o.seen = append(o.seen, n)
}

// onHost reports whether target, resolved against r's URL, stays on the
// emulated server: the same host and port. Over https it still reaches
// only the emulated server's port (the IIS emulation assumes https, so
// its relative Redirects come out as https://api.localhost:PORT/...). Anything Go and a
// browser might parse differently — a backslash, a control character or
// space (https://url.spec.whatwg.org/#url-parsing strips and converts
// them), user info — counts as off host.
func onHost(target string, r *http.Request) bool {
	if strings.ContainsAny(target, "\\") || strings.IndexFunc(target, func(c rune) bool { return c <= ' ' || c == 0x7f }) >= 0 {
		return false
	}
	u, err := url.Parse(target)
	if err != nil || u.User != nil || u.Opaque != "" {
		return false
	}
	base := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
	abs := base.ResolveReference(u)
	return (abs.Scheme == "http" || abs.Scheme == "https") && strings.EqualFold(abs.Host, r.Host) && abs.User == nil
}

// refreshURL is the URL of a Refresh value ("5; url=/next"), "" when it
// names none (https://html.spec.whatwg.org/multipage/semantics.html#shared-declarative-refresh-steps).
func refreshURL(v string) string {
	s := strings.TrimLeft(strings.TrimSpace(v), "0123456789.")
	s = strings.TrimLeft(s, " \t;,")
	if len(s) >= 3 && strings.EqualFold(s[:3], "url") {
		if rest := strings.TrimLeft(s[3:], " \t"); strings.HasPrefix(rest, "=") {
			s = strings.TrimLeft(rest[1:], " \t")
		}
	}
	return strings.Trim(s, `"'`)
}

// stopWriter neutralises the headers just before they are written: at
// WriteHeader, or at Hijack for the IIS emulation's own status line
// (fixtures/iis/reason.go writes the headers itself after hijacking).
type stopWriter struct {
	http.ResponseWriter
	o    *offHost
	r    *http.Request
	done bool
}

func (w *stopWriter) check() {
	if !w.done {
		w.done = true
		w.o.neutralise(w.Header(), w.r)
	}
}

func (w *stopWriter) WriteHeader(code int) {
	if code >= 200 {
		w.check()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *stopWriter) Write(b []byte) (int, error) {
	w.check()
	return w.ResponseWriter.Write(b)
}

// Hijack neutralises the headers the hijacker is about to write itself.
func (w *stopWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.check()
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *stopWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *stopWriter) Flush() {
	w.check()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}
