package harness

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/chromedp/cdproto/audits"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fetchspec"
)

// byRequest gathers the events of one request id.
type byRequest struct {
	sent     []*network.EventRequestWillBeSent // one per hop
	extraReq *network.EventRequestWillBeSentExtraInfo
	resp     *network.EventResponseReceived
	extra    *network.EventResponseReceivedExtraInfo
	finished bool
	failed   *network.EventLoadingFailed
}

// assemble builds the observation of probe p from the events recorded since
// it started. hard lists evidence without which the verdict is not known yet;
// soft lists evidence that only explains it. shared says other probes ran in
// the tab meanwhile (a shared pool lane, where every probe URL in flight is
// different): then only the request whose URL is p's, its preflights, and
// the issues and console lines naming them are p's.
func assemble(evs []any, p Probe, pageOrigin string, js JSResult, shared bool) (obs *Observation, hard, soft []string) {
	own := func(string) bool { return true }
	if shared {
		want := urlKey(p.URL)
		own = func(u string) bool { return urlKey(u) == want }
	}
	reqs := map[network.RequestID]*byRequest{}
	get := func(id network.RequestID) *byRequest {
		if reqs[id] == nil {
			reqs[id] = &byRequest{}
		}
		return reqs[id]
	}
	var order []network.RequestID
	var issues []*audits.CorsIssueDetails
	var logs []*cdplog.Entry
	for _, ev := range evs {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if len(get(e.RequestID).sent) == 0 {
				order = append(order, e.RequestID)
			}
			get(e.RequestID).sent = append(get(e.RequestID).sent, e)
		case *network.EventRequestWillBeSentExtraInfo:
			get(e.RequestID).extraReq = e
		case *network.EventResponseReceived:
			get(e.RequestID).resp = e
		case *network.EventResponseReceivedExtraInfo:
			get(e.RequestID).extra = e
		case *network.EventLoadingFinished:
			get(e.RequestID).finished = true
		case *network.EventLoadingFailed:
			get(e.RequestID).failed = e
		case *audits.EventIssueAdded:
			if e.Issue != nil && e.Issue.Details != nil && e.Issue.Details.CorsIssueDetails != nil {
				issues = append(issues, e.Issue.Details.CorsIssueDetails)
			}
		case *cdplog.EventEntryAdded:
			if e.Entry != nil {
				logs = append(logs, e.Entry)
			}
		}
	}

	obs = &Observation{Probe: p, PageOrigin: pageOrigin, JS: js}

	// The actual request is the page's one fetch/XHR; its preflights name it
	// as their initiator.
	var actualID network.RequestID
	var preflightIDs []network.RequestID
	for _, id := range order {
		first := reqs[id].sent[0]
		switch {
		case first.Initiator != nil && first.Initiator.Type == network.InitiatorTypePreflight:
			preflightIDs = append(preflightIDs, id)
		case actualID == "" && (first.Type == network.ResourceTypeFetch || first.Type == network.ResourceTypeXHR) && own(first.Request.URL):
			actualID = id
		}
	}
	if actualID == "" {
		for _, id := range preflightIDs {
			if own(reqs[id].sent[0].Request.URL) {
				actualID = reqs[id].sent[0].Initiator.RequestID
				hard = append(hard, "requestWillBeSent of the actual request")
				break
			}
		}
	}
	var mine []network.RequestID
	for _, id := range preflightIDs {
		if reqs[id].sent[0].Initiator.RequestID != actualID {
			continue
		}
		mine = append(mine, id)
		ex, h, s := exchange(id, reqs[id], false)
		obs.Preflights = append(obs.Preflights, ex)
		hard, soft = append(hard, h...), append(soft, s...)
	}
	if r := reqs[actualID]; r != nil && len(r.sent) > 0 {
		mine = append(mine, actualID)
		ex, h, s := exchange(actualID, r, true)
		obs.Actual = ex
		hard, soft = append(hard, h...), append(soft, s...)
		obs.CookiesSent, obs.CookiesBlocked = cookies(r)
	}

	obs.LocalNetwork = localNetwork(reqs, mine)

	// Chrome's structured verdict.
	var failed *network.EventLoadingFailed
	if r := reqs[actualID]; r != nil {
		failed = r.failed
	}
	for _, is := range issues {
		if is.CorsErrorStatus == nil {
			continue
		}
		var reqID network.RequestID
		url := ""
		if is.Request != nil {
			reqID, url = is.Request.RequestID, is.Request.URL
		}
		if reqID != "" && reqID != actualID || reqID == "" && !own(url) {
			continue
		}
		obs.Issues = append(obs.Issues, Issue{
			CORSError: is.CorsErrorStatus.CorsError, FailedParameter: is.CorsErrorStatus.FailedParameter,
			IsWarning: is.IsWarning, InitiatorOrigin: is.InitiatorOrigin, URL: url,
		})
	}
	for _, l := range logs {
		isCORS := l.Source == cdplog.EntrySourceJavascript && (l.Category == "cors" || strings.Contains(l.Text, "CORS policy") || strings.Contains(l.Text, "Request mode is"))
		isMine := l.NetworkRequestID != "" && contains(mine, l.NetworkRequestID)
		if shared && isCORS && !isMine && (l.NetworkRequestID != "" || !namesURL(l.Text, p.URL, reqs[actualID])) {
			isCORS = false // another probe's line
		}
		if isCORS || isMine {
			obs.Console = append(obs.Console, ConsoleLine{Source: string(l.Source), Level: string(l.Level), Text: l.Text})
		}
	}

	switch {
	case js.Outcome == "timeout":
		obs.Outcome = OutcomeTimeout
		obs.NetError = "net::ERR_TIMED_OUT (probe timeout " + p.Timeout.String() + ")"
	case failed != nil && failed.CorsErrorStatus != nil:
		obs.Outcome = OutcomeCORSBlocked
		obs.CORSError = failed.CorsErrorStatus.CorsError
		obs.FailedParameter = failed.CorsErrorStatus.FailedParameter
		if len(obs.Issues) == 0 {
			soft = append(soft, "Audits CORS issue")
		}
		if obs.CORSConsole() == "" {
			soft = append(soft, "console CORS message")
		}
	case failed != nil && failed.BlockedReason != "":
		obs.Outcome = OutcomeBlockedByBrowser
		obs.BlockedReason = string(failed.BlockedReason)
	case failed != nil:
		obs.Outcome = OutcomeNetworkFailure
		obs.NetError = failed.ErrorText
		// A failed preflight reports the cause; the actual request only
		// says net::ERR_FAILED.
		for _, pf := range obs.Preflights {
			if pf.ErrorText != "" && pf.ErrorText != "net::ERR_FAILED" {
				obs.NetError = pf.ErrorText
			}
		}
	case js.Outcome == "response" && js.Type == "opaque":
		obs.Outcome = OutcomeOpaque
	case js.Outcome == "response":
		obs.Outcome = OutcomeReadable
	case actualID == "":
		// No request reached the network stack: either Chrome refused it in
		// the renderer (DisallowedByMode, reported only as an issue) or the
		// page's JavaScript rejected the probe itself.
		for _, is := range obs.Issues {
			if !is.IsWarning {
				obs.Outcome = OutcomeCORSBlocked
				obs.CORSError, obs.FailedParameter = is.CORSError, is.FailedParameter
			}
		}
		if obs.Outcome == "" {
			obs.Outcome = OutcomeScriptError
			soft = append(soft, "Audits issue or request event (none arrived: the page rejected the probe)")
		}
	default:
		obs.Outcome = OutcomeNetworkFailure
		hard = append(hard, "loadingFailed of the actual request")
	}

	if js.Outcome == "timeout" {
		// The page gave up: the verdict is known, and Chrome may never
		// report the end of an aborted request (seen for a preflight).
		soft, hard = append(soft, hard...), nil
	}

	switch {
	case lnaRefusedPreflights(obs.Preflights):
		// Local Network Access failed the preflight inside Chrome: nothing
		// reached the server.
		obs.Preflight = PreflightNotReached
	case len(obs.Preflights) > 0:
		obs.Preflight = PreflightSent
	case !p.NeedsPreflight(pageOrigin):
		obs.Preflight = PreflightNotNeeded
	case obs.Actual.Sent:
		obs.Preflight = PreflightCached
	default:
		obs.Preflight = PreflightNotReached
	}
	return obs, hard, soft
}

