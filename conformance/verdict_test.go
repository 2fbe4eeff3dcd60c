package conformance

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// readable is an observation JavaScript could read with status and the
// readable headers kv (name, value, ...).
func readable(status int, kv ...string) *harness.Observation {
	o := &harness.Observation{Outcome: harness.OutcomeReadable, Preflight: harness.PreflightNotNeeded}
	o.JS = harness.JSResult{Outcome: "response", Status: status}
	for i := 0; i+1 < len(kv); i += 2 {
		o.JS.Headers = append(o.JS.Headers, [2]string{kv[i], kv[i+1]})
	}
	o.Actual = harness.Exchange{RequestID: "1", Sent: true, Status: status}
	return o
}

// blocked is an observation Chrome refused with e; actual is the raw status
// of the actual request (0: not sent).
func blocked(e network.CorsError, actual int) *harness.Observation {
	o := &harness.Observation{Outcome: harness.OutcomeCORSBlocked, CORSError: e, Preflight: harness.PreflightNotNeeded}
	o.JS = harness.JSResult{Outcome: "error", ErrorName: "TypeError", ErrorMessage: "Failed to fetch"}
	if actual != 0 {
		o.Actual = harness.Exchange{RequestID: "1", Sent: true, Status: actual}
	}
	return o
}

// withPreflight adds a sent preflight answered with status and headers kv.
func withPreflight(o *harness.Observation, status int, kv ...string) *harness.Observation {
	pf := harness.Exchange{RequestID: "pf", Method: "OPTIONS", Sent: true, Status: status}
	for i := 0; i+1 < len(kv); i += 2 {
		pf.ResponseHeaders = append(pf.ResponseHeaders, harness.Header{Name: kv[i], Value: kv[i+1]})
	}
	o.Preflight, o.Preflights = harness.PreflightSent, append(o.Preflights, pf)
	return o
}

func cached(o *harness.Observation) *harness.Observation {
	o.Preflight = harness.PreflightCached
	return o
}

