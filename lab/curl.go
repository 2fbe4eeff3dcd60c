package lab

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/internal/loopback"
)

// CurlExchange is what a curl-like client sees for one request: it sends
// the same Origin (and preflight headers) as the browser, and applies no
// CORS rule at all.
type CurlExchange struct {
	Request string // e.g. "OPTIONS /api/orders (Origin: https://app.example.com, Access-Control-Request-Method: POST)"
	Status  int
	// CORS are the CORS evidence lines (fetchspec.IsCORSEvidenceHeader:
	// Access-Control-*, Vary, Cache-Control, WWW-Authenticate, Location),
	// sorted by name, duplicates kept in the order they came.
	CORS []string
	Err  string
}

// Curl sends the check's requests the way `curl -i -H "Origin: ..."` would:
// the preflight Chrome would send (when the Fetch rules require one), then
// the actual request.
func (s *Server) Curl(c Check, origin string) []CurlExchange {
	p := s.Probe(c, "")
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	client := &http.Client{
		Timeout:       5 * time.Second,
		Transport:     &http.Transport{DialContext: loopback.DialLocalhost},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var out []CurlExchange
	if p.Mode == "" {
		p.Mode = "cors"
	}
	if p.NeedsPreflight(origin) {
		h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {p.Method}}
		if names := fetchspec.UnsafeRequestHeaderNames(p.Headers); len(names) > 0 {
			h.Set("Access-Control-Request-Headers", strings.Join(names, ","))
		}
		out = append(out, send(client, http.MethodOptions, p.URL, h, ""))
	}
	h := http.Header{"Origin": {origin}}
	for _, kv := range p.Headers {
		h.Add(kv.Name, kv.Value)
	}
	return append(out, send(client, p.Method, p.URL, h, p.Body))
}

func send(client *http.Client, method, url string, h http.Header, body string) CurlExchange {
	var names []string
	for _, k := range []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"} {
		if v := h.Get(k); v != "" {
			names = append(names, k+": "+v)
		}
	}
	ex := CurlExchange{Request: fmt.Sprintf("%s %s (%s)", method, pathOf(url), strings.Join(names, ", "))}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		ex.Err = err.Error()
		return ex
	}
	req.Header = h
	resp, err := client.Do(req)
	if err != nil {
		ex.Err = err.Error()
		return ex
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	ex.Status = resp.StatusCode
	for name, vs := range resp.Header {
		if fetchspec.IsCORSEvidenceHeader(name) {
			for _, v := range vs {
				ex.CORS = append(ex.CORS, name+": "+v)
			}
		}
	}
	sortLines(ex.CORS)
	return ex
}

func pathOf(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		if j := strings.IndexByte(url[i+3:], '/'); j >= 0 {
			return url[i+3+j:]
		}
	}
	return url
}

// sortLines sorts in place by header name, keeping duplicates next to each
// other in their original order.
func sortLines(ls []string) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && strings.ToLower(ls[j-1]) > strings.ToLower(ls[j]); j-- {
			ls[j-1], ls[j] = ls[j], ls[j-1]
		}
	}
}
