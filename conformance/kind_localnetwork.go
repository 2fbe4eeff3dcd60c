package conformance

import (
	"fmt"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

// specLNA is the rule Local Network Access scenarios check.
const specLNA = "https://wicg.github.io/local-network-access/#local-network-request"

// LocalNetwork: when the policy puts the target in a more private address
// space than an allowed origin's frontend (a public portal calling an
// intranet API: addressSpace: local), Chrome asks the user before the page
// may reach the API, and no response header can change that. Every other
// kind's scenarios from such an origin run with the user's permission
// granted (grant), so CORS is still checked; this kind adds, per origin,
// the request without it, which Chrome must refuse with
// LocalNetworkAccessPermissionDenied — or, from a page that is not a secure
// context, with InsecureLocalNetwork, which no permission can lift.
var LocalNetwork = &Kind{
	Name: "local network access", Group: "local-network",
	PerOrigin: func(g *generator, o string) {
		secure, applies := g.localNetworkRequest(o)
		if !applies {
			return
		}
		w := judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorLocalNetworkAccessPermissionDenied, AnyParameter: true}
		column := "without " + string(fetchspec.PermissionFor(g.p.TargetSpace()))
		if !secure {
			w.CORSError = network.CorsErrorInsecureLocalNetwork
			column = "from an insecure page"
		}
		s := g.scenario(o, "GET", g.p.Endpoints[0].Path, false, w)
		s.Probe.Grant = nil
		s.Column = "GET " + g.p.Endpoints[0].Path + " " + column
		s.Spec = specLNA
		s.label("local-network")
		g.add(s)
	},
	Hint: func(s Scenario, obs []*harness.Observation) string {
		o := obs[0]
		if o.Readable() {
			return fmt.Sprintf("Chrome let %s read the API without asking the user: it did not find the target in the %s address space (it saw %s); check addressSpace and the address the target is served from",
				s.Origin, o.LocalNetwork.Target, or(string(o.LocalNetwork.ResourceSpace), "no space"))
		}
		return lnaHint(s, o)
	},
}

// localNetworkRequest reports whether a request from the frontend at
// origin to the target is a local network request
// (fetchspec.IsLocalNetworkRequest: the target is more private), and
// whether that frontend is a secure context, the only kind of page a user
// can grant the permission. The opaque origin and the API's own origin
// are never one: the harness serves them from the target's side.
func (g *generator) localNetworkRequest(origin string) (secure, applies bool) {
	if origin == "null" || origin == g.p.Target || !g.p.DeclaresAddressSpaces() {
		return false, false
	}
	if !fetchspec.IsLocalNetworkRequest(g.p.OriginSpace(origin), g.p.TargetSpace()) {
		return false, false
	}
	return fetchspec.IsPotentiallyTrustworthy(origin), true
}

// grant is the permission every scenario from origin runs with: the one
// the target's space needs when the request is a local network request
// from a secure page ("the user allowed it"), else none.
func (g *generator) grant(origin string) []harness.Permission {
	if secure, applies := g.localNetworkRequest(origin); applies && secure {
		return []harness.Permission{fetchspec.PermissionFor(g.p.TargetSpace())}
	}
	return nil
}

// lnaHint explains a refusal by Local Network Access: the fixes are the
// user's or the fleet's, never a header.
func lnaHint(s Scenario, o *harness.Observation) string {
	switch string(o.CORSError) {
	case fetchspec.LNAPermissionDenied:
		return fmt.Sprintf("Chrome asks every user of %s for the %s permission before it may call this %s API, and refuses it until they allow it; no response header can change that (Access-Control-Allow-Private-Network is obsolete). Fixes: allow the frontend in a managed browser policy (LocalNetworkAccessAllowedForUrls), or serve the API on a public address",
			s.Origin, fetchspec.PermissionFor(fetchspec.AddressSpace(o.LocalNetwork.Target)), o.LocalNetwork.Target)
	case fetchspec.LNAInsecureInitiator:
		return fmt.Sprintf("%s is not a secure context (http on a real host name), so Chrome refuses its requests to the %s API whatever the user allows; serve the frontend over https", s.Origin, or(string(o.LocalNetwork.Target), "more private"))
	}
	return ""
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
