package judge

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
)

// Verdict is the judgement of one probe or sequence against its Wants.
type Verdict struct {
	Pass bool
	// Observed is what Chrome did, in a few words (Describe; a sequence's
	// steps joined by "; then ").
	Observed string
	// Why says what differs from the expectation ("" when it passed).
	Why string
	// Environment is set when a probe failed below CORS (unreachable
	// target, TLS, timeout) where a CORS verdict was wanted: not a CORS
	// verdict at all.
	Environment bool
}

// Judge compares the observations of a sequence with its steps' Wants, step
// by step (obs[i] against steps[i]).
func Judge(steps []Want, obs []*harness.Observation) Verdict {
	if len(obs) == 0 {
		return Verdict{Observed: "no observation", Why: "the scenario did not run"}
	}
	var parts []string
	for _, o := range obs {
		parts = append(parts, Describe(o))
	}
	v := Verdict{Observed: strings.Join(parts, "; then ")}
	for i, o := range obs {
		if i < len(steps) && steps[i].Outcome != NetworkFailure && belowCORS(o) {
			v.Environment = true
			v.Why = fmt.Sprintf("the request failed below CORS (%s %s); this is not a CORS verdict", o.Outcome, o.NetError)
			return v
		}
	}
	for i, w := range steps {
		if i >= len(obs) {
			v.Why = fmt.Sprintf("%s request did not run", ordinal(i))
			return v
		}
		if why := Check(w, obs[i]); why != "" {
			if len(steps) > 1 {
				why = ordinal(i) + " request: " + why
			}
			v.Why = why
			return v
		}
	}
	v.Pass = true
	return v
}

func ordinal(i int) string {
	if i < 3 {
		return []string{"first", "second", "third"}[i]
	}
	return fmt.Sprintf("request %d", i+1)
}

// belowCORS reports whether o failed before any CORS decision.
func belowCORS(o *harness.Observation) bool {
	switch o.Outcome {
	case harness.OutcomeNetworkFailure, harness.OutcomeTimeout, harness.OutcomeScriptError, harness.OutcomeBlockedByBrowser:
		return true
	}
	return false
}

// Check compares one observation with w and returns "" when Chrome decided
// as wanted, or one line saying what differs.
func Check(w Want, o *harness.Observation) string {
	if why := checkOutcome(w, o); why != "" {
		return why
	}
	if w.CORSError != "" && (o.CORSError != w.CORSError || (!w.AnyParameter && o.FailedParameter != w.FailedParameter)) {
		return fmt.Sprintf("Chrome reported CorsError %s %q; want %s", or(string(o.CORSError), "none"), o.FailedParameter, w)
	}
	if w.Preflight != "" && o.Preflight != w.Preflight {
		return fmt.Sprintf("preflight %s; want %s", o.Preflight, w.Preflight)
	}
	if w.Status != 0 && o.JS.Status != w.Status {
		return fmt.Sprintf("JavaScript read status %d; want %d", o.JS.Status, w.Status)
	}
	if w.RawStatus != 0 && o.Actual.Status != w.RawStatus {
		return fmt.Sprintf("the server answered %d; want %d", o.Actual.Status, w.RawStatus)
	}
	if w.RawStatusClass != 0 {
		if why := checkStatusClass(w.RawStatusClass, o); why != "" {
			return why
		}
	}
	for _, h := range w.Readable {
		if _, ok := o.JS.Header(h); !ok || !o.Readable() {
			return fmt.Sprintf("JavaScript cannot read response header %s; want it readable", h)
		}
	}
	for _, h := range w.Hidden {
		if _, ok := o.JS.Header(h); ok {
			return fmt.Sprintf("JavaScript reads response header %s; want it hidden", h)
		}
	}
	for _, h := range w.OnTheWire {
		if len(o.Actual.ResponseHeader(h)) == 0 {
			return fmt.Sprintf("the response carried no %s header on the wire", h)
		}
	}
	for _, c := range w.CookiesSent {
		if !slices.ContainsFunc(o.CookiesSent, func(x harness.Cookie) bool { return x.Name == c }) {
			return fmt.Sprintf("Chrome did not send cookie %s%s", c, blockedBecause(o, c))
		}
	}
	for _, c := range w.CookiesBlocked {
		if !blocked(o, c) {
			return fmt.Sprintf("Chrome did not block cookie %s with reason %s", c.Name, orAny(c.Reason))
		}
	}
	// A response from the HTTP cache made no connection, so Chrome reports
	// no address space for it.
	if w.ResourceSpace != "" && !o.Actual.FromCache && o.LocalNetwork.ResourceSpace != w.ResourceSpace {
		return fmt.Sprintf("Chrome found the target in address space %s; want %s (is the address-space override in place?)", or(string(o.LocalNetwork.ResourceSpace), "(none reported)"), w.ResourceSpace)
	}
	if w.PreflightMaxAge > 0 {
		if got := PreflightMaxAge(o); got < w.PreflightMaxAge {
			return fmt.Sprintf("the preflight's Access-Control-Max-Age is %d s; want at least %d s", got, w.PreflightMaxAge)
		}
	}
	return ""
}