// exchange summarises one request id. Hard: its terminal event. Soft: the
// raw headers Chrome announced (hasExtraInfo) or that a blocked response
// should carry.
func exchange(id network.RequestID, r *byRequest, actual bool) (ex Exchange, hard, soft []string) {
	last := r.sent[len(r.sent)-1]
	ex = Exchange{RequestID: string(id), Method: last.Request.Method, URL: last.Request.URL}
	for i, s := range r.sent {
		if s.RedirectResponse != nil && i > 0 {
			ex.Redirects = append(ex.Redirects, Redirect{
				Status: int(s.RedirectResponse.Status), From: r.sent[i-1].Request.URL, Location: s.Request.URL,
			})
		}
	}
	if r.extraReq != nil {
		ex.RequestHeaders = redactAll(headerList(r.extraReq.Headers, ""))
	}
	switch {
	case r.extra != nil:
		ex.Status = int(r.extra.StatusCode)
		ex.ResponseHeaders = redactAll(headerList(r.extra.Headers, r.extra.HeadersText))
	case r.resp != nil && r.resp.Response != nil:
		ex.Status = int(r.resp.Response.Status)
		ex.ResponseHeaders = redactAll(headerList(r.resp.Response.Headers, ""))
	}
	if r.resp != nil && r.resp.Response != nil {
		ex.FromCache = r.resp.Response.FromDiskCache
	}
	ex.Sent = r.extraReq != nil || r.extra != nil || r.resp != nil
	if r.failed != nil {
		ex.ErrorText = r.failed.ErrorText
	}
	ex.Finished = r.finished || r.failed != nil
	name := "preflight"
	if actual {
		name = "actual request"
	}
	if !ex.Finished {
		hard = append(hard, fmt.Sprintf("loadingFinished/loadingFailed of the %s %s", name, id))
	}
	if r.resp != nil && r.resp.HasExtraInfo && r.extra == nil {
		soft = append(soft, fmt.Sprintf("raw response headers of the %s", name))
	}
	if actual && r.resp == nil && r.extra == nil && r.failed != nil && r.failed.CorsErrorStatus != nil &&
		fetchspec.StageOf(r.failed.CorsErrorStatus.CorsError) == fetchspec.StageResponse {
		soft = append(soft, "raw response headers of the blocked actual response")
	}
	return ex, hard, soft
}

