package playground

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Result is one run as the page shows it.
type Result struct {
	// Error is the parser's refusal of the web.config, and Problem a
	// request the playground will not send: either way nothing ran.
	Error    *ConfigError `json:"error,omitempty"`
	Problem  string       `json:"problem,omitempty"`
	Findings []Finding    `json:"findings"`
	// Base is the emulated server's origin for this run.
	Base string `json:"base,omitempty"`
	// Curl is what a curl-like client saw (preflight, then actual).
	Curl []CurlExchange `json:"curl,omitempty"`
	// Runs is what Chrome did with each request of the sequence.
	Runs []RunView `json:"runs,omitempty"`
	// Chrome and Console are Chrome's decision and console message as make
	// lab words them.
	Chrome  string `json:"chrome,omitempty"`
	Console string `json:"console,omitempty"`
	Step    *Step  `json:"step,omitempty"`
	// OffHost are the redirects off the emulated server the playground
	// rewrote to its stop page (StopPath) instead of letting Chrome follow.
	OffHost []Neutralised `json:"offHost,omitempty"`
	Lab     *Known        `json:"lab,omitempty"`
	Elapsed int64         `json:"elapsedMs,omitempty"`
}

// Known is what the lab knows about the case's configuration.
type Known struct {
	Config  string `json:"config"`
	Name    string `json:"name"`
	Mistake string `json:"mistake"`
	Fix     string `json:"fix"`
	Why     string `json:"why"`
	// Unchanged: config and request are the lab's case as written, so the
	// lab's expectation applies; AsExpected and Differs judge it.
	Unchanged  bool   `json:"unchanged"`
	AsExpected bool   `json:"asExpected"`
	Differs    string `json:"differs,omitempty"`
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	var st State
	if err := readJSON(w, r, &st); err != nil {
		writeJSON(w, http.StatusBadRequest, Result{Problem: err.Error()})
		return
	}
	tab := r.Header.Get("X-Playground-Tab")
	if tab == "" {
		tab = r.RemoteAddr
	}
	if !s.claimTab(tab) {
		writeJSON(w, http.StatusTooManyRequests, Result{Problem: "playground: this tab already has a run in progress; wait for its result"})
		return
	}
	defer s.freeTab(tab)
	res := s.Run(r.Context(), st)
	status := http.StatusOK
	if res.Error != nil || res.Problem != "" {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, res)
}

// Run parses, lints and, when both sides are valid, performs the state's
// request in the browser against the emulated server.
func (s *Server) Run(ctx context.Context, st State) *Result {
	lr := checkConfig(st.Config)
	res := &Result{Error: lr.Error, Findings: lr.Findings}
	if res.Error != nil {
		return res
	}
	if st.App != appLevelApp {
		st.App = appPlain
	}
	if err := st.Request.validate(s.offered); err != nil {
		res.Problem = err.Error()
		return res
	}
	res.Lab = s.known(st)

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.acquire(ctx); err != nil {
		res.Problem = err.Error()
		return res
	}
	defer s.release()

	start := time.Now()
	srv, err := serve(st.Config, st.App)
	if err != nil {
		res.Problem = err.Error()
		return res
	}
	defer srv.Close()
	res.Base = srv.base()
	c := checkFor(st.Request)
	origin := srv.base()
	if !c.SameOrigin {
		o, err := s.env.Origin(c.Probe.Page)
		if err != nil {
			res.Problem = err.Error()
			return res
		}
		origin = o.Serialize()
	}
	res.Curl = srv.curl(c, origin)
	s.runs.Add(1)
	obs, err := srv.run(ctx, s.env, c, st.Request.Second)
	if err != nil {
		res.Problem = recoverBrowser(s.env, err)
		return res
	}
	res.OffHost = srv.stop.Seen()
	for _, o := range obs {
		res.Runs = append(res.Runs, view(o))
	}
	res.Chrome, res.Console = decision(c, obs)
	last := res.Runs[len(res.Runs)-1]
	res.Step = stepFor(last.Outcome, last.CORSError)
	if c.SameOrigin && last.CORSError == "" {
		st := stepSameOrigin
		res.Step = &st
	}
	if res.Lab != nil && res.Lab.Unchanged {
		if lc, ok := labCheck(st.Lab, st.Check); ok {
			res.Lab.AsExpected, res.Lab.Differs = expectation(lc, obs)
		}
	}
	res.Elapsed = time.Since(start).Milliseconds()
	return res
}

// offered accepts the page origins the page lists, and nothing else.
func (s *Server) offered(name string) error {
	for _, o := range s.origins {
		if o.Name == name && name != SameOrigin {
			return nil
		}
	}
	return fmt.Errorf("playground: page origin %q is not one the playground serves; pick one from the list", name)
}

// known is the lab's explanation for the state's case, if it has one.
func (s *Server) known(st State) *Known {
	for _, c := range s.cases {
		if c.Config != st.Lab || c.Check != st.Check {
			continue
		}
		k := &Known{Config: c.Config, Name: c.Name, Mistake: c.Mistake, Fix: c.Fix, Why: c.Why}
		want, _ := json.Marshal(c.Request)
		got, _ := json.Marshal(st.Request)
		k.Unchanged = c.Text == st.Config && c.App == st.App && string(want) == string(got)
		return k
	}
	return nil
}
