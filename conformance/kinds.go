package conformance

import "github.com/corsgate/corsgate/harness"

// Kind is one kind of scenario. It owns its generation from the policy,
// the steps of its scenarios (one isolated probe, or a sequence in one
// fresh browser context), and the hint it gives when one fails.
//
// Adding a kind is one file defining its value and one line in Kinds.
type Kind struct {
	// Name identifies the kind (gate selections, reports).
	Name string
	// Group is the first part of its scenarios' names and their first
	// label: allowed, refused or cache.
	Group string
	// PerOrigin adds the kind's scenarios for one allowed origin; Once adds
	// those that do not depend on one. One of the two is set.
	PerOrigin func(g *generator, origin string)
	Once      func(g *generator)
	// Hint names the likely cause of a failure of s from the evidence, or
	// "" to leave it to the causes every kind shares (hint.go).
	Hint func(s Scenario, obs []*harness.Observation) string
}

// Kinds is every kind, in the order their scenarios are generated: for each
// allowed origin the PerOrigin kinds, then the Once kinds.
var Kinds = []*Kind{
	Allowed,         // kind_allowed.go
	ErrorRoute,      // kind_errorroute.go
	PreflightHeader, // kind_preflightheader.go
	JSONBody,        // kind_jsonbody.go
	Exposure,        // kind_exposure.go
	AuthCookies,     // kind_cookies.go
	RefusedMethod,   // kind_refusedmethod.go
	RefusedHeader,   // kind_refusedheader.go
	RefusedOrigin,   // kind_refusedorigin.go
	PreflightCache,  // kind_cache.go
	VaryOrigin,      // kind_vary.go
	OwnOrigin,       // kind_ownorigin.go
	LocalNetwork,    // kind_localnetwork.go
}
