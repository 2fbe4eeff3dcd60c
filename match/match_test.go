package match

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/onsi/gomega/types"

	"github.com/corsgate/corsgate/harness"
)

// Constructed observations: no browser. Each matcher must pass on one and
// fail on the other with its judge line and the evidence in the message.
var (
	readableObs = &harness.Observation{
		PageOrigin: "https://app.example.com", Outcome: harness.OutcomeReadable, Preflight: harness.PreflightSent,
		JS:             harness.JSResult{Outcome: "response", Status: 200, Headers: [][2]string{{"x-request-id", "7"}}},
		Actual:         harness.Exchange{Status: 200, ResponseHeaders: []harness.Header{{Name: "X-Request-Id", Value: "7"}, {Name: "X-Internal", Value: "1"}}},
		CookiesSent:    []harness.Cookie{{Name: "session"}},
		CookiesBlocked: []harness.Cookie{{Name: "tracker", Reasons: []string{"UserPreferences"}}},
	}
	blockedObs = &harness.Observation{
		PageOrigin: "https://app.example.com", Outcome: harness.OutcomeCORSBlocked, Preflight: harness.PreflightNotNeeded,
		CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: "https://app.example.com/",
		JS: harness.JSResult{Outcome: "error", ErrorName: "TypeError"},
	}
	netObs = &harness.Observation{Outcome: harness.OutcomeNetworkFailure, NetError: "net::ERR_CONNECTION_REFUSED", Preflight: harness.PreflightNotReached}
)

func TestMatchers(t *testing.T) {
	cases := []struct {
		name       string
		m          func() types.GomegaMatcher
		pass, fail *harness.Observation
		msg        string // part of the failure message on fail
	}{
		{"BeReadable", BeReadable, readableObs, blockedObs, `must be readable by the page; Chrome: blocked: AllowOriginMismatch "https://app.example.com/"`},
		{"BeBlockedByCORS", func() types.GomegaMatcher { return BeBlockedByCORS(network.CorsErrorAllowOriginMismatch) }, blockedObs, readableObs,
			"origin https://app.example.com can read the response; it must be refused"},
		{"BeBlockedByCORS with FailedParameter", func() types.GomegaMatcher {
			return BeBlockedByCORS(network.CorsErrorAllowOriginMismatch, FailedParameter("https://app.example.com/"))
		}, blockedObs, &harness.Observation{Outcome: harness.OutcomeCORSBlocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: "*"},
			`Chrome reported CorsError AllowOriginMismatch "*"`},
		{"HavePreflight", func() types.GomegaMatcher { return HavePreflight(harness.PreflightSent) }, readableObs, blockedObs, "preflight not-needed; want sent"},
		{"HaveReadableHeader", func() types.GomegaMatcher { return HaveReadableHeader("X-Request-Id") }, readableObs, blockedObs,
			"JavaScript cannot read response header X-Request-Id"},
		{"HaveRawResponseHeader", func() types.GomegaMatcher { return HaveRawResponseHeader("X-Internal") }, readableObs, blockedObs,
			"the response carried no X-Internal header on the wire"},
		{"HaveNetworkFailure", func() types.GomegaMatcher { return HaveNetworkFailure("CONNECTION_REFUSED") }, netObs, readableObs,
			"want a network failure CONNECTION_REFUSED with no CORS verdict; Chrome: readable 200"},
		{"HaveSentCookie", func() types.GomegaMatcher { return HaveSentCookie("session") }, readableObs, blockedObs, "Chrome did not send cookie session"},
		{"HaveBlockedCookie", func() types.GomegaMatcher { return HaveBlockedCookie("tracker", "UserPreferences") }, readableObs, blockedObs,
			"Chrome did not block cookie tracker with reason UserPreferences"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m()
			if ok, err := m.Match(c.pass); err != nil || !ok {
				t.Fatalf("Match(pass) = %v, %v; want true:\n%s", ok, err, m.FailureMessage(c.pass))
			}
			m = c.m()
			ok, err := m.Match(c.fail)
			if err != nil || ok {
				t.Fatalf("Match(fail) = %v, %v; want false", ok, err)
			}
			msg := m.FailureMessage(c.fail)
			if !strings.Contains(msg, c.msg) {
				t.Errorf("failure message %q does not contain %q", msg, c.msg)
			}
			if !strings.Contains(msg, "evidence:\n") || !strings.Contains(msg, "outcome:") {
				t.Errorf("failure message does not print the evidence:\n%s", msg)
			}
		})
	}
}

func TestNegatedAndBadInput(t *testing.T) {
	m := HaveReadableHeader("X-Request-Id")
	if ok, _ := m.Match(readableObs); !ok {
		t.Fatal("want a match")
	}
	if msg := m.NegatedFailureMessage(readableObs); !strings.Contains(msg, "want not: X-Request-Id readable") {
		t.Errorf("negated message %q names the expectation", msg)
	}
	if _, err := BeReadable().Match("not an observation"); err == nil || !strings.Contains(err.Error(), "want a *harness.Observation, got string") {
		t.Errorf("bad input error = %v", err)
	}
}
