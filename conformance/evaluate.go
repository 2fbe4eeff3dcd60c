package conformance

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
)

// Verdict is the judgement of one scenario.
type Verdict struct {
	Pass bool
	// Observed is what Chrome did, in a few words.
	Observed string
	// Why says what differs from the expectation ("" when it passed).
	Why string
	// Hint names a likely cause, derived from the evidence.
	Hint string
	// Environment is set when the probe failed below CORS (unreachable
	// target, TLS, timeout): not a CORS verdict at all.
	Environment bool
}

// Judge compares Chrome's observations for s with what the policy requires.
func Judge(s Scenario, obs []*harness.Observation) Verdict {
	if len(obs) == 0 {
		return Verdict{Observed: "no observation", Why: "the scenario did not run"}
	}
	var parts []string
	for _, o := range obs {
		parts = append(parts, Describe(o))
	}
	v := Verdict{Observed: strings.Join(parts, "; then ")}
	for _, o := range obs {
		switch o.Outcome {
		case harness.OutcomeNetworkFailure, harness.OutcomeTimeout, harness.OutcomeScriptError, harness.OutcomeBlockedByBrowser:
			v.Environment = true
			v.Why = fmt.Sprintf("the request failed below CORS (%s %s); this is not a CORS verdict", o.Outcome, o.NetError)
			v.Hint = "check that the target is reachable from this machine and its TLS certificate is valid"
			return v
		}
	}
	v.Why = mismatch(s, obs)
	v.Pass = v.Why == ""
	if !v.Pass {
		v.Hint = Hint(s, obs)
	}
	return v
}

func mismatch(s Scenario, obs []*harness.Observation) string {
	first := obs[0]
	switch s.Expect {
	case Readable:
		for i, o := range obs {
			if !o.Readable() {
				if i > 0 && s.Sequence == VaryOrigin {
					return fmt.Sprintf("the second origin %s was refused after the first was served", s.SecondOrigin)
				}
				return "must be readable by the page; Chrome refused it"
			}
			if s.Status != 0 && o.JS.Status != s.Status {
				return fmt.Sprintf("JavaScript read status %d; want %d", o.JS.Status, s.Status)
			}
			for _, h := range s.ReadableHeaders {
				if _, ok := o.JS.Header(h); !ok {
					return fmt.Sprintf("JavaScript cannot read response header %s", h)
				}
			}
			if s.Cookies && len(o.CookiesSent) == 0 {
				return "the auth cookies were not sent"
			}
		}
		if s.Sequence == CachedPreflight {
			if len(obs) < 2 || obs[1].Preflight != harness.PreflightCached {
				return "the second request sent a new preflight; want it answered from Chrome's preflight cache (Access-Control-Max-Age)"
			}
			if got := maxAge(first); got < s.MaxAge {
				return fmt.Sprintf("the preflight's Access-Control-Max-Age is %d s; the policy wants %d s", got, s.MaxAge)
			}
		}
	case Refused:
		if first.Readable() {
			return fmt.Sprintf("origin %s can read the response; it must be refused", s.Origin)
		}
		if s.RawStatus != 0 && first.Actual.Status != s.RawStatus {
			return fmt.Sprintf("the server answered %d; the policy says unlisted origins get %d", first.Actual.Status, s.RawStatus)
		}
	case RefusedAtPreflight:
		if first.Readable() {
			return "must be refused at the preflight; Chrome let the page read the response"
		}
		if !PreflightStage(first.CORSError) {
			return fmt.Sprintf("refused with %s, not at the preflight", first.CORSError)
		}
	}
	return ""
}

// maxAge is the Access-Control-Max-Age of o's first preflight, 0 when absent
// or unparsable.
func maxAge(o *harness.Observation) int {
	if len(o.Preflights) == 0 {
		return 0
	}
	vs := o.Preflights[0].ResponseHeader("Access-Control-Max-Age")
	if len(vs) == 0 {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(vs[0]))
	if err != nil {
		return 0
	}
	return n
}

// PreflightStage reports whether e is found on the preflight, so the actual
// request is never sent.
func PreflightStage(e network.CorsError) bool {
	switch e {
	case network.CorsErrorMethodDisallowedByPreflightResponse, network.CorsErrorHeaderDisallowedByPreflightResponse,
		network.CorsErrorInvalidAllowMethodsPreflightResponse, network.CorsErrorInvalidAllowHeadersPreflightResponse:
		return true
	}
	return strings.HasPrefix(string(e), "Preflight")
}

// Describe is an observation in a few words: "readable 200", "blocked:
// AllowOriginMismatch", "network-failure net::ERR_CONNECTION_REFUSED".
func Describe(o *harness.Observation) string {
	switch o.Outcome {
	case harness.OutcomeReadable:
		s := fmt.Sprintf("readable %d", o.JS.Status)
		if o.Preflight == harness.PreflightCached {
			s += " (preflight cached)"
		}
		return s
	case harness.OutcomeCORSBlocked:
		s := "blocked: " + string(o.CORSError)
		if o.FailedParameter != "" {
			s += fmt.Sprintf(" %q", o.FailedParameter)
		}
		return s
	}
	return strings.TrimSpace(string(o.Outcome) + " " + o.NetError)
}