func cookies(r *byRequest) (sent, blocked []Cookie) {
	if r.extraReq != nil {
		for _, c := range r.extraReq.AssociatedCookies {
			if c == nil || c.Cookie == nil {
				continue
			}
			if len(c.BlockedReasons) == 0 {
				sent = append(sent, Cookie{Name: c.Cookie.Name})
				continue
			}
			bc := Cookie{Name: c.Cookie.Name, Direction: "request"}
			for _, why := range c.BlockedReasons {
				bc.Reasons = append(bc.Reasons, string(why))
			}
			blocked = append(blocked, bc)
		}
	}
	if r.extra != nil {
		for _, c := range r.extra.BlockedCookies {
			if c == nil {
				continue
			}
			bc := Cookie{Direction: "response"}
			if c.Cookie != nil {
				bc.Name = c.Cookie.Name
			} else {
				bc.Name, _, _ = strings.Cut(c.CookieLine, "=")
			}
			for _, why := range c.BlockedReasons {
				bc.Reasons = append(bc.Reasons, string(why))
			}
			blocked = append(blocked, bc)
		}
	}
	return sent, blocked
}

// headerList turns DevTools headers into ordered lines. The raw text keeps
// duplicates and order; the map joins duplicates with "\n".
func headerList(m network.Headers, text string) []Header {
	var hs []Header
	if text != "" {
		lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
		for _, line := range lines[1:] {
			if name, value, ok := strings.Cut(line, ":"); ok {
				hs = append(hs, Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
			}
		}
		if len(hs) > 0 {
			return hs
		}
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range strings.Split(fmt.Sprint(m[k]), "\n") {
			hs = append(hs, Header{Name: k, Value: v})
		}
	}
	return hs
}

// redactAll hides credential values (Authorization, Cookie, Set-Cookie) so
// observations and reports never carry secrets; names stay visible.
func redactAll(hs []Header) []Header {
	for i := range hs {
		hs[i].Value = redact(hs[i].Name, hs[i].Value)
	}
	return hs
}

func contains(ids []network.RequestID, id network.RequestID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// urlKey is a URL as a request matches it: the fragment dropped, the query
// parameters sorted, so Chrome's serialization and the probe's compare equal.
func urlKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = u.Query().Encode()
	return u.String()
}

// namesURL reports whether a console line quotes the probe's URL or a URL
// of its request's hops ("Access to fetch at '<url>' from origin ...").
func namesURL(text, probeURL string, r *byRequest) bool {
	if strings.Contains(text, "'"+probeURL+"'") {
		return true
	}
	if r != nil {
		for _, s := range r.sent {
			if strings.Contains(text, "'"+s.Request.URL+"'") {
				return true
			}
		}
	}
	return false
}

// localNetwork is Chrome's Local Network Access view of the probe's
// requests (ids: its preflights, then the actual request): the first
// clientSecurityState Chrome reported, and the last resourceIPAddressSpace
// (the actual response's when there is one).
func localNetwork(reqs map[network.RequestID]*byRequest, ids []network.RequestID) LocalNetwork {
	var l LocalNetwork
	for _, id := range ids {
		r := reqs[id]
		if r.extraReq != nil && r.extraReq.ClientSecurityState != nil && l.InitiatorSpace == "" {
			l.InitiatorSpace = r.extraReq.ClientSecurityState.InitiatorIPAddressSpace
			l.RequestPolicy = r.extraReq.ClientSecurityState.LocalNetworkAccessRequestPolicy
		}
		if r.extra != nil && r.extra.ResourceIPAddressSpace != "" {
			l.ResourceSpace = r.extra.ResourceIPAddressSpace
		}
	}
	return l
}

// lnaRefusedPreflights reports whether Chrome's Local Network Access check
// failed every preflight before it was sent.
func lnaRefusedPreflights(pfs []Exchange) bool {
	for _, p := range pfs {
		if p.Sent || p.ErrorText != fetchspec.LNANetError {
			return false
		}
	}
	return len(pfs) > 0
}
