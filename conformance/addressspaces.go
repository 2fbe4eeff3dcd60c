package conformance

import (
	"net/url"
	"strings"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/origins"
)

// spaces are the address spaces the browser assigns for the run
// (harness.Spaces, Chrome's --ip-address-space-overrides): none unless the
// policy declares a space other than public, so a policy without one runs
// exactly as before. Then every impersonated page origin gets its
// frontend's space, and the target its own: on its front (an address), or
// on its loopback port. A target elsewhere keeps the space of its real
// address, and the scenarios' ResourceSpace says if that differs.
func (cfg *Config) spaces(impersonated []string) harness.Spaces {
	p := cfg.Policy
	if !p.DeclaresAddressSpaces() {
		return harness.Spaces{}
	}
	sp := harness.Spaces{Origins: map[origins.Name]harness.AddressSpace{}, Endpoints: map[string]harness.AddressSpace{}}
	for _, o := range impersonated {
		sp.Origins[origins.Name(o)] = p.OriginSpace(o)
	}
	target := cfg.Target
	if target == "" {
		target = p.Target
	}
	switch {
	case cfg.front != nil:
		sp.Origins[origins.Name(cfg.front.Origin)] = p.TargetSpace()
	default:
		if ep, ok := loopbackEndpoint(target); ok {
			sp.Endpoints[ep] = p.TargetSpace()
		}
	}
	return sp
}

// loopbackEndpoint is "127.0.0.1:PORT" for a target on 127.0.0.1,
// localhost or *.localhost.
func loopbackEndpoint(target string) (string, bool) {
	u, err := url.Parse(target)
	if err != nil {
		return "", false
	}
	host := u.Hostname()
	if host != "127.0.0.1" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return "", false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return "127.0.0.1:" + port, true
}

// resourceSpace is the space Chrome reports (resourceIPAddressSpace) for
// a target in space s.
func resourceSpace(s fetchspec.AddressSpace) network.IPAddressSpace {
	switch s {
	case fetchspec.SpaceLocal:
		return network.IPAddressSpaceLocal
	case fetchspec.SpaceLoopback:
		return network.IPAddressSpaceLoopback
	}
	return network.IPAddressSpacePublic
}
