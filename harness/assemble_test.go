package harness

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/google/go-cmp/cmp"
)

// The assemble tests feed recorded DevTools event sequences to assemble in
// many orders and require the same Observation every time. Chrome documents
// the ExtraInfo events as arriving before or after their request's other
// events (Network.requestWillBeSentExtraInfo, responseReceivedExtraInfo in
// the protocol docs), and the Audits issue, the console lines and the
// network events of different requests interleave differently from run to
// run (seen with Chromium 156: the Audits issue came first in one run and
// last in the next). The only orders kept are the ones
// Chrome guarantees: one request's requestWillBeSent → responseReceived →
// loadingFinished/loadingFailed, one request's ExtraInfo events among
// themselves, the Log entries among themselves and the Audits issues among
// themselves.

const (
	tPage  = "http://app.localhost:8001"
	tAPI   = "http://api.localhost:8002"
	tOther = "http://evil.localhost:8003"
)

// chain names an ordering Chrome guarantees; events on one chain keep their
// relative order, events on different chains may interleave in any way.
type chain string

// recording is a sequence of events as Chrome emitted them in one run.
type recording struct {
	evs    []any
	chains []chain
}

func (r *recording) add(c chain, ev any) {
	r.evs = append(r.evs, ev)
	r.chains = append(r.chains, c)
}

// chains of one request id: its main events, its ExtraInfo events.
func mainOf(id network.RequestID) chain  { return chain("main " + id) }
func extraOf(id network.RequestID) chain { return chain("extra " + id) }

const (
	logChain    chain = "log"
	issuesChain chain = "issues"
)

// shuffle returns a random order of r's events that keeps every chain's
// order: repeatedly take the next event of a random chain.
func (r *recording) shuffle(rng *rand.Rand) []any {
	queues := map[chain][]any{}
	var names []chain
	for i, c := range r.chains {
		if _, ok := queues[c]; !ok {
			names = append(names, c)
		}
		queues[c] = append(queues[c], r.evs[i])
	}
	out := make([]any, 0, len(r.evs))
	for len(names) > 0 {
		i := rng.IntN(len(names))
		c := names[i]
		out = append(out, queues[c][0])
		queues[c] = queues[c][1:]
		if len(queues[c]) == 0 {
			names = slices.Delete(names, i, i+1)
		}
	}
	return out
}

