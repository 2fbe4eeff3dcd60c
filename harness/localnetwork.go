package harness

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/origins"
)

// AddressSpace is where Chrome's Local Network Access believes an address
// lives (https://wicg.github.io/local-network-access/#ip-address-space).
// Every harness server is on 127.0.0.1, which Chrome puts in the loopback
// space; Spaces assigns another one per listener with
// --ip-address-space-overrides, so a page can be "public" and its target
// "local", as for a public portal calling an intranet API.
type AddressSpace = fetchspec.AddressSpace

// Permission is a Local Network Access permission the user grants a page
// origin; Chrome asks for it before a public page reaches a more private
// address (fetchspec.PermissionFor names the one a target needs).
type Permission = fetchspec.Permission

// Spaces assigns Local Network Access address spaces. Without it (the zero
// value) Chrome puts every harness server in the loopback space and never
// checks.
type Spaces struct {
	// Origins maps the name of an origin the harness serves (a built-in or
	// impersonated page origin) to its space. Each such origin is served
	// from a listener of its own, since Chrome assigns spaces per IP and
	// port.
	Origins map[origins.Name]AddressSpace
	// Endpoints maps a loopback endpoint the caller serves (a target API),
	// "127.0.0.1:PORT", to its space.
	Endpoints map[string]AddressSpace
	// Others, when set, is the space of every other 127.0.0.1 endpoint:
	// the harness's shared page listeners and servers started after the
	// browser (a lab's configurations). Chrome takes the first entry of
	// the switch that matches, so it is rendered last, as port 0.
	Others AddressSpace
}

// IsZero reports whether no space is assigned.
func (s Spaces) IsZero() bool { return len(s.Origins) == 0 && len(s.Endpoints) == 0 && s.Others == "" }

// validate checks every value and endpoint: Chrome silently ignores an
// unknown space, a missing port or a CIDR, so the harness refuses them.
func (s Spaces) validate() error {
	for name, sp := range s.Origins {
		if !fetchspec.IsAddressSpace(sp) {
			return fmt.Errorf("%w: address space %q of origin %q is not one of %s", ErrProbe, sp, name, fetchspec.AddressSpaceNames())
		}
	}
	if s.Others != "" && !fetchspec.IsAddressSpace(s.Others) {
		return fmt.Errorf("%w: address space %q of the other endpoints is not one of %s", ErrProbe, s.Others, fetchspec.AddressSpaceNames())
	}
	for ep, sp := range s.Endpoints {
		if !fetchspec.IsAddressSpace(sp) {
			return fmt.Errorf("%w: address space %q of endpoint %q is not one of %s", ErrProbe, sp, ep, fetchspec.AddressSpaceNames())
		}
		host, port, err := net.SplitHostPort(ep)
		n, perr := strconv.Atoi(port)
		if err != nil || host != "127.0.0.1" || perr != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("%w: endpoint %q is not 127.0.0.1:PORT; give the loopback address and port the target listens on (e.g. 127.0.0.1:8080)", ErrProbe, ep)
		}
	}
	return nil
}

// overrides renders endpoint spaces as --ip-address-space-overrides
// entries, sorted so the flag is stable ("127.0.0.1:PORT=local"), then
// others as "127.0.0.1:0=SPACE": Chrome takes the first entry that
// matches an endpoint, and port 0 matches every port (seen in Chromium
// 156: "127.0.0.1:0=local,127.0.0.1:P=public" leaves P local).
func overrides(eps map[string]AddressSpace, others AddressSpace) []string {
	var out []string
	for ep, sp := range eps {
		out = append(out, ep+"="+string(sp))
	}
	sort.Strings(out)
	if others != "" {
		out = append(out, "127.0.0.1:0="+string(others))
	}
	return out
}

// LocalNetwork is a probe's Local Network Access evidence: the spaces the
// harness assigned, the permissions the page held, and what Chrome said.
type LocalNetwork struct {
	// Page and Target are the spaces the harness assigned ("" when none:
	// Chrome's own, loopback for 127.0.0.1).
	Page   AddressSpace `json:"page,omitempty"`
	Target AddressSpace `json:"target,omitempty"`
	// Granted are the permissions the page origin held for the probe.
	Granted []Permission `json:"granted,omitempty"`
	// InitiatorSpace and RequestPolicy are Chrome's clientSecurityState
	// for the first request of the probe (requestWillBeSentExtraInfo):
	// e.g. Public and PermissionBlock.
	InitiatorSpace network.IPAddressSpace                  `json:"initiatorSpace,omitempty"`
	RequestPolicy  network.LocalNetworkAccessRequestPolicy `json:"requestPolicy,omitempty"`
	// ResourceSpace is where Chrome found the target once connected
	// (responseReceivedExtraInfo.resourceIPAddressSpace): e.g. Local.
	ResourceSpace network.IPAddressSpace `json:"resourceSpace,omitempty"`
}

