// Package match holds gomega matchers over harness observations, built on
// judge: each matcher is a judge.Want, judged by judge.Check, so its failure
// message is the judge's one line followed by the whole evidence (page
// origin, request, preflight and actual status and headers, Chrome's
// CorsError and console line).
package match

import (
	"fmt"

	"github.com/chromedp/cdproto/network"
	"github.com/onsi/gomega/types"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// Meet succeeds when Chrome decided about the observation as w wants.
func Meet(w judge.Want) types.GomegaMatcher { return &wantMatcher{want: w} }

type wantMatcher struct {
	want judge.Want
	why  string
}

func (m *wantMatcher) Match(actual any) (bool, error) {
	o, ok := actual.(*harness.Observation)
	if !ok || o == nil {
		return false, fmt.Errorf("match: want a *harness.Observation, got %T", actual)
	}
	m.why = judge.Check(m.want, o)
	return m.why == "", nil
}

func (m *wantMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("%s\nwant:     %s\nevidence:\n%s", m.why, m.want, evidence(actual))
}

func (m *wantMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("Chrome decided as the negated expectation says it must not\nwant not: %s\nevidence:\n%s", m.want, evidence(actual))
}

func evidence(actual any) string {
	if o, ok := actual.(*harness.Observation); ok && o != nil {
		return o.String()
	}
	return fmt.Sprintf("%#v", actual)
}

// BeReadable succeeds when JavaScript could read the response: Chrome allowed
// it under CORS and the request did not fail.
func BeReadable() types.GomegaMatcher { return Meet(judge.Want{Outcome: judge.Readable}) }

// Option refines BeBlockedByCORS.
type Option func(*judge.Want)

// FailedParameter requires Chrome's failedParameter to equal p.
func FailedParameter(p string) Option {
	return func(w *judge.Want) { w.FailedParameter, w.AnyParameter = p, false }
}

// BeBlockedByCORS succeeds when Chrome refused the probe with the given
// network.CorsError (and failed parameter, when given).
func BeBlockedByCORS(e network.CorsError, opts ...Option) types.GomegaMatcher {
	w := judge.Want{Outcome: judge.Blocked, CORSError: e, AnyParameter: true}
	for _, o := range opts {
		o(&w)
	}
	return Meet(w)
}

// HavePreflight succeeds when the preflight state is want (sent, cached,
// not-needed, not-reached).
func HavePreflight(want harness.PreflightState) types.GomegaMatcher {
	return Meet(judge.Want{Preflight: want})
}

// HaveReadableHeader succeeds when page JavaScript can read the response
// header name (safelisted or exposed).
func HaveReadableHeader(name string) types.GomegaMatcher {
	return Meet(judge.Want{Readable: []string{name}})
}

// HaveRawResponseHeader succeeds when the actual response carried the header
// on the wire, whatever JavaScript may read.
func HaveRawResponseHeader(name string) types.GomegaMatcher {
	return Meet(judge.Want{OnTheWire: []string{name}})
}

// HaveNetworkFailure succeeds when the probe failed below CORS with a net::
// error containing netError ("" for any), and no CORS verdict.
func HaveNetworkFailure(netError string) types.GomegaMatcher {
	return Meet(judge.Want{Outcome: judge.NetworkFailure, NetError: netError})
}

// HaveSentCookie succeeds when Chrome sent the cookie name on the actual
// request.
func HaveSentCookie(name string) types.GomegaMatcher {
	return Meet(judge.Want{CookiesSent: []string{name}})
}

// HaveBlockedCookie succeeds when Chrome blocked cookie name (sending or
// storing it) with reason ("" for any).
func HaveBlockedCookie(name, reason string) types.GomegaMatcher {
	return Meet(judge.Want{CookiesBlocked: []judge.BlockedCookie{{Name: name, Reason: reason}}})
}
