package harness

import (
	"math/rand/v2"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
)

// In a shared pool lane several probes run in one tab at once, so the events
// since a probe's start include other probes' requests, issues and console
// lines. Each probe must see only its own: here a blocked PUT (preflight
// refused) runs beside a readable GET and a blocked GET, in every order.
func TestAssembleSharedLaneKeepsOnlyTheProbesOwnEvents(t *testing.T) {
	const (
		putURL  = tAPI + "/api/orders?corsgate-probe=7"
		getURL  = tAPI + "/api/orders?corsgate-probe=8"
		missURL = tAPI + "/api/missing?corsgate-probe=9"
	)
	r := &recording{}
	// The readable GET of another probe.
	sendActual(r, "G.1", "GET", getURL)
	rawRequest(r, "G.1", network.Headers{"Origin": tPage})
	rawResponse(r, "G.1", 200, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: "+tPage+"\r\n\r\n")
	response(r, "G.1", network.ResourceTypeFetch, getURL, 200)
	finished(r, "G.1")
	// Another probe's blocked GET, with its issue and a console line that
	// names its URL but carries no request id.
	sendActual(r, "M.1", "GET", missURL)
	rawRequest(r, "M.1", network.Headers{"Origin": tPage})
	rawResponse(r, "M.1", 404, "HTTP/1.1 404 Not Found\r\n\r\n")
	failed(r, "M.1", network.ResourceTypeFetch, "net::ERR_FAILED", &network.CorsErrorStatus{CorsError: network.CorsErrorMissingAllowOriginHeader})
	corsIssue(r, "", missURL, network.CorsErrorMissingAllowOriginHeader, "")
	console(r, cdplog.EntrySourceJavascript, "", "Access to fetch at '"+missURL+"' from origin '"+tPage+"' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
	// The probe: a PUT whose preflight is refused.
	sendActual(r, "P.1", "PUT", putURL)
	sendPreflight(r, "P.2", "P.1", putURL)
	rawRequest(r, "P.2", network.Headers{"Origin": tPage, "Access-Control-Request-Method": "PUT"})
	rawResponse(r, "P.2", 204, "HTTP/1.1 204 No Content\r\n\r\n")
	response(r, "P.2", network.ResourceTypePreflight, putURL, 204)
	finished(r, "P.2")
	failed(r, "P.1", network.ResourceTypeFetch, "net::ERR_FAILED", &network.CorsErrorStatus{CorsError: network.CorsErrorPreflightMissingAllowOriginHeader})
	corsIssue(r, "P.1", putURL, network.CorsErrorPreflightMissingAllowOriginHeader, "")
	putLine := "Access to fetch at '" + putURL + "' from origin '" + tPage + "' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
	console(r, cdplog.EntrySourceJavascript, "", putLine)

	probe := Probe{URL: putURL, Method: "PUT", Mode: "cors", Credentials: CredentialsSameOrigin, Timeout: 1}
	rng := rand.New(rand.NewPCG(13, 13))
	for i := range 200 {
		evs := r.shuffle(rng)
		o, hard, soft := assemble(evs, probe, tPage, blockedJS(), true)
		if len(hard) > 0 || len(soft) > 0 {
			t.Fatalf("order %d: evidence missing: hard %v, soft %v", i, hard, soft)
		}
		if o.Actual.RequestID != "P.1" || len(o.Preflights) != 1 || o.Preflights[0].RequestID != "P.2" {
			t.Fatalf("order %d: actual %q, preflights %v; want P.1 with preflight P.2", i, o.Actual.RequestID, o.Preflights)
		}
		if o.CORSError != network.CorsErrorPreflightMissingAllowOriginHeader || len(o.Issues) != 1 {
			t.Fatalf("order %d: CORS error %q, issues %v; want only the probe's preflight error", i, o.CORSError, o.Issues)
		}
		if len(o.Console) != 1 || o.Console[0].Text != putLine {
			t.Fatalf("order %d: console %v; want only the probe's line", i, o.Console)
		}
	}
	// Unshared (one probe per tab), every CORS line since the start counts,
	// as before lanes were shared.
	o, _, _ := assemble(r.evs, probe, tPage, blockedJS(), false)
	if len(o.Console) != 2 {
		t.Fatalf("unshared: console %v; want both CORS lines", o.Console)
	}
}
