package conformance

import (
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// Judge compares Chrome's observations for s with what each of its steps
// wants.
func Judge(s Scenario, obs []*harness.Observation) judge.Verdict {
	return judge.Judge(s.Wants(), obs)
}

// environmentHint is the hint of a probe that failed below CORS.
const environmentHint = "check that the target is reachable from this machine and its TLS certificate is valid"

// Hint names the likely cause of a failure from the evidence: the real
// statuses and headers, not only Chrome's CorsError (a 401 preflight without
// CORS headers is reported as PreflightMissingAllowOriginHeader). The
// scenario's kind speaks first; then the causes every kind shares.
func Hint(s Scenario, obs []*harness.Observation) string {
	if len(obs) == 0 {
		return ""
	}
	if s.Kind != nil && s.Kind.Hint != nil {
		if h := s.Kind.Hint(s, obs); h != "" {
			return h
		}
	}
	o := obs[0]
	if h := lnaHint(s, o); h != "" {
		return h
	}
	for _, pf := range o.Preflights {
		switch {
		case pf.Status == 401:
			return "the preflight got 401: authentication runs before CORS, but preflights never carry credentials; let the CORS layer answer OPTIONS first or allow anonymous OPTIONS"
		case pf.Status == 405:
			return "the preflight got 405: nothing handles OPTIONS; map OPTIONS to a handler or let the CORS layer answer it"
		case pf.Status == 404:
			return "the preflight got 404: OPTIONS is denied (request filtering) or not routed"
		case pf.Status == 403:
			return "the preflight got 403: the server refused the origin, method or headers of the preflight"
		case pf.Status >= 300 && pf.Status < 400:
			return "the preflight was redirected: answer OPTIONS at the requested URL (no redirects, e.g. http to https or a trailing slash)"
		}
	}
	acao := o.Actual.ResponseHeader("Access-Control-Allow-Origin")
	switch o.CORSError {
	case network.CorsErrorMultipleAllowOriginValues, network.CorsErrorPreflightMultipleAllowOriginValues:
		return "two layers add Access-Control-Allow-Origin (e.g. customHeaders and the CORS module, or the proxy and the app); keep one"
	case network.CorsErrorAllowOriginMismatch, network.CorsErrorPreflightAllowOriginMismatch:
		if strings.HasSuffix(o.FailedParameter, "/") {
			return "the allowed origin has a trailing slash; an origin is scheme://host[:port] only"
		}
		return "the server sends a fixed Access-Control-Allow-Origin; echo the request's origin when it is allowed (with Vary: Origin)"
	case network.CorsErrorWildcardOriginNotAllowed, network.CorsErrorPreflightWildcardOriginNotAllowed:
		return "Access-Control-Allow-Origin: * cannot be used with credentials; echo the exact origin and send Access-Control-Allow-Credentials: true"
	case network.CorsErrorInvalidAllowCredentials, network.CorsErrorPreflightInvalidAllowCredentials:
		return "credentialed requests need Access-Control-Allow-Credentials: true (exactly, lower case)"
	case network.CorsErrorMethodDisallowedByPreflightResponse:
		return fmt.Sprintf("add %s to Access-Control-Allow-Methods (methods match case-sensitively; * does not work with credentials)", o.FailedParameter)
	case network.CorsErrorHeaderDisallowedByPreflightResponse:
		return fmt.Sprintf("add %s to Access-Control-Allow-Headers (* never covers Authorization and is literal with credentials)", o.FailedParameter)
	case network.CorsErrorMissingAllowOriginHeader:
		if o.Actual.Status >= 400 {
			return fmt.Sprintf("the %d response has no CORS headers: add them on error responses too, or the page cannot read the error", o.Actual.Status)
		}
		if len(acao) == 0 {
			return fmt.Sprintf("the server did not send Access-Control-Allow-Origin for %s: the origin is not in its allow-list", s.Origin)
		}
	case network.CorsErrorPreflightMissingAllowOriginHeader:
		return "the preflight response has no Access-Control-Allow-Origin: the layer that answers OPTIONS does not add CORS headers"
	case network.CorsErrorPreflightInvalidStatus:
		return "the preflight passed the CORS check but its status is not 2xx"
	}
	return cookieHint(s, obs)
}
