package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

const intranetPolicy = `target: http://intranet-api.localhost:8080
addressSpace: local
endpoints:
  - path: /api/orders
    methods: [GET, PUT]
origins:
  - https://portal.example.com
  - http://insecure-portal.example.com
  - {origin: https://intranet-app.corp, addressSpace: local}
credentials: true
headers: [Content-Type]
`

func TestLocalNetworkScenarios(t *testing.T) {
	ss := Generate(parsePolicy(t, "intranet.yaml", intranetPolicy))
	byName := map[string]Scenario{}
	for _, s := range ss {
		byName[s.Name] = s
	}

	// A public, secure frontend: the usual scenarios, with the user's
	// permission, must still pass CORS and reach a Local target.
	granted, ok := byName["allowed/https://portal.example.com/PUT /api/orders +cred +local-network"]
	if !ok {
		t.Fatalf("no granted PUT scenario from the portal; got %v", names(ss))
	}
	if !slices.Equal(granted.Probe.Grant, []harness.Permission{fetchspec.PermissionLocalNetwork}) {
		t.Errorf("granted scenario's Grant = %v; want [local-network]", granted.Probe.Grant)
	}
	if w := granted.Want(); w.Outcome != judge.Readable || w.ResourceSpace != network.IPAddressSpaceLocal {
		t.Errorf("granted scenario wants %s; want readable with the target in Local", w)
	}
	// ... and once without it, refused by Chrome.
	denied, ok := byName["local-network/https://portal.example.com/GET /api/orders without local-network"]
	if !ok {
		t.Fatalf("no scenario without the permission from the portal; got %v", names(ss))
	}
	if denied.Probe.Grant != nil || denied.Want().CORSError != network.CorsErrorLocalNetworkAccessPermissionDenied {
		t.Errorf("denied scenario: Grant %v, wants %s; want no grant and LocalNetworkAccessPermissionDenied", denied.Probe.Grant, denied.Want())
	}

	// An http frontend can never be granted: its scenarios run without the
	// permission (and fail), and its own scenario expects InsecureLocalNetwork.
	insecure, ok := byName["local-network/http://insecure-portal.example.com/GET /api/orders from an insecure page"]
	if !ok || insecure.Want().CORSError != network.CorsErrorInsecureLocalNetwork {
		t.Errorf("insecure frontend: scenario %v wants %s; want InsecureLocalNetwork", ok, insecure.Want())
	}
	for _, s := range ss {
		switch {
		case s.Origin == "http://insecure-portal.example.com" && s.Probe.Grant != nil:
			t.Errorf("%s grants %v to an insecure page; Chrome refuses to", s.Name, s.Probe.Grant)
		case s.Origin == "https://intranet-app.corp" && (s.Probe.Grant != nil || s.Kind == LocalNetwork):
			t.Errorf("%s: a local frontend calling a local API is no local network request; want no grant and no LNA scenario", s.Name)
		case s.Kind == RefusedOrigin && s.Probe.Grant != nil && strings.HasPrefix(s.Origin, "http://"):
			t.Errorf("%s grants an insecure lookalike", s.Name)
		}
	}
}

// With no addressSpace (every space public), nothing changes: no grant,
// no LNA scenario, no ResourceSpace, no spaces in the browser.
func TestLocalNetworkDefaultChangesNothing(t *testing.T) {
	p := demoPolicy(t)
	for _, s := range Generate(p) {
		if s.Probe.Grant != nil || s.Kind == LocalNetwork || slices.Contains(s.Labels, "local-network") || strings.Contains(s.Name, "local-network") {
			t.Errorf("%s: got a Local Network Access part in a policy without address spaces", s.Name)
		}
		for _, w := range s.Wants() {
			if w.ResourceSpace != "" {
				t.Errorf("%s wants ResourceSpace %s", s.Name, w.ResourceSpace)
			}
		}
	}
	cfg := &Config{Policy: p}
	if sp := cfg.spaces([]string{"https://app.example.com"}); !sp.IsZero() {
		t.Errorf("spaces of the demo policy = %+v; want none", sp)
	}
}

func TestLocalNetworkSpacesInTheBrowser(t *testing.T) {
	cfg := &Config{Policy: parsePolicy(t, "intranet.yaml", intranetPolicy)}
	sp := cfg.spaces([]string{"https://portal.example.com", "https://intranet-app.corp", "https://portal.example.com.attacker.test"})
	if got := sp.Endpoints["127.0.0.1:8080"]; got != fetchspec.SpaceLocal {
		t.Errorf("target endpoint space = %q; want local (spaces %+v)", got, sp)
	}
	for o, want := range map[string]fetchspec.AddressSpace{
		"https://portal.example.com":               fetchspec.SpacePublic,
		"https://intranet-app.corp":                fetchspec.SpaceLocal,
		"https://portal.example.com.attacker.test": fetchspec.SpacePublic, // a lookalike is somebody else's public site
	} {
		if got := sp.Origins[PageName(o)]; got != want {
			t.Errorf("page %s space = %q; want %q", o, got, want)
		}
	}
}

func names(ss []Scenario) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}