// chainsReversed is the order farthest from the recorded one: the chains
// one after another, last chain first.
func (r *recording) chainsReversed() []any {
	var names []chain
	for _, c := range r.chains {
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	var out []any
	for i := len(names) - 1; i >= 0; i-- {
		for j, c := range r.chains {
			if c == names[i] {
				out = append(out, r.evs[j])
			}
		}
	}
	return out
}

// Event builders, with the fields Chrome fills for a page fetch(). The
// shapes follow what Chromium 156 reported in the self-test run (its
// observations go to reports/selftest-<process>.json): a preflight that
// fails the CORS check still ends with loadingFinished, only the actual
// request gets loadingFailed with the corsErrorStatus; a refused connection
// fails both with the same net error.

func sendActual(r *recording, id network.RequestID, method, url string) {
	r.add(mainOf(id), &network.EventRequestWillBeSent{
		RequestID: id, LoaderID: "L1", DocumentURL: tPage + "/", Type: network.ResourceTypeFetch,
		Request:   &network.Request{URL: url, Method: method, Headers: network.Headers{"Accept": "*/*"}},
		Initiator: &network.Initiator{Type: network.InitiatorTypeScript},
	})
}

func sendPreflight(r *recording, id, actual network.RequestID, url string) {
	r.add(mainOf(id), &network.EventRequestWillBeSent{
		RequestID: id, DocumentURL: tPage + "/", Type: network.ResourceTypePreflight,
		Request:   &network.Request{URL: url, Method: "OPTIONS"},
		Initiator: &network.Initiator{Type: network.InitiatorTypePreflight, URL: url, RequestID: actual},
	})
}

func rawRequest(r *recording, id network.RequestID, h network.Headers, cookies ...*network.AssociatedCookie) {
	r.add(extraOf(id), &network.EventRequestWillBeSentExtraInfo{RequestID: id, Headers: h, AssociatedCookies: cookies})
}

func rawResponse(r *recording, id network.RequestID, status int64, text string, blocked ...*network.BlockedSetCookieWithReason) {
	r.add(extraOf(id), &network.EventResponseReceivedExtraInfo{
		RequestID: id, StatusCode: status, HeadersText: text, BlockedCookies: blocked,
		Headers: network.Headers{"X-From-Map": "the raw text wins"},
	})
}

func response(r *recording, id network.RequestID, typ network.ResourceType, url string, status int64) {
	r.add(mainOf(id), &network.EventResponseReceived{
		RequestID: id, Type: typ, HasExtraInfo: true,
		Response: &network.Response{URL: url, Status: status, Headers: network.Headers{"Content-Type": "application/json"}},
	})
}

func finished(r *recording, id network.RequestID) {
	r.add(mainOf(id), &network.EventLoadingFinished{RequestID: id, EncodedDataLength: 120})
}

func failed(r *recording, id network.RequestID, typ network.ResourceType, errText string, cors *network.CorsErrorStatus) {
	r.add(mainOf(id), &network.EventLoadingFailed{RequestID: id, Type: typ, ErrorText: errText, CorsErrorStatus: cors})
}

func corsIssue(r *recording, id network.RequestID, url string, e network.CorsError, param string) {
	r.add(issuesChain, &audits.EventIssueAdded{Issue: &audits.InspectorIssue{
		Code: audits.InspectorIssueCodeCorsIssue,
		Details: &audits.InspectorIssueDetails{CorsIssueDetails: &audits.CorsIssueDetails{
			CorsErrorStatus: &network.CorsErrorStatus{CorsError: e, FailedParameter: param},
			Request:         &audits.AffectedRequest{RequestID: id, URL: url},
			InitiatorOrigin: tPage,
		}},
	}})
}

func console(r *recording, src cdplog.EntrySource, id network.RequestID, text string) {
	e := &cdplog.Entry{Source: src, Level: cdplog.EntryLevelError, Text: text, NetworkRequestID: id}
	if src == cdplog.EntrySourceJavascript {
		e.Category = cdplog.EntryCategoryCors
	}
	r.add(logChain, &cdplog.EventEntryAdded{Entry: e})
}

func blockedJS() JSResult {
	return JSResult{API: "fetch", Outcome: "error", ErrorName: "TypeError", ErrorMessage: "Failed to fetch"}
}

func readJS(status int, headers ...[2]string) JSResult {
	return JSResult{API: "fetch", Outcome: "response", Status: status, Type: "cors", URL: tAPI + "/api", Headers: headers, Body: "{}", BodyLength: 2}
}

// assembleCase is one recorded probe and what assemble must make of it.
type assembleCase struct {
	name  string
	probe Probe
	js    JSResult
	rec   *recording
	check func(t *testing.T, o *Observation)
}

func assembleCases() []assembleCase {
	var cases []assembleCase

	{ // A simple GET the page can read.
		r := &recording{}
		sendActual(r, "A.1", "GET", tAPI+"/api")
		rawRequest(r, "A.1", network.Headers{"Origin": tPage, "Accept": "*/*"})
		rawResponse(r, "A.1", 200, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nAccess-Control-Allow-Origin: "+tPage+"\r\nVary: Origin\r\n\r\n")
		response(r, "A.1", network.ResourceTypeFetch, tAPI+"/api", 200)
		finished(r, "A.1")
		cases = append(cases, assembleCase{
			name: "readable", rec: r, js: readJS(200, [2]string{"content-type", "application/json"}),
			probe: Probe{URL: tAPI + "/api", Method: "GET"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeReadable && o.Preflight == PreflightNotNeeded && o.CORSError == "",
					"readable, no preflight needed, no CORS error")
				want(t, o.Actual.Sent && o.Actual.Finished && o.Actual.Status == 200, "actual sent, finished, 200")
				want(t, slices.Equal(o.Actual.ResponseHeader("Access-Control-Allow-Origin"), []string{tPage}), "the raw ACAO line")
				want(t, len(o.Actual.ResponseHeader("X-From-Map")) == 0, "the raw header text, not the joined map")
				v, ok := o.Actual.RequestHeader("Origin")
				want(t, ok && v == tPage, "the Origin Chrome sent")
			},
		})
	}

	{ // The server answers with another origin: blocked at the actual response.
		r := &recording{}
		sendActual(r, "B.1", "GET", tAPI+"/api")
		rawRequest(r, "B.1", network.Headers{"Origin": tPage})
		rawResponse(r, "B.1", 200, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: "+tOther+"\r\n\r\n")
		mismatch := &network.CorsErrorStatus{CorsError: network.CorsErrorAllowOriginMismatch, FailedParameter: tOther}
		failed(r, "B.1", network.ResourceTypeFetch, "net::ERR_FAILED", mismatch)
		console(r, cdplog.EntrySourceJavascript, "", "Access to fetch at '"+tAPI+"/api' from origin '"+tPage+"' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value '"+tOther+"' that is not equal to the supplied origin.")
		console(r, cdplog.EntrySourceNetwork, "B.1", "Failed to load resource: net::ERR_FAILED")
		corsIssue(r, "B.1", tAPI+"/api", network.CorsErrorAllowOriginMismatch, tOther)
		cases = append(cases, assembleCase{
			name: "blocked at the actual response", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "GET"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeCORSBlocked && o.CORSError == network.CorsErrorAllowOriginMismatch && o.FailedParameter == tOther,
					"blocked with AllowOriginMismatch naming the other origin")
				want(t, o.Actual.Sent && o.Actual.Status == 200 && len(o.Actual.ResponseHeader("Access-Control-Allow-Origin")) == 1,
					"the blocked response's raw status and ACAO line")
				want(t, len(o.Issues) == 1 && len(o.Console) == 2 && o.CORSConsole() != "", "the Audits issue and both console lines")
				want(t, o.Preflight == PreflightNotNeeded, "no preflight needed")
			},
		})
	}

	{ // A PUT whose preflight gets 401 from server authentication.
		r := &recording{}
		sendActual(r, "C.1", "PUT", tAPI+"/api")
		sendPreflight(r, "C.P", "C.1", tAPI+"/api")
		rawRequest(r, "C.P", network.Headers{"Origin": tPage, "Access-Control-Request-Method": "PUT"})
		rawResponse(r, "C.P", 401, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n")
		response(r, "C.P", network.ResourceTypePreflight, tAPI+"/api", 401)
		finished(r, "C.P") // the preflight itself completes; the actual request fails
		status := &network.CorsErrorStatus{CorsError: network.CorsErrorPreflightInvalidStatus}
		failed(r, "C.1", network.ResourceTypeFetch, "net::ERR_FAILED", status)
		console(r, cdplog.EntrySourceJavascript, "", "Access to fetch at '"+tAPI+"/api' from origin '"+tPage+"' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.")
		console(r, cdplog.EntrySourceNetwork, "C.1", "Failed to load resource: net::ERR_FAILED")
		corsIssue(r, "C.1", tAPI+"/api", network.CorsErrorPreflightInvalidStatus, "")
		cases = append(cases, assembleCase{
			name: "preflight failed", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "PUT"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeCORSBlocked && o.CORSError == network.CorsErrorPreflightInvalidStatus, "blocked with PreflightInvalidStatus")
				want(t, o.Preflight == PreflightSent && len(o.Preflights) == 1, "one preflight sent")
				pf := o.Preflights[0]
				want(t, pf.Method == "OPTIONS" && pf.Status == 401 && slices.Equal(pf.ResponseHeader("WWW-Authenticate"), []string{"Negotiate", "NTLM"}),
					"the preflight's raw 401 with both WWW-Authenticate lines")
				want(t, !o.Actual.Sent && o.Actual.Method == "PUT", "the actual PUT never sent")
			},
		})
	}

	{ // A PUT sent without a preflight: Chrome's preflight cache answered.
		r := &recording{}
		sendActual(r, "D.1", "PUT", tAPI+"/api")
		rawRequest(r, "D.1", network.Headers{"Origin": tPage})
		rawResponse(r, "D.1", 200, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: "+tPage+"\r\n\r\n")
		response(r, "D.1", network.ResourceTypeFetch, tAPI+"/api", 200)
		finished(r, "D.1")
		cases = append(cases, assembleCase{
			name: "preflight cached", rec: r, js: readJS(200),
			probe: Probe{URL: tAPI + "/api", Method: "PUT"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeReadable && o.Preflight == PreflightCached && len(o.Preflights) == 0,
					"readable, preflight cached, no preflight events")
			},
		})
	}

	{ // A custom request header the preflight does not allow.
		r := &recording{}
		sendActual(r, "E.1", "GET", tAPI+"/api")
		sendPreflight(r, "E.P", "E.1", tAPI+"/api")
		rawRequest(r, "E.P", network.Headers{"Origin": tPage, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-request-id"})
		rawResponse(r, "E.P", 204, "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: "+tPage+"\r\nAccess-Control-Allow-Headers: content-type\r\n\r\n")
		response(r, "E.P", network.ResourceTypePreflight, tAPI+"/api", 204)
		finished(r, "E.P")
		disallowed := &network.CorsErrorStatus{CorsError: network.CorsErrorHeaderDisallowedByPreflightResponse, FailedParameter: "x-request-id"}
		failed(r, "E.1", network.ResourceTypeFetch, "net::ERR_FAILED", disallowed)
		console(r, cdplog.EntrySourceJavascript, "", "Access to fetch at '"+tAPI+"/api' from origin '"+tPage+"' has been blocked by CORS policy: Request header field x-request-id is not allowed by Access-Control-Allow-Headers in preflight response.")
		corsIssue(r, "E.1", tAPI+"/api", network.CorsErrorHeaderDisallowedByPreflightResponse, "x-request-id")
		cases = append(cases, assembleCase{
			name: "header disallowed", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "GET", Headers: []Header{{Name: "X-Request-Id", Value: "7"}}},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeCORSBlocked && o.CORSError == network.CorsErrorHeaderDisallowedByPreflightResponse && o.FailedParameter == "x-request-id",
					"blocked with HeaderDisallowedByPreflightResponse naming x-request-id")
				want(t, o.Preflight == PreflightSent && len(o.Preflights) == 1 && o.Preflights[0].Status == 204, "the preflight's 204")
				v, _ := o.Preflights[0].RequestHeader("Access-Control-Request-Headers")
				want(t, v == "x-request-id", "the preflight asked for x-request-id")
			},
		})
	}

	{ // A credentialed GET: one cookie sent, one withheld, a Set-Cookie refused.
		r := &recording{}
		sendActual(r, "F.1", "GET", tAPI+"/api")
		rawRequest(r, "F.1", network.Headers{"Origin": tPage, "Cookie": "theme=dark"},
			&network.AssociatedCookie{Cookie: &network.Cookie{Name: "theme", Value: "dark"}},
			&network.AssociatedCookie{Cookie: &network.Cookie{Name: "session", Value: "s3cret"},
				BlockedReasons: []network.CookieBlockedReason{network.CookieBlockedReasonUserPreferences, network.CookieBlockedReasonThirdPartyPhaseout}})
		rawResponse(r, "F.1", 200, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: "+tPage+"\r\nAccess-Control-Allow-Credentials: true\r\nSet-Cookie: sid=abc; Path=/\r\n\r\n",
			&network.BlockedSetCookieWithReason{CookieLine: "sid=abc; Path=/", BlockedReasons: []network.SetCookieBlockedReason{network.SetCookieBlockedReasonUserPreferences}})
		response(r, "F.1", network.ResourceTypeFetch, tAPI+"/api", 200)
		finished(r, "F.1")
		cases = append(cases, assembleCase{
			name: "cookies blocked", rec: r, js: readJS(200),
			probe: Probe{URL: tAPI + "/api", Method: "GET", Credentials: CredentialsInclude},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeReadable, "readable")
				want(t, cmp.Equal(o.CookiesSent, []Cookie{{Name: "theme"}}), "theme sent")
				want(t, cmp.Equal(o.CookiesBlocked, []Cookie{
					{Name: "session", Direction: "request", Reasons: []string{"UserPreferences", "ThirdPartyPhaseout"}},
					{Name: "sid", Direction: "response", Reasons: []string{"UserPreferences"}},
				}), "session withheld and sid not stored, with Chrome's reasons")
				v, _ := o.Actual.RequestHeader("Cookie")
				want(t, v == "theme=<redacted>", "the Cookie value redacted")
				sc := o.Actual.ResponseHeader("Set-Cookie")
				want(t, len(sc) == 1 && sc[0] == "sid=<redacted>; Path=<redacted>", "the Set-Cookie value redacted, its name kept")
			},
		})
	}

	{ // A GET redirected once, then readable: the hops and the last raw headers.
		r := &recording{}
		sendActual(r, "R.1", "GET", tAPI+"/old")
		rawRequest(r, "R.1", network.Headers{"Origin": tPage, "X-Hop": "1"})
		rawResponse(r, "R.1", 302, "HTTP/1.1 302 Found\r\nLocation: "+tAPI+"/new\r\nAccess-Control-Allow-Origin: "+tPage+"\r\n\r\n")
		r.add(mainOf("R.1"), &network.EventRequestWillBeSent{
			RequestID: "R.1", LoaderID: "L1", DocumentURL: tPage + "/", Type: network.ResourceTypeFetch,
			Request:          &network.Request{URL: tAPI + "/new", Method: "GET"},
			Initiator:        &network.Initiator{Type: network.InitiatorTypeScript},
			RedirectResponse: &network.Response{URL: tAPI + "/old", Status: 302}, RedirectHasExtraInfo: true,
		})
		rawRequest(r, "R.1", network.Headers{"Origin": tPage, "X-Hop": "2"})
		rawResponse(r, "R.1", 200, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: "+tPage+"\r\n\r\n")
		response(r, "R.1", network.ResourceTypeFetch, tAPI+"/new", 200)
		finished(r, "R.1")
		cases = append(cases, assembleCase{
			name: "redirected", rec: r, js: readJS(200),
			probe: Probe{URL: tAPI + "/old", Method: "GET"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeReadable && o.Actual.URL == tAPI+"/new" && o.Actual.Status == 200, "readable at the new URL")
				want(t, cmp.Equal(o.Actual.Redirects, []Redirect{{Status: 302, From: tAPI + "/old", Location: tAPI + "/new"}}), "the one 302 hop")
				v, _ := o.Actual.RequestHeader("X-Hop")
				want(t, v == "2", "the last hop's raw request headers")
			},
		})
	}

	{ // The preflight is answered with a redirect, which Chrome refuses.
		r := &recording{}
		sendActual(r, "K.1", "PUT", tAPI+"/api")
		sendPreflight(r, "K.P", "K.1", tAPI+"/api")
		rawRequest(r, "K.P", network.Headers{"Origin": tPage, "Access-Control-Request-Method": "PUT"})
		rawResponse(r, "K.P", 302, "HTTP/1.1 302 Found\r\nAccess-Control-Allow-Origin: "+tPage+"\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")
		failed(r, "K.P", network.ResourceTypePreflight, "net::ERR_INVALID_REDIRECT", nil)
		failed(r, "K.1", network.ResourceTypeFetch, "net::ERR_FAILED", &network.CorsErrorStatus{CorsError: network.CorsErrorPreflightDisallowedRedirect})
		console(r, cdplog.EntrySourceJavascript, "", "Access to fetch at '"+tAPI+"/api' from origin '"+tPage+"' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request.")
		console(r, cdplog.EntrySourceNetwork, "K.1", "Failed to load resource: net::ERR_FAILED")
		corsIssue(r, "K.1", tAPI+"/api", network.CorsErrorPreflightDisallowedRedirect, "")
		cases = append(cases, assembleCase{
			name: "preflight redirected", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "PUT"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeCORSBlocked && o.CORSError == network.CorsErrorPreflightDisallowedRedirect, "blocked with PreflightDisallowedRedirect")
				pf := o.Preflights[0]
				want(t, pf.Status == 302 && pf.ErrorText == "net::ERR_INVALID_REDIRECT" && slices.Equal(pf.ResponseHeader("Location"), []string{"/elsewhere"}),
					"the preflight's raw 302, its Location and Chrome's net error")
				want(t, !o.Actual.Sent, "the actual PUT never sent")
			},
		})
	}

	{ // mode "same-origin" to another origin: refused in the renderer, so
		// the only evidence is the Audits issue and the console line.
		r := &recording{}
		corsIssue(r, "", tAPI+"/api", network.CorsErrorDisallowedByMode, "")
		console(r, cdplog.EntrySourceJavascript, "", "Fetch API cannot load "+tAPI+"/api. Request mode is \"same-origin\" but the URL's origin is not same as the request origin "+tPage+".")
		cases = append(cases, assembleCase{
			name: "refused by mode", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "GET", Mode: "same-origin"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeCORSBlocked && o.CORSError == network.CorsErrorDisallowedByMode, "blocked with DisallowedByMode")
				want(t, o.Actual.RequestID == "" && o.Preflight == PreflightNotNeeded, "no request on the network")
				want(t, o.CORSConsole() != "", "the console line")
			},
		})
	}

	{ // Nothing listens on the port: a network failure, not a CORS verdict.
		r := &recording{}
		sendActual(r, "G.1", "GET", tAPI+"/api")
		failed(r, "G.1", network.ResourceTypeFetch, "net::ERR_CONNECTION_REFUSED", nil)
		console(r, cdplog.EntrySourceNetwork, "G.1", "Failed to load resource: net::ERR_CONNECTION_REFUSED")
		cases = append(cases, assembleCase{
			name: "network failure", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "GET"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeNetworkFailure && o.NetError == "net::ERR_CONNECTION_REFUSED" && o.CORSError == "",
					"a network failure with Chrome's net error and no CORS error")
				want(t, !o.Actual.Sent && o.Actual.Finished, "the actual request failed before any response")
			},
		})
	}

	{ // The preflight's connection is refused: the cause is on the preflight.
		r := &recording{}
		sendActual(r, "H.1", "DELETE", tAPI+"/api")
		sendPreflight(r, "H.P", "H.1", tAPI+"/api")
		failed(r, "H.P", network.ResourceTypePreflight, "net::ERR_CONNECTION_REFUSED", nil)
		failed(r, "H.1", network.ResourceTypeFetch, "net::ERR_CONNECTION_REFUSED", nil)
		console(r, cdplog.EntrySourceNetwork, "H.1", "Failed to load resource: net::ERR_CONNECTION_REFUSED")
		cases = append(cases, assembleCase{
			name: "preflight network failure", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "DELETE"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeNetworkFailure && o.NetError == "net::ERR_CONNECTION_REFUSED" && o.CORSError == "",
					"a network failure with the refused connection, not a CORS verdict")
				want(t, o.Preflight == PreflightSent && len(o.Preflights) == 1 && !o.Preflights[0].Sent && o.Preflights[0].Finished,
					"the preflight attempted, never sent, and ended")
			},
		})
	}
	{ // Local Network Access, as Chromium 156 reported it for a public page
		// and a local target without the permission: Chrome fails the
		// preflight itself, the server receives nothing.
		r := &recording{}
		sendActual(r, "L.1", "PUT", tAPI+"/api")
		sendPreflight(r, "L.P", "L.1", tAPI+"/api")
		failed(r, "L.P", network.ResourceTypePreflight, "net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS", nil)
		status := &network.CorsErrorStatus{CorsError: network.CorsErrorLocalNetworkAccessPermissionDenied}
		failed(r, "L.1", network.ResourceTypeFetch, "net::ERR_FAILED", status)
		console(r, cdplog.EntrySourceJavascript, "", "Access to fetch at '"+tAPI+"/api' from origin '"+tPage+"' has been blocked by CORS policy: Permission was denied for this request to access the `local` address space.")
		console(r, cdplog.EntrySourceNetwork, "L.1", "Failed to load resource: net::ERR_FAILED")
		corsIssue(r, "L.1", tAPI+"/api", network.CorsErrorLocalNetworkAccessPermissionDenied, "")
		cases = append(cases, assembleCase{
			name: "local network access denied", rec: r, js: blockedJS(),
			probe: Probe{URL: tAPI + "/api", Method: "PUT"},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeCORSBlocked && o.CORSError == network.CorsErrorLocalNetworkAccessPermissionDenied, "blocked with LocalNetworkAccessPermissionDenied")
				want(t, o.Preflight == PreflightNotReached && len(o.Preflights) == 1 && o.Preflights[0].ErrorText == "net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS",
					"the preflight failed by Chrome before reaching the network (not-reached)")
				want(t, !o.Actual.Sent, "the actual PUT never sent")
			},
		})
	}

	{ // The same with the permission granted: Chrome reports where the
		// page and the target live. The Audits issue still names the denial.
		r := &recording{}
		sendActual(r, "M.1", "GET", tAPI+"/api")
		r.add(extraOf("M.1"), &network.EventRequestWillBeSentExtraInfo{RequestID: "M.1", Headers: network.Headers{"Origin": tPage},
			ClientSecurityState: &network.ClientSecurityState{InitiatorIsSecureContext: true, InitiatorIPAddressSpace: network.IPAddressSpacePublic,
				LocalNetworkAccessRequestPolicy: network.LocalNetworkAccessRequestPolicyPermissionBlock}})
		r.add(extraOf("M.1"), &network.EventResponseReceivedExtraInfo{RequestID: "M.1", StatusCode: 200, ResourceIPAddressSpace: network.IPAddressSpaceLocal,
			HeadersText: "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: " + tPage + "\r\n\r\n"})
		response(r, "M.1", network.ResourceTypeFetch, tAPI+"/api", 200)
		finished(r, "M.1")
		corsIssue(r, "M.1", tAPI+"/api", network.CorsErrorLocalNetworkAccessPermissionDenied, "")
		cases = append(cases, assembleCase{
			name: "local network access granted", rec: r, js: readJS(200),
			probe: Probe{URL: tAPI + "/api", Method: "GET", Grant: []Permission{"local-network"}},
			check: func(t *testing.T, o *Observation) {
				want(t, o.Outcome == OutcomeReadable && o.CORSError == "", "readable, no CorsError (the Audits issue is not the verdict)")
				want(t, o.LocalNetwork.InitiatorSpace == network.IPAddressSpacePublic && o.LocalNetwork.RequestPolicy == network.LocalNetworkAccessRequestPolicyPermissionBlock,
					"Chrome's clientSecurityState: initiator Public, policy PermissionBlock")
				want(t, o.LocalNetwork.ResourceSpace == network.IPAddressSpaceLocal, "resourceIPAddressSpace Local")
			},
		})
	}
	return cases
}

