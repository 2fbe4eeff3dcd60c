package judge

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
)

func readable(status int) *harness.Observation {
	return &harness.Observation{PageOrigin: "https://app.example.com", Outcome: harness.OutcomeReadable, Preflight: harness.PreflightNotNeeded,
		JS: harness.JSResult{Outcome: "response", Status: status, Headers: [][2]string{{"content-type", "text/plain"}}}}
}

func blockedBy(e network.CorsError, param string) *harness.Observation {
	return &harness.Observation{PageOrigin: "https://evil.test", Outcome: harness.OutcomeCORSBlocked, CORSError: e, FailedParameter: param,
		Preflight: harness.PreflightSent, Actual: harness.Exchange{Status: 403}}
}

func TestCheck(t *testing.T) {
	withHeader := readable(200)
	withHeader.JS.Headers = append(withHeader.JS.Headers, [2]string{"x-request-id", "1"})
	withHeader.Actual.ResponseHeaders = []harness.Header{{Name: "X-Secret", Value: "1"}}
	preflighted := readable(200)
	preflighted.Preflight = harness.PreflightSent
	preflighted.Preflights = []harness.Exchange{{Status: 204, ResponseHeaders: []harness.Header{{Name: "Access-Control-Max-Age", Value: "600"}}}}
	cookies := readable(200)
	cookies.CookiesSent = []harness.Cookie{{Name: "session"}}
	cookies.CookiesBlocked = []harness.Cookie{{Name: "tracker", Reasons: []string{"SameSiteLax"}}}
	netFail := &harness.Observation{Outcome: harness.OutcomeNetworkFailure, NetError: "net::ERR_CONNECTION_REFUSED"}
	cached := readable(200)
	cached.Actual.FromCache = true
	local := readable(200)
	local.LocalNetwork = harness.LocalNetwork{Page: "public", Target: "local", Granted: []harness.Permission{"local-network"}, ResourceSpace: network.IPAddressSpaceLocal}

	cases := []struct {
		name string
		want Want
		obs  *harness.Observation
		why  string // "" passes; else a part of the message
	}{
		{"readable passes", Want{Outcome: Readable, Status: 200}, readable(200), ""},
		{"readable, wrong status", Want{Outcome: Readable, Status: 200}, readable(500), "JavaScript read status 500; want 200"},
		{"readable but refused", Want{Outcome: Readable}, blockedBy(network.CorsErrorAllowOriginMismatch, "x"), `Chrome: blocked: AllowOriginMismatch "x"`},
		{"refused passes", Want{Outcome: Blocked}, blockedBy(network.CorsErrorMissingAllowOriginHeader, ""), ""},
		{"refused but readable", Want{Outcome: Blocked}, readable(200), "origin https://app.example.com can read the response"},
		{"refused with server status", Want{Outcome: Blocked, RawStatus: 403}, blockedBy(network.CorsErrorMissingAllowOriginHeader, ""), ""},
		{"refused, wrong server status", Want{Outcome: Blocked, RawStatus: 401}, blockedBy(network.CorsErrorMissingAllowOriginHeader, ""), "the server answered 403; want 401"},
		{"CorsError and parameter", Want{Outcome: Blocked, CORSError: network.CorsErrorHeaderDisallowedByPreflightResponse, FailedParameter: "x-custom"},
			blockedBy(network.CorsErrorHeaderDisallowedByPreflightResponse, "x-custom"), ""},
		{"parameter differs", Want{Outcome: Blocked, CORSError: network.CorsErrorHeaderDisallowedByPreflightResponse, FailedParameter: "x-custom"},
			blockedBy(network.CorsErrorHeaderDisallowedByPreflightResponse, "authorization"), `Chrome reported CorsError HeaderDisallowedByPreflightResponse "authorization"`},
		{"any parameter", Want{Outcome: Blocked, CORSError: network.CorsErrorHeaderDisallowedByPreflightResponse, AnyParameter: true},
			blockedBy(network.CorsErrorHeaderDisallowedByPreflightResponse, "authorization"), ""},
		{"CorsError differs", Want{CORSError: network.CorsErrorPreflightInvalidStatus}, blockedBy(network.CorsErrorAllowOriginMismatch, ""), "want PreflightInvalidStatus"},
		{"at preflight passes", Want{Outcome: BlockedAtPreflight}, blockedBy(network.CorsErrorMethodDisallowedByPreflightResponse, "PUT"), ""},
		{"at preflight, refused later", Want{Outcome: BlockedAtPreflight}, blockedBy(network.CorsErrorAllowOriginMismatch, ""), "refused with AllowOriginMismatch, not at the preflight"},
		{"at preflight but readable", Want{Outcome: BlockedAtPreflight}, readable(200), "Chrome let the page read the response"},
		{"preflight state", Want{Preflight: harness.PreflightCached}, preflighted, "preflight sent; want cached"},
		{"max-age enough", Want{PreflightMaxAge: 600}, preflighted, ""},
		{"max-age short", Want{PreflightMaxAge: 7200}, preflighted, "Access-Control-Max-Age is 600 s; want at least 7200 s"},
		{"max-age absent", Want{PreflightMaxAge: 5}, readable(200), "Access-Control-Max-Age is 0 s"},
		{"readable header", Want{Readable: []string{"X-Request-Id"}}, withHeader, ""},
		{"readable header missing", Want{Readable: []string{"X-Request-Id"}}, readable(200), "cannot read response header X-Request-Id"},
		{"hidden header", Want{Hidden: []string{"X-Request-Id"}}, readable(200), ""},
		{"hidden header readable", Want{Hidden: []string{"X-Request-Id"}}, withHeader, "reads response header X-Request-Id; want it hidden"},
		{"on the wire", Want{OnTheWire: []string{"X-Secret"}}, withHeader, ""},
		{"not on the wire", Want{OnTheWire: []string{"X-Secret"}}, readable(200), "no X-Secret header on the wire"},
		{"cookie sent", Want{CookiesSent: []string{"session"}}, cookies, ""},
		{"cookie not sent", Want{CookiesSent: []string{"tracker"}}, cookies, "did not send cookie tracker: SameSiteLax"},
		{"cookie blocked", Want{CookiesBlocked: []BlockedCookie{{Name: "tracker", Reason: "SameSiteLax"}}}, cookies, ""},
		{"cookie blocked, other reason", Want{CookiesBlocked: []BlockedCookie{{Name: "tracker", Reason: "UserPreferences"}}}, cookies, "did not block cookie tracker with reason UserPreferences"},
		{"network failure", Want{Outcome: NetworkFailure, NetError: "REFUSED"}, netFail, ""},
		{"network failure wanted", Want{Outcome: NetworkFailure}, readable(200), "want a network failure"},
		{"local network access denied", Want{Outcome: Blocked, CORSError: network.CorsErrorLocalNetworkAccessPermissionDenied},
			blockedBy(network.CorsErrorLocalNetworkAccessPermissionDenied, ""), ""},
		{"insecure local network wanted", Want{Outcome: Blocked, CORSError: network.CorsErrorInsecureLocalNetwork},
			blockedBy(network.CorsErrorLocalNetworkAccessPermissionDenied, ""), "want refused: InsecureLocalNetwork"},
		{"target in the local space", Want{Outcome: Readable, ResourceSpace: network.IPAddressSpaceLocal}, local, ""},
		{"target not in the local space", Want{Outcome: Readable, ResourceSpace: network.IPAddressSpaceLocal}, readable(200), "address space (none reported); want Local"},
		{"from the HTTP cache: no space to report", Want{Outcome: Readable, ResourceSpace: network.IPAddressSpaceLocal}, cached, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Check(c.want, c.obs)
			switch {
			case c.why == "" && got != "":
				t.Fatalf("Check = %q; want a pass", got)
			case c.why != "" && !strings.Contains(got, c.why):
				t.Fatalf("Check = %q; want it to contain %q", got, c.why)
			}
		})
	}
}