func TestJudge(t *testing.T) {
	const evil = "https://app.example.com.attacker.test"
	readableScenario := one(Allowed, "https://app.example.com", judge.Want{Outcome: judge.Readable})
	withStatus := one(ErrorRoute, "https://app.example.com", judge.Want{Outcome: judge.Readable, Status: 404})
	withExpose := one(Exposure, "https://app.example.com", judge.Want{Outcome: judge.Readable, Readable: []string{"X-Request-Id"}})
	withCookies := one(AuthCookies, "https://app.example.com", judge.Want{Outcome: judge.Readable, CookiesSent: []string{"session"}})
	withCookies.Cookies = true
	refused := one(RefusedOrigin, evil, judge.Want{Outcome: judge.Blocked})
	refused.Security = true
	rejected := one(RefusedOrigin, evil, judge.Want{Outcome: judge.Blocked, RawStatus: 403})
	atPreflight := one(RefusedMethod, "https://app.example.com", judge.Want{Outcome: judge.BlockedAtPreflight})
	cache := cacheScenario()
	vary := varyScenario()

	cookieObs := readable(200)
	cookieObs.CookiesSent = []harness.Cookie{{Name: "session"}}
	netFail := &harness.Observation{Outcome: harness.OutcomeNetworkFailure, NetError: "net::ERR_CONNECTION_REFUSED", Preflight: harness.PreflightNotReached}
	timeout := &harness.Observation{Outcome: harness.OutcomeTimeout, NetError: "net::ERR_TIMED_OUT"}

	tests := []struct {
		name    string
		s       Scenario
		obs     []*harness.Observation
		pass    bool
		env     bool
		whyHas  string // substring of Why when the verdict fails
		obsHas  string // substring of Observed
		hintSet bool   // a failing verdict carries a hint
	}{
		{name: "readable pass", s: readableScenario, obs: []*harness.Observation{readable(200)}, pass: true, obsHas: "readable 200"},
		{name: "readable but blocked", s: readableScenario, obs: []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 200)}, whyHas: "must be readable", obsHas: "blocked: MissingAllowOriginHeader", hintSet: true},
		{name: "status matches", s: withStatus, obs: []*harness.Observation{readable(404)}, pass: true},
		{name: "wrong status", s: withStatus, obs: []*harness.Observation{readable(200)}, whyHas: "read status 200; want 404"},
		{name: "exposed header readable", s: withExpose, obs: []*harness.Observation{readable(200, "x-request-id", "abc")}, pass: true},
		{name: "exposed header unreadable", s: withExpose, obs: []*harness.Observation{readable(200, "content-type", "text/plain")}, whyHas: "cannot read response header X-Request-Id", hintSet: true},
		{name: "cookies sent", s: withCookies, obs: []*harness.Observation{cookieObs}, pass: true},
		{name: "cookies not sent", s: withCookies, obs: []*harness.Observation{readable(200)}, whyHas: "did not send cookie session"},
		{name: "refused pass", s: refused, obs: []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 200)}, pass: true},
		{name: "refused but readable", s: refused, obs: []*harness.Observation{readable(200)}, whyHas: "it must be refused", hintSet: true},
		{name: "reject answered 403", s: rejected, obs: []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 403)}, pass: true},
		{name: "reject answered 200", s: rejected, obs: []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 200)}, whyHas: "answered 200; want 403"},
		{name: "refused at preflight pass", s: atPreflight, obs: []*harness.Observation{withPreflight(blocked(network.CorsErrorMethodDisallowedByPreflightResponse, 0), 204)}, pass: true},
		{name: "refused at preflight, preflight-prefixed error", s: atPreflight, obs: []*harness.Observation{withPreflight(blocked(network.CorsErrorPreflightMissingAllowOriginHeader, 0), 204)}, pass: true},
		{name: "refused at preflight but readable", s: atPreflight, obs: []*harness.Observation{readable(200)}, whyHas: "let the page read"},
		{name: "refused at preflight by the actual response", s: atPreflight, obs: []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 200)}, whyHas: "refused with MissingAllowOriginHeader, not at the preflight"},
		{
			name: "cached preflight pass", s: cache,
			obs:  []*harness.Observation{withPreflight(readable(200), 204, "Access-Control-Max-Age", "600"), cached(readable(200))},
			pass: true, obsHas: "(preflight cached)",
		},
		{
			name: "cached preflight re-sent", s: cache,
			obs:    []*harness.Observation{withPreflight(readable(200), 204, "Access-Control-Max-Age", "600"), withPreflight(readable(200), 204, "Access-Control-Max-Age", "600")},
			whyHas: "second request: preflight sent; want cached", hintSet: true,
		},
		{
			name: "cached preflight with one observation", s: cache,
			obs:    []*harness.Observation{withPreflight(readable(200), 204, "Access-Control-Max-Age", "600")},
			whyHas: "second request did not run",
		},
		{name: "vary pass", s: vary, obs: []*harness.Observation{readable(200), readable(200)}, pass: true, obsHas: "readable 200; then readable 200"},
		{name: "vary second blocked", s: vary, obs: []*harness.Observation{readable(200), blocked(network.CorsErrorAllowOriginMismatch, 200)}, whyHas: "second request: must be readable", hintSet: true},
		{name: "vary first blocked", s: vary, obs: []*harness.Observation{blocked(network.CorsErrorMissingAllowOriginHeader, 200), readable(200)}, whyHas: "must be readable"},
		{name: "network failure", s: readableScenario, obs: []*harness.Observation{netFail}, env: true, whyHas: "below CORS", obsHas: "net::ERR_CONNECTION_REFUSED", hintSet: true},
		{name: "network failure on a refused scenario", s: refused, obs: []*harness.Observation{netFail}, env: true, whyHas: "not a CORS verdict", hintSet: true},
		{name: "timeout on the second probe", s: vary, obs: []*harness.Observation{readable(200), timeout}, env: true, whyHas: "timeout", hintSet: true},
		{name: "no observation", s: readableScenario, obs: nil, whyHas: "did not run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.s, tt.obs)
			hint := ReportRow(tt.s, tt.obs, v).Hint
			if v.Pass != tt.pass {
				t.Errorf("Judge(%s): got Pass %v (why %q); want %v", tt.name, v.Pass, v.Why, tt.pass)
			}
			if v.Environment != tt.env {
				t.Errorf("Judge(%s): got Environment %v; want %v", tt.name, v.Environment, tt.env)
			}
			if tt.pass && v.Why != "" {
				t.Errorf("Judge(%s): got Why %q; want empty for a pass", tt.name, v.Why)
			}
			if tt.pass && hint != "" {
				t.Errorf("Judge(%s): got Hint %q; want empty for a pass", tt.name, hint)
			}
			if !tt.pass && !strings.Contains(v.Why, tt.whyHas) {
				t.Errorf("Judge(%s): got Why %q; want it to mention %q", tt.name, v.Why, tt.whyHas)
			}
			if !strings.Contains(v.Observed, tt.obsHas) {
				t.Errorf("Judge(%s): got Observed %q; want it to contain %q", tt.name, v.Observed, tt.obsHas)
			}
			if tt.hintSet && hint == "" {
				t.Errorf("Judge(%s): got no Hint; want one", tt.name)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	withParam := blocked(network.CorsErrorAllowOriginMismatch, 200)
	withParam.FailedParameter = "https://other.example.com"
	tests := []struct {
		name string
		o    *harness.Observation
		want string
	}{
		{"readable", readable(201), "readable 201"},
		{"readable cached", cached(readable(200)), "readable 200 (preflight cached)"},
		{"blocked", blocked(network.CorsErrorMissingAllowOriginHeader, 200), "blocked: MissingAllowOriginHeader"},
		{"blocked with parameter", withParam, `blocked: AllowOriginMismatch "https://other.example.com"`},
		{"network failure", &harness.Observation{Outcome: harness.OutcomeNetworkFailure, NetError: "net::ERR_NAME_NOT_RESOLVED"}, "network-failure net::ERR_NAME_NOT_RESOLVED"},
		{"opaque", &harness.Observation{Outcome: harness.OutcomeOpaque}, "opaque"},
	}
	for _, tt := range tests {
		if got := judge.Describe(tt.o); got != tt.want {
			t.Errorf("Describe(%s): got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestExpected(t *testing.T) {
	tests := []struct {
		name string
		s    Scenario
		want string
	}{
		{"readable", one(Allowed, "o", judge.Want{Outcome: judge.Readable}), "readable"},
		{"status", one(ErrorRoute, "o", judge.Want{Outcome: judge.Readable, Status: 404}), "readable 404"},
		{"reject", one(RefusedOrigin, "o", judge.Want{Outcome: judge.Blocked, RawStatus: 403}), "refused (server 403)"},
		{"cached", cacheScenario(), "readable, preflight Max-Age at least 600 s, then readable, preflight cached"},
		{"vary", varyScenario(), "readable, then from https://b.example.com readable"},
		{"expose", one(Exposure, "o", judge.Want{Outcome: judge.Readable, Readable: []string{"X-Request-Id", "X-Trace"}}), "readable, X-Request-Id, X-Trace readable"},
		{"preflight", one(RefusedMethod, "o", judge.Want{Outcome: judge.BlockedAtPreflight}), "refused at preflight"},
	}
	for _, tt := range tests {
		if got := tt.s.Expected(); got != tt.want {
			t.Errorf("Expected(%s): got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestReportRow(t *testing.T) {
	s := one(Allowed, "https://app.example.com", judge.Want{Outcome: judge.Readable})
	s.Name, s.Labels, s.Column, s.Probe = "allowed/o/GET /x", []string{"allowed"}, "GET /x", harness.Probe{Method: "GET", URL: "/x"}
	o := withPreflight(blocked(network.CorsErrorMissingAllowOriginHeader, 500), 204)
	o.Probe.URL = "http://api.localhost:1234/x"
	o.Actual.ResponseHeaders = []harness.Header{{Name: "Vary", Value: "Origin"}, {Name: "Content-Type", Value: "text/plain"}, {Name: "Access-Control-Allow-Credentials", Value: "true"}}
	v := Judge(s, []*harness.Observation{o})
	r := ReportRow(s, []*harness.Observation{o}, v)
	if r.Pass || !strings.Contains(r.Observed, " — "+v.Why) {
		t.Errorf("ReportRow(blocked readable): got Pass %v Observed %q; want false and the reason appended", r.Pass, r.Observed)
	}
	if r.URL != o.Probe.URL || r.Status != 500 || r.PreflightStatus != 204 || r.CORSError != string(network.CorsErrorMissingAllowOriginHeader) {
		t.Errorf("ReportRow(blocked readable): got URL %q status %d preflight %d error %q; want %q 500 204 MissingAllowOriginHeader", r.URL, r.Status, r.PreflightStatus, r.CORSError, o.Probe.URL)
	}
	if len(r.ResponseHeaders) != 2 {
		t.Errorf("ReportRow(blocked readable): got response headers %v; want only Vary and Access-Control-Allow-Credentials", r.ResponseHeaders)
	}
	if r.Expected != "readable" || r.Hint == "" || r.Request != "GET /x" {
		t.Errorf("ReportRow(blocked readable): got Expected %q Hint %q Request %q; want \"readable\", a hint and GET /x", r.Expected, r.Hint, r.Request)
	}
	if empty := ReportRow(s, nil, Judge(s, nil)); empty.URL != "/x" || empty.Pass {
		t.Errorf("ReportRow(no observation): got URL %q Pass %v; want the scenario URL /x and false", empty.URL, empty.Pass)
	}
}

// one is a one-step scenario of kind k from origin wanting w.
func one(k *Kind, origin string, w judge.Want) Scenario {
	return Scenario{Name: k.Group + "/" + origin + "/GET /x", Kind: k, Labels: []string{k.Group}, Origin: origin, Steps: []Step{{Want: w}}}
}

// cacheScenario is a preflight-cache sequence wanting Max-Age 600.
func cacheScenario() Scenario {
	s := one(PreflightCache, "https://app.example.com", judge.Want{Outcome: judge.Readable, PreflightMaxAge: 600})
	s.Steps = append(s.Steps, Step{Want: judge.Want{Outcome: judge.Readable, Preflight: harness.PreflightCached}})
	return s
}

// varyScenario is a Vary sequence from a.example.com, then b.example.com.
func varyScenario() Scenario {
	s := one(VaryOrigin, "https://a.example.com", judge.Want{Outcome: judge.Readable})
	s.Steps = append(s.Steps, Step{Page: "https://b.example.com", Want: judge.Want{Outcome: judge.Readable}})
	return s
}