// IsZero reports whether there is no evidence at all.
func (l LocalNetwork) IsZero() bool {
	return l.Page == "" && l.Target == "" && len(l.Granted) == 0 && l.InitiatorSpace == "" && l.RequestPolicy == "" && l.ResourceSpace == ""
}

// String is one line: "page public -> target local, granted local-network;
// Chrome: initiator Public, policy PermissionBlock, resource Local".
func (l LocalNetwork) String() string {
	s := fmt.Sprintf("page %s -> target %s", or(string(l.Page), "(chrome's own)"), or(string(l.Target), "(chrome's own)"))
	if len(l.Granted) > 0 {
		var gs []string
		for _, g := range l.Granted {
			gs = append(gs, string(g))
		}
		s += ", granted " + strings.Join(gs, ", ")
	}
	var chrome []string
	if l.InitiatorSpace != "" {
		chrome = append(chrome, "initiator "+string(l.InitiatorSpace))
	}
	if l.RequestPolicy != "" {
		chrome = append(chrome, "policy "+string(l.RequestPolicy))
	}
	if l.ResourceSpace != "" {
		chrome = append(chrome, "resource "+string(l.ResourceSpace))
	}
	if len(chrome) > 0 {
		s += "; Chrome: " + strings.Join(chrome, ", ")
	}
	return s
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// PageSpace is the space assigned to the named page origin: its own
// (Spaces.Origins), or for an origin added with AddOrigin its endpoint's;
// "" when none.
func (e *Env) PageSpace(name origins.Name) AddressSpace {
	if sp, ok := e.cfg.Spaces.Origins[name]; ok {
		return sp
	}
	o, err := e.Origin(name)
	switch {
	case err != nil:
		return ""
	case !o.Impersonated:
		return e.TargetSpace(o.Base())
	}
	return e.cfg.Spaces.Others // served on a shared loopback listener
}

// TargetSpace is the space assigned to the endpoint a URL reaches: an
// origin the harness serves under a real name (impersonated) has its own;
// otherwise the host must be 127.0.0.1, localhost or *.localhost (all
// resolve to 127.0.0.1). "" when none: Chrome's own.
func (e *Env) TargetSpace(rawURL string) AddressSpace {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	for _, o := range e.Origins() {
		if o.Impersonated && o.Base() == u.Scheme+"://"+u.Host {
			return e.PageSpace(o.Name)
		}
	}
	host := u.Hostname()
	if host != "127.0.0.1" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if sp, ok := e.cfg.Spaces.Endpoints["127.0.0.1:"+port]; ok {
		return sp
	}
	if sp, ok := e.ownSpace[port]; ok {
		return sp
	}
	return e.cfg.Spaces.Others
}

// grant gives the session's page origin exactly the permissions want, in
// the session's own browser context (Browser.setPermission), and nothing
// else: a reused lane keeps no permission of an earlier probe. It sends
// no command when the set is unchanged, so runs without permissions send
// none.
func (s *Session) grant(ctx context.Context, want []Permission) error {
	want = slices.Clone(want)
	slices.Sort(want)
	want = slices.Compact(want)
	if slices.Equal(want, s.granted) && (len(want) == 0 || s.grantedTo == s.page.Base()) {
		return nil
	}
	c := chromedp.FromContext(s.ctx)
	if c == nil || c.Target == nil {
		return fmt.Errorf("%w: granting %v: the session has no tab", ErrBrowser, want)
	}
	id := c.BrowserContextID
	runCtx, cancel := bounded(s.browser, ctx, s.env.cfg.ProbeTimeout)
	defer cancel()
	if _, err := chromedp.CallBrowser(runCtx, browser.ResetPermissions, browser.ResetPermissionsParams{BrowserContextID: id}); err != nil {
		return lost(s.browser, fmt.Errorf("%w: resetting permissions: %v", ErrBrowser, err), "resetting permissions")
	}
	s.granted = nil
	for _, p := range want {
		params := browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: string(p)},
			Setting:          browser.PermissionSettingGranted,
			Origin:           s.page.Base(),
			BrowserContextID: id,
		}
		if _, err := chromedp.CallBrowser(runCtx, browser.SetPermission, params); err != nil {
			if s.browser.Err() == nil && strings.Contains(err.Error(), "can't be granted") {
				return fmt.Errorf("%w: %s cannot be granted to %s: it is not a secure context, so Chrome refuses its requests to a more private address with %s whatever the user does; probe it without the permission, or use an https page", ErrProbe, p, s.page.Base(), fetchspec.LNAInsecureInitiator)
			}
			return lost(s.browser, fmt.Errorf("%w: granting %s to %s: %v", ErrBrowser, p, s.page.Base(), err), "granting a permission")
		}
	}
	s.granted, s.grantedTo = want, s.page.Base()
	return nil
}
