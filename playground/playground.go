// Package playground is the teaching playground (make playground): one page
// where a student picks a lab configuration or edits a web.config, chooses
// the request, and watches headless Chromium decide — with what curl sees,
// Chrome's own console message, the Fetch step that decided, and the lab's
// explanation and fix. It is a thin HTTP layer over the lab, the IIS
// emulation, the linter and the harness; the page is html/template and
// plain JavaScript, embedded, with nothing fetched from elsewhere.
package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corsgate/corsgate/harness"
)

// Config configures a Server.
type Config struct {
	// Env is the browser the requests run in (StartBrowser).
	Env *harness.Env
	// ConfigDir holds the lab's web.config files (fixtures/iis/testdata).
	ConfigDir string
	// RunTimeout bounds one run, waiting for the browser included; default 30s.
	RunTimeout time.Duration
}

// Server is the playground's HTTP handler.
type Server struct {
	env     *harness.Env
	cases   []Case
	origins []Origin
	timeout time.Duration
	// browser admits one run at a time: there is one browser.
	browser chan struct{}
	tabsMu  sync.Mutex
	tabs    map[string]bool // tabs with a run in progress
	runs    atomic.Int64
}

// New loads the lab's cases and returns the playground.
func New(cfg Config) (*Server, error) {
	if cfg.Env == nil {
		return nil, errors.New("playground: no browser; start one with StartBrowser")
	}
	cases, err := loadCases(cfg.ConfigDir)
	if err != nil {
		return nil, err
	}
	if cfg.RunTimeout == 0 {
		cfg.RunTimeout = 30 * time.Second
	}
	return &Server{
		env: cfg.Env, cases: cases, origins: originChoices(cfg.Env), timeout: cfg.RunTimeout,
		browser: make(chan struct{}, 1), tabs: map[string]bool{},
	}, nil
}

// Runs counts the requests run in the browser so far (a run with a config
// or request error runs nothing and is not counted).
func (s *Server) Runs() int64 { return s.runs.Load() }

// Handler serves the page, its assets and its API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFS)))
	mux.HandleFunc("GET /api/data", s.data)
	mux.HandleFunc("POST /api/lint", s.lint)
	mux.HandleFunc("POST /api/run", s.run)
	return guard(mux)
}

// guard keeps the playground to its own page: a Host that is not loopback
// (DNS rebinding) is refused, and so is an API call from another origin,
// which other sites' pages could otherwise make with the student's
// browser. The API takes only application/json, which no cross-origin page
// can send without a CORS preflight the playground never answers
// (https://fetch.spec.whatwg.org/#cors-safelisted-request-header).
func guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host := hostOnly(r.Host); host != "127.0.0.1" && host != "localhost" && host != "::1" {
			http.Error(w, fmt.Sprintf("playground: host %q is not loopback; open http://127.0.0.1:PORT/", r.Host), http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
				http.Error(w, fmt.Sprintf("playground: origin %q may not call the playground's API; use the playground's own page", o), http.StatusForbidden)
				return
			}
			if mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
				http.Error(w, "playground: the API takes Content-Type: application/json only", http.StatusUnsupportedMediaType)
				return
			}
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		// The page and its script come from here only.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

// hostOnly is the host of a Host header, without its port.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTemplate.Execute(w, pageData{Browser: s.env.Browser.Version, MaxConfig: MaxConfig}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// data is what the page builds its menus from.
func (s *Server) data(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"cases": s.cases, "origins": s.origins, "fixes": Fixes, "maxConfig": MaxConfig,
		"browser": s.env.Browser.Version,
	})
}

// LintResult is the editor's side panel: the parser's error, or the lint
// findings.
type LintResult struct {
	Error    *ConfigError `json:"error,omitempty"`
	Findings []Finding    `json:"findings"`
}

func (s *Server) lint(w http.ResponseWriter, r *http.Request) {
	var st State
	if err := readJSON(w, r, &st); err != nil {
		writeJSON(w, http.StatusBadRequest, Result{Problem: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, checkConfig(st.Config))
}

// checkConfig parses and lints a web.config.
func checkConfig(text string) LintResult {
	if len(text) > MaxConfig {
		return LintResult{Error: &ConfigError{Text: fmt.Sprintf("playground: the web.config is %d bytes; the playground parses at most %d KiB, paste the <system.webServer> parts that matter", len(text), MaxConfig>>10)}}
	}
	cfg, cerr := parse(text)
	if cerr != nil {
		return LintResult{Error: cerr}
	}
	return LintResult{Findings: lint(cfg)}
}

// readJSON decodes a request body of at most MaxConfig plus room for the
// request side.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2*MaxConfig+maxBody+64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("playground: the request to the playground is not a state it reads (%v); reload the page", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// acquire takes the browser for one run, waiting at most until ctx ends.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.browser <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("playground: the browser stayed busy with another run for %s; try again", s.timeout)
	}
}

func (s *Server) release() { <-s.browser }

// claimTab marks a tab busy; false when it already has a run in progress.
func (s *Server) claimTab(tab string) bool {
	s.tabsMu.Lock()
	defer s.tabsMu.Unlock()
	if s.tabs[tab] {
		return false
	}
	s.tabs[tab] = true
	return true
}

func (s *Server) freeTab(tab string) {
	s.tabsMu.Lock()
	defer s.tabsMu.Unlock()
	delete(s.tabs, tab)
}