func TestJudgeSequence(t *testing.T) {
	first := readable(200)
	first.Preflight = harness.PreflightSent
	cached := readable(200)
	cached.Preflight = harness.PreflightCached
	steps := []Want{{Outcome: Readable}, {Outcome: Readable, Preflight: harness.PreflightCached}}

	if v := Judge(steps, []*harness.Observation{first, cached}); !v.Pass || v.Observed != "readable 200 (preflight sent); then readable 200 (preflight cached)" {
		t.Fatalf("cached sequence: %+v", v)
	}
	v := Judge(steps, []*harness.Observation{first, first})
	if v.Pass || v.Why != "second request: preflight sent; want cached" {
		t.Fatalf("uncached second request: %+v", v)
	}
	if v := Judge(steps, []*harness.Observation{first}); v.Pass || !strings.Contains(v.Why, "second request did not run") {
		t.Fatalf("missing step: %+v", v)
	}
	if v := Judge(steps, nil); v.Pass || v.Why != "the scenario did not run" {
		t.Fatalf("no observation: %+v", v)
	}
	down := &harness.Observation{Outcome: harness.OutcomeTimeout}
	if v := Judge(steps[:1], []*harness.Observation{down}); v.Pass || !v.Environment {
		t.Fatalf("a timeout is the environment, not a verdict: %+v", v)
	}
}

func TestWantString(t *testing.T) {
	for want, s := range map[string]Want{
		"readable 200":                              {Outcome: Readable, Status: 200},
		"refused (server 403)":                      {Outcome: Blocked, RawStatus: 403},
		"refused at preflight":                      {Outcome: BlockedAtPreflight},
		`refused: AllowOriginMismatch "https://a/"`: {Outcome: Blocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: "https://a/"},
		"readable, X-Request-Id readable":           {Outcome: Readable, Readable: []string{"X-Request-Id"}},
		"preflight cached":                          {Preflight: harness.PreflightCached},
		"anything":                                  {},
	} {
		if got := s.String(); got != want {
			t.Errorf("String() = %q; want %q", got, want)
		}
	}
}

func TestDescribeNamesTheGrantedPermission(t *testing.T) {
	o := readable(200)
	o.LocalNetwork.Granted = []harness.Permission{"local-network"}
	if got, want := Describe(o), "readable 200 (local-network granted)"; got != want {
		t.Errorf("Describe = %q; want %q", got, want)
	}
	if got, want := Describe(readable(200)), "readable 200"; got != want {
		t.Errorf("Describe without a grant = %q; want %q", got, want)
	}
}
