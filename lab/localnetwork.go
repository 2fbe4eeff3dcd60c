package lab

import (
	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/origins"
)

// HarnessConfig is the browser the lab runs in. Its configurations are
// served on an intranet (Chrome's "local" address space, every loopback
// endpoint but the two portals'), with the frontends that sit on it (App,
// Admin, the intranet page), so Chrome's Local Network Access checks
// nothing for them, as on one network. The two portals are on public
// addresses: for them Chrome asks the user before they may call the API.
func HarnessConfig() harness.Config {
	return harness.Config{
		Impersonate: Origins,
		Spaces: harness.Spaces{
			Origins: map[origins.Name]harness.AddressSpace{
				origins.Name(Portal): fetchspec.SpacePublic, origins.Name(LegacyPortal): fetchspec.SpacePublic,
			},
			Others: fetchspec.SpaceLocal,
		},
	}
}

const (
	lnaRule = "Local Network Access: a page on a public address needs the user's local-network permission to reach a private one (https://wicg.github.io/local-network-access/#local-network-request)"
	lnaHTTP = "Local Network Access: only a secure context may request a more private address; an http page on a public host never can (https://wicg.github.io/local-network-access/#secure-context-restriction)"
	lnaSame = "Local Network Access: a request to the same or a more public address space is not checked (https://wicg.github.io/local-network-access/#local-network-request)"
)

// granted is p with the user's local-network permission.
func granted(p harness.Probe) harness.Probe {
	p.Grant = []harness.Permission{fetchspec.PermissionLocalNetwork}
	return p
}

var (
	deniedLNA  = judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorLocalNetworkAccessPermissionDenied}
	insecureLN = judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorInsecureLocalNetwork}
	readLocal  = judge.Want{Outcome: judge.Readable, Status: 200, ResourceSpace: network.IPAddressSpaceLocal}
)

// intranetEntries are the intranet configurations: correct CORS, and what
// Chrome still decides for pages on other networks.
var intranetEntries = []Entry{
	{
		Config:  "intranet-cors-module.config",
		Mistake: "(correct CORS) an intranet API called from a public portal: Chrome asks every user first, and refuses an http portal outright (Local Network Access)",
		Fix:     "No response header can allow it: users allow the portal when Chrome asks, a managed fleet allows it by policy (LocalNetworkAccessAllowedForUrls), or the API is served on a public address; the portal must be https",
		Checks: []Check{
			{Name: "public portal, user not asked: refused before the request is sent", Probe: getFrom(Portal), Want: deniedLNA, Why: lnaRule},
			{Name: "public portal, user allowed local-network: readable", Probe: granted(credentialedGetFrom(Portal)), Want: readLocal, Why: lnaRule + "; then " + corsCheck},
			{Name: "public portal, user allowed it: the preflighted POST passes too", Probe: granted(jsonPostFrom(Portal)), Want: readLocal, Why: lnaRule + "; then " + preflight},
			{Name: "http portal: refused whatever the user does", Probe: getFrom(LegacyPortal), Want: insecureLN, Why: lnaHTTP},
			{Name: "http page on the intranet: nothing to ask", Probe: credentialedGetFrom(IntranetPage), Want: judge.Want{Outcome: judge.Readable, Status: 200, ResourceSpace: network.IPAddressSpaceLocal}, Why: lnaSame + "; then " + corsCheck},
		},
	},
	{
		Config:  "intranet-private-network-header.config",
		Mistake: `customHeaders add "Access-Control-Allow-Private-Network: true" for Chrome's retired Private Network Access: it changes nothing`,
		Fix:     "Remove the header; as for intranet-cors-module.config, only the user's permission, a browser policy or a public address lets a public page in",
		Checks: []Check{
			{Name: "public portal, user not asked: still refused", Probe: getFrom(Portal), Want: deniedLNA, Why: lnaRule + "; Chrome no longer reads Access-Control-Allow-Private-Network"},
			{Name: "public portal, user allowed it: readable, header or not", Probe: granted(getFrom(Portal)),
				Want: judge.Want{Outcome: judge.Readable, Status: 200, ResourceSpace: network.IPAddressSpaceLocal, OnTheWire: []string{fetchspec.ObsoleteAllowPrivateNetwork}}, Why: lnaRule},
		},
	},
}
