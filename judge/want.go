// Package judge is corsgate's one expectation model: a Want says what Chrome
// must decide about a probe (or each step of a sequence), and Judge compares
// it with Chrome's observations and says, in one line, what differs. The
// conformance run, the lab, the self-test catalogue and the gomega matchers
// in match/ all judge through it, so the evidence they print is the same.
package judge

import (
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
)

// Outcome is the verdict a Want requires, as a closed set.
type Outcome string

// The outcomes.
const (
	// Any: the outcome is not part of the expectation (a matcher that looks
	// only at the preflight or a header).
	Any Outcome = ""
	// Readable: page JavaScript can read the response
	// (https://fetch.spec.whatwg.org/#cors-check passed).
	Readable Outcome = "readable"
	// Blocked: Chrome refused the response under CORS; CORSError, when set,
	// says with which error.
	Blocked Outcome = "refused"
	// BlockedAtPreflight: Chrome refused the preflight, so the actual
	// request was never sent
	// (https://fetch.spec.whatwg.org/#cors-preflight-fetch).
	BlockedAtPreflight Outcome = "refused at preflight"
	// NetworkFailure: the request failed below CORS (NetError, when set,
	// is part of Chrome's net:: code) and there is no CORS verdict.
	NetworkFailure Outcome = "network failure"
)

// Want is what Chrome must decide about one probe. Zero fields are not
// checked, except FailedParameter, which is compared whenever CORSError is
// set (unless AnyParameter).
type Want struct {
	Outcome Outcome
	// CORSError is the network.CorsError Chrome must report (Blocked).
	CORSError network.CorsError
	// FailedParameter is Chrome's failedParameter for CORSError.
	FailedParameter string
	// AnyParameter skips the failedParameter comparison.
	AnyParameter bool
	// NetError is part of the net:: code of a NetworkFailure.
	NetError string
	// Preflight is the preflight state Chrome must show (sent, cached,
	// not-needed).
	Preflight harness.PreflightState
	// PreflightMaxAge is the least Access-Control-Max-Age the first
	// preflight must carry, in seconds. Chrome caches a preflight without
	// one for 5 s, so the browser alone would not notice it missing.
	PreflightMaxAge int
	// Status is the status JavaScript must read; RawStatus the status the
	// server must answer on the actual request.
	Status, RawStatus int
	// RawStatusClass is the class (2 for 2xx) the server's status must be
	// in: on the actual request, or on the preflight when Chrome sent no
	// actual request. unlisted: omit wants a refused origin answered as
	// without an Origin header, only without CORS headers.
	RawStatusClass int
	// Readable and Hidden are response headers JavaScript must, and must
	// not, be able to read; OnTheWire are headers the actual response must
	// carry whatever JavaScript may read.
	Readable, Hidden, OnTheWire []string
	// CookiesSent are cookies Chrome must send on the actual request.
	CookiesSent []string
	// CookiesBlocked are cookies Chrome must block.
	CookiesBlocked []BlockedCookie
	// ResourceSpace is the address space Chrome must have found the target
	// in (responseReceivedExtraInfo.resourceIPAddressSpace: Public, Local,
	// Loopback), so a Local Network Access scenario that passes proves the
	// target really was more private than the page.
	ResourceSpace network.IPAddressSpace
}

// BlockedCookie is a cookie Chrome must block, with Reason ("" for any).
type BlockedCookie struct{ Name, Reason string }

// String is the expectation in a few words, for reports and matcher
// messages: "readable 200", "refused (server 403)", "refused at preflight".
func (w Want) String() string {
	var parts []string
	if w.Outcome != Any {
		parts = append(parts, string(w.Outcome))
	}
	if w.Status != 0 {
		parts = append(parts, fmt.Sprint(w.Status))
	}
	s := strings.Join(parts, " ")
	if w.CORSError != "" {
		if s != "" {
			s += ": "
		}
		s += string(w.CORSError)
		if !w.AnyParameter {
			s += fmt.Sprintf(" %q", w.FailedParameter)
		}
	}
	if w.RawStatus != 0 {
		s += fmt.Sprintf(" (server %d)", w.RawStatus)
	}
	if w.RawStatusClass != 0 {
		s += fmt.Sprintf(" (server %dxx)", w.RawStatusClass)
	}
	var more []string
	if w.NetError != "" {
		more = append(more, w.NetError)
	}
	if w.Preflight != "" {
		more = append(more, "preflight "+string(w.Preflight))
	}
	if w.PreflightMaxAge > 0 {
		more = append(more, fmt.Sprintf("preflight Max-Age at least %d s", w.PreflightMaxAge))
	}
	if len(w.Readable) > 0 {
		more = append(more, strings.Join(w.Readable, ", ")+" readable")
	}
	if len(w.Hidden) > 0 {
		more = append(more, strings.Join(w.Hidden, ", ")+" hidden")
	}
	if len(w.OnTheWire) > 0 {
		more = append(more, strings.Join(w.OnTheWire, ", ")+" on the wire")
	}
	if len(w.CookiesSent) > 0 {
		more = append(more, "cookies "+strings.Join(w.CookiesSent, ", ")+" sent")
	}
	for _, c := range w.CookiesBlocked {
		more = append(more, fmt.Sprintf("cookie %s blocked (%s)", c.Name, orAny(c.Reason)))
	}
	if w.ResourceSpace != "" {
		more = append(more, "target in address space "+string(w.ResourceSpace))
	}
	if len(more) > 0 {
		if s != "" {
			s += ", "
		}
		s += strings.Join(more, ", ")
	}
	if s == "" {
		return "anything"
	}
	return s
}

func orAny(s string) string {
	if s == "" {
		return "any reason"
	}
	return s
}
