// Package match holds gomega matchers over harness observations. Their
// failure messages print the whole evidence: page origin, request, preflight
// and actual status and headers, Chrome's CorsError and console line.
package match

import (
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/network"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/corsgate/corsgate/harness"
)

func observation(actual any) (*harness.Observation, error) {
	o, ok := actual.(*harness.Observation)
	if !ok || o == nil {
		return nil, fmt.Errorf("match: want a *harness.Observation, got %T", actual)
	}
	return o, nil
}

func matcher(msg string, ok func(*harness.Observation) bool) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(actual any) (bool, error) {
		o, err := observation(actual)
		if err != nil {
			return false, err
		}
		return ok(o), nil
	}).WithMessage(msg)
}

// BeReadable succeeds when JavaScript could read the response: Chrome allowed
// it under CORS and the request did not fail.
func BeReadable() types.GomegaMatcher {
	return matcher("be readable by page JavaScript (allowed by Chrome)", (*harness.Observation).Readable)
}

// Option refines BeBlockedByCORS.
type Option func(*blockWant)

type blockWant struct {
	param    string
	hasParam bool
}

// FailedParameter requires Chrome's failedParameter to equal p.
func FailedParameter(p string) Option {
	return func(w *blockWant) { w.param, w.hasParam = p, true }
}

// BeBlockedByCORS succeeds when Chrome refused the probe with the given
// network.CorsError (and failed parameter, when given).
func BeBlockedByCORS(want network.CorsError, opts ...Option) types.GomegaMatcher {
	var w blockWant
	for _, o := range opts {
		o(&w)
	}
	msg := fmt.Sprintf("be blocked by CORS with CorsError %s", want)
	if w.hasParam {
		msg += fmt.Sprintf(" and failedParameter %q", w.param)
	}
	return matcher(msg, func(o *harness.Observation) bool {
		return o.Outcome == harness.OutcomeCORSBlocked && o.CORSError == want &&
			(!w.hasParam || o.FailedParameter == w.param)
	})
}

// HavePreflight succeeds when the preflight state is want (sent, cached,
// not-needed, not-reached).
func HavePreflight(want harness.PreflightState) types.GomegaMatcher {
	return matcher(fmt.Sprintf("have preflight state %q", want), func(o *harness.Observation) bool {
		return o.Preflight == want
	})
}

// HaveReadableHeader succeeds when page JavaScript can read the response
// header name (safelisted or exposed).
func HaveReadableHeader(name string) types.GomegaMatcher {
	return matcher(fmt.Sprintf("let JavaScript read response header %q", name), func(o *harness.Observation) bool {
		_, ok := o.JS.Header(name)
		return o.Readable() && ok
	})
}

// HaveRawResponseHeader succeeds when the actual response carried the header
// on the wire, whatever JavaScript may read.
func HaveRawResponseHeader(name string) types.GomegaMatcher {
	return matcher(fmt.Sprintf("have response header %q on the wire", name), func(o *harness.Observation) bool {
		return len(o.Actual.ResponseHeader(name)) > 0
	})
}

// HaveNetworkFailure succeeds when the probe failed below CORS with a net::
// error containing netError ("" for any), and no CORS verdict.
func HaveNetworkFailure(netError string) types.GomegaMatcher {
	return matcher(fmt.Sprintf("fail at the network level with %q and no CORS verdict", netError), func(o *harness.Observation) bool {
		return o.Outcome == harness.OutcomeNetworkFailure && o.CORSError == "" && strings.Contains(o.NetError, netError)
	})
}

// HaveSentCookie succeeds when Chrome sent the cookie name on the actual
// request.
func HaveSentCookie(name string) types.GomegaMatcher {
	return matcher(fmt.Sprintf("send cookie %q", name), func(o *harness.Observation) bool {
		for _, c := range o.CookiesSent {
			if c.Name == name {
				return true
			}
		}
		return false
	})
}

// HaveBlockedCookie succeeds when Chrome blocked cookie name (sending or
// storing it) with reason ("" for any).
func HaveBlockedCookie(name, reason string) types.GomegaMatcher {
	return matcher(fmt.Sprintf("block cookie %q with reason %q", name, reason), func(o *harness.Observation) bool {
		for _, c := range o.CookiesBlocked {
			if c.Name != name {
				continue
			}
			for _, r := range c.Reasons {
				if reason == "" || r == reason {
					return true
				}
			}
		}
		return false
	})
}