func want(t *testing.T, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Errorf("want %s", what)
	}
}

// assembled is assemble's whole answer, for comparing orders.
type assembled struct {
	Obs        *Observation
	Hard, Soft []string
}

func TestAssembleIsIndependentOfEventOrder(t *testing.T) {
	const shuffles = 200
	for _, tc := range assembleCases() {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.probe.withDefaults(5 * time.Second)
			if err != nil {
				t.Fatalf("probe %s: %v", tc.probe, err)
			}
			run := func(evs []any) assembled {
				o, h, s := assemble(evs, p, tPage, tc.js, false)
				return assembled{o, h, s}
			}
			base := run(tc.rec.evs)
			if len(base.Hard) > 0 {
				t.Errorf("recorded order: evidence missing %q; want none (the recording is complete)", base.Hard)
			}
			if len(base.Soft) > 0 {
				t.Errorf("recorded order: soft evidence missing %q; want none", base.Soft)
			}
			tc.check(t, base.Obs)
			if t.Failed() {
				t.Logf("observation:\n%s", base.Obs)
			}

			orders := map[string][]any{"chains reversed": tc.rec.chainsReversed()}
			rng := rand.New(rand.NewPCG(12, uint64(len(tc.name))))
			for i := range shuffles {
				orders[fmt.Sprintf("shuffle %d", i)] = tc.rec.shuffle(rng)
			}
			for name, evs := range orders {
				if diff := cmp.Diff(base, run(evs)); diff != "" {
					t.Fatalf("%s gives another result than the recorded order (-recorded +%s):\n%s\norder: %s", name, name, diff, describeOrder(evs))
				}
			}
		})
	}
}

