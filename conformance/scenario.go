// Package conformance turns a CORS policy into browser scenarios, runs them
// through the harness, and judges Chrome's verdicts against the policy.
package conformance

import (
	"slices"

	"github.com/corsgate/corsgate/harness"
)

// Expect is what a scenario requires of Chrome's verdict.
type Expect string

// The expectations.
const (
	// Readable: page JavaScript must be able to read the response.
	Readable Expect = "readable"
	// Refused: Chrome must not let the page read the response (any CORS
	// error), and with unlisted: reject the server must answer 403.
	Refused Expect = "refused"
	// RefusedAtPreflight: the preflight must fail, so the actual request is
	// never sent.
	RefusedAtPreflight Expect = "refused at preflight"
)

// Sequence says how a scenario uses browser contexts.
type Sequence string

// The sequences.
const (
	// Single: one probe in a fresh browser context.
	Single Sequence = ""
	// CachedPreflight: the same preflighted request twice in one context;
	// the second must be answered from Chrome's preflight cache.
	CachedPreflight Sequence = "cached-preflight"
	// VaryOrigin: the same request from Origin and then from SecondOrigin
	// in one context; both must be readable (Vary: Origin keeps the HTTP
	// cache from serving one origin's Access-Control-Allow-Origin to the
	// other).
	VaryOrigin Sequence = "vary-origin"
)

// Scenario is one check of the policy in the browser.
type Scenario struct {
	// Name is stable across runs: kind/origin/request.
	Name   string
	Labels []string
	// Spec is the Fetch-standard rule the scenario checks.
	Spec string
	// Origin is the page origin as Chrome serializes it ("null" for the
	// opaque origin).
	Origin string
	// Request is the column of the verdict matrix, e.g. "PUT /api/orders +cred".
	Request string
	Probe   harness.Probe // Page and URL path set; URL is relative to the target
	// Cookies are the auth cookies to seed before the probe.
	Cookies bool
	Expect  Expect
	// Status is the status JavaScript must read (0: any).
	Status int
	// RawStatus is the status the server must answer (unlisted: reject → 403).
	RawStatus int
	// ReadableHeaders must be readable by JavaScript.
	ReadableHeaders []string
	// Security marks scenarios whose failure lets an origin read what it
	// must not.
	Security bool
	Sequence Sequence
	// MaxAge is the Access-Control-Max-Age the preflight of a
	// CachedPreflight sequence must carry at least (the policy's maxAge,
	// capped at Chrome's 7200 s): without it Chrome still caches for 5 s,
	// so the browser alone would not notice a missing header.
	MaxAge int
	// SecondOrigin is the page origin of the second probe of a VaryOrigin
	// sequence.
	SecondOrigin string
}

// label adds labels the scenario does not have yet.
func (s *Scenario) label(ls ...string) {
	for _, l := range ls {
		if !slices.Contains(s.Labels, l) {
			s.Labels = append(s.Labels, l)
		}
	}
}