func checkOutcome(w Want, o *harness.Observation) string {
	switch w.Outcome {
	case Readable:
		if !o.Readable() {
			return fmt.Sprintf("must be readable by the page; Chrome: %s", Describe(o))
		}
	case Blocked:
		if o.Readable() {
			return fmt.Sprintf("origin %s can read the response; it must be refused", o.PageOrigin)
		}
	case BlockedAtPreflight:
		if o.Readable() {
			return "must be refused at the preflight; Chrome let the page read the response"
		}
		if fetchspec.StageOf(o.CORSError) != fetchspec.StagePreflight {
			return fmt.Sprintf("refused with %s, not at the preflight", or(string(o.CORSError), string(o.Outcome)))
		}
	case NetworkFailure:
		if o.Outcome != harness.OutcomeNetworkFailure || o.CORSError != "" || !strings.Contains(o.NetError, w.NetError) {
			return fmt.Sprintf("want a network failure %s with no CORS verdict; Chrome: %s", w.NetError, Describe(o))
		}
	}
	return ""
}

func blocked(o *harness.Observation, c BlockedCookie) bool {
	for _, b := range o.CookiesBlocked {
		if b.Name == c.Name && (c.Reason == "" || slices.Contains(b.Reasons, c.Reason)) {
			return true
		}
	}
	return false
}

func blockedBecause(o *harness.Observation, name string) string {
	for _, b := range o.CookiesBlocked {
		if b.Name == name {
			return ": " + strings.Join(b.Reasons, ", ")
		}
	}
	return ""
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// PreflightMaxAge is the Access-Control-Max-Age of o's first preflight, 0
// when absent or unparsable.
func PreflightMaxAge(o *harness.Observation) int {
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

// Describe is an observation in a few words, with the preflight when one
// was sent or cached and the Local Network Access permissions the page
// held: "readable 200", "readable 200 (preflight cached)",
// "readable 200 (local-network granted)",
// "blocked: AllowOriginMismatch", "network-failure net::ERR_CONNECTION_REFUSED".
func Describe(o *harness.Observation) string {
	var s string
	switch o.Outcome {
	case harness.OutcomeReadable:
		s = fmt.Sprintf("readable %d", o.JS.Status)
	case harness.OutcomeCORSBlocked:
		s = "blocked: " + string(o.CORSError)
		if o.FailedParameter != "" {
			s += fmt.Sprintf(" %q", o.FailedParameter)
		}
	default:
		return strings.TrimSpace(string(o.Outcome) + " " + o.NetError)
	}
	switch o.Preflight {
	case harness.PreflightSent:
		s += " (preflight sent)"
	case harness.PreflightCached:
		s += " (preflight cached)"
	}
	for _, g := range o.LocalNetwork.Granted {
		s += " (" + string(g) + " granted)"
	}
	return s
}

// checkStatusClass checks the class of the server's status: the actual
// response's, or the last preflight's when no actual request was sent.
func checkStatusClass(class int, o *harness.Observation) string {
	status, what := o.Actual.Status, "the server answered"
	if !o.Actual.Sent && len(o.Preflights) > 0 {
		status, what = o.Preflights[len(o.Preflights)-1].Status, "the server answered the preflight with"
	}
	if status == 0 || status/100 == class {
		return ""
	}
	if status == 401 && len(o.CookiesSent) == 0 {
		// Chrome withheld the cookies (SameSite, third-party policy): the
		// server answers the same without an Origin header.
		return ""
	}
	return fmt.Sprintf("%s %d; want a %dxx, as without an Origin header (unlisted: omit refuses by leaving out the CORS headers, not by the status)", what, status, class)
}