// TestShuffleKeepsChainsAndMovesEvents proves the shuffles are not vacuous:
// they keep each chain's order, and do reorder events across chains.
func TestShuffleKeepsChainsAndMovesEvents(t *testing.T) {
	for _, tc := range assembleCases() {
		rng := rand.New(rand.NewPCG(1, 2))
		moved := false
		for range 50 {
			evs := tc.rec.shuffle(rng)
			if len(evs) != len(tc.rec.evs) {
				t.Fatalf("%s: shuffle returned %d events; want %d", tc.name, len(evs), len(tc.rec.evs))
			}
			pos := map[any]int{}
			for i, e := range evs {
				pos[e] = i
			}
			for i := range tc.rec.evs {
				for j := i + 1; j < len(tc.rec.evs); j++ {
					if tc.rec.chains[i] == tc.rec.chains[j] && pos[tc.rec.evs[i]] > pos[tc.rec.evs[j]] {
						t.Fatalf("%s: shuffle put event %d after event %d of chain %q", tc.name, i, j, tc.rec.chains[i])
					}
				}
			}
			if !slices.Equal(evs, tc.rec.evs) {
				moved = true
			}
		}
		if !moved && len(slices.Compact(slices.Clone(tc.rec.chains))) > 1 {
			t.Errorf("%s: 50 shuffles all kept the recorded order", tc.name)
		}
	}
}

func describeOrder(evs []any) string {
	var s []string
	for _, ev := range evs {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			s = append(s, "requestWillBeSent "+string(e.RequestID))
		case *network.EventRequestWillBeSentExtraInfo:
			s = append(s, "requestWillBeSentExtraInfo "+string(e.RequestID))
		case *network.EventResponseReceived:
			s = append(s, "responseReceived "+string(e.RequestID))
		case *network.EventResponseReceivedExtraInfo:
			s = append(s, "responseReceivedExtraInfo "+string(e.RequestID))
		case *network.EventLoadingFinished:
			s = append(s, "loadingFinished "+string(e.RequestID))
		case *network.EventLoadingFailed:
			s = append(s, "loadingFailed "+string(e.RequestID))
		case *audits.EventIssueAdded:
			s = append(s, "issueAdded")
		case *cdplog.EventEntryAdded:
			s = append(s, "entryAdded "+string(e.Entry.Source))
		}
	}
	return fmt.Sprint(s)
}
