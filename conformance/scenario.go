// Package conformance turns a CORS policy into browser scenarios, runs them
// through the harness, and judges Chrome's verdicts against the policy.
//
// A scenario's kind (kinds.go lists them all) owns how it is generated
// from the policy, its steps and its hint; judge owns the comparison.
package conformance

import (
	"slices"

	"github.com/corsgate/corsgate/conformance/runner"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/origins"
)

// Scenario is one check of the policy in the browser.
type Scenario struct {
	// Name is stable across runs: group/origin/column.
	Name string
	// Kind is what the scenario checks; it generated the scenario.
	Kind *Kind
	// Labels are ginkgo labels; the first is the kind's group.
	Labels []string
	// Spec is the Fetch-standard rule the scenario checks.
	Spec string
	// Origin is the page origin as Chrome serializes it ("null" for the
	// opaque origin).
	Origin string
	// Column is the column of the verdict matrix, e.g. "PUT /api/orders
	// +cred".
	Column string
	Probe  harness.Probe // Page and URL path set; URL is relative to the target
	// Cookies seeds the policy's auth cookies before the probe.
	Cookies bool
	// Steps are the probes of the scenario and what Chrome must decide about
	// each: one step runs as an isolated probe; several run one after the
	// other in one fresh browser context (a sequence).
	Steps []Step
	// Security marks scenarios whose failure lets an origin read what it
	// must not.
	Security bool
	// OwnOrigin: the page is the API's own origin, served by the front.
	OwnOrigin bool
}

// Step is one probe of a scenario: Scenario.Probe sent from Page (the
// scenario's origin when empty), and what Chrome must decide about it.
type Step struct {
	Page origins.Name
	Want judge.Want
}

// Sequence reports whether the scenario runs several probes in one browser
// context of its own.
func (s Scenario) Sequence() bool { return len(s.Steps) > 1 }

// Want is what Chrome must decide about the scenario's first probe.
func (s Scenario) Want() judge.Want {
	if len(s.Steps) == 0 {
		return judge.Want{}
	}
	return s.Steps[0].Want
}

// Wants are the expectations of every step, in order.
func (s Scenario) Wants() []judge.Want {
	var ws []judge.Want
	for _, st := range s.Steps {
		ws = append(ws, st.Want)
	}
	return ws
}

// Pages are the page origins the scenario's probes run from.
func (s Scenario) Pages() []string {
	out := []string{s.Origin}
	for _, st := range s.Steps {
		if st.Page != "" {
			out = append(out, string(st.Page))
		}
	}
	return dedupe(out)
}

// Job is what the runner needs of s: its probe, the page of each step,
// and whether to seed the auth cookies.
func (s Scenario) Job() runner.Job {
	j := runner.Job{Name: s.Name, Probe: s.Probe, SeedCookies: s.Cookies}
	if s.Sequence() {
		for _, st := range s.Steps {
			page := st.Page
			if page == "" {
				page = s.Probe.Page
			}
			j.Pages = append(j.Pages, page)
		}
	}
	return j
}

// Expected is the expectation in a few words: each step's Want, the steps
// joined by ", then".
func (s Scenario) Expected() string {
	e := ""
	for i, st := range s.Steps {
		if i > 0 {
			e += ", then "
			if st.Page != "" {
				e += "from " + string(st.Page) + " "
			}
		}
		e += st.Want.String()
	}
	return e
}

// label adds labels the scenario does not have yet.
func (s *Scenario) label(ls ...string) {
	for _, l := range ls {
		if !slices.Contains(s.Labels, l) {
			s.Labels = append(s.Labels, l)
		}
	}
}
