package harness

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsgate/corsgate/origins"
)

func TestSpacesRefuseWhatChromeIgnores(t *testing.T) {
	// Chrome drops these overrides silently; the harness names them.
	bad := []struct {
		s    Spaces
		want string
	}{
		{Spaces{Endpoints: map[string]AddressSpace{"127.0.0.1:8080": "intranet"}}, `address space "intranet"`},
		{Spaces{Endpoints: map[string]AddressSpace{"127.0.0.1:8080": "private"}}, `address space "private"`},
		{Spaces{Endpoints: map[string]AddressSpace{"127.0.0.1": "local"}}, `endpoint "127.0.0.1" is not 127.0.0.1:PORT`},
		{Spaces{Endpoints: map[string]AddressSpace{"127.0.0.0/8:80": "local"}}, `is not 127.0.0.1:PORT`},
		{Spaces{Endpoints: map[string]AddressSpace{"127.0.0.1:0": "local"}}, `is not 127.0.0.1:PORT`},
		{Spaces{Endpoints: map[string]AddressSpace{"10.0.0.5:80": "local"}}, `is not 127.0.0.1:PORT`},
		{Spaces{Origins: map[origins.Name]AddressSpace{origins.App: "Public"}}, `of origin "app"`},
	}
	for _, tt := range bad {
		err := tt.s.validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("validate(%v): got %v; want an error containing %q", tt.s, err, tt.want)
		}
	}
	good := Spaces{
		Origins:   map[origins.Name]AddressSpace{origins.App: "public"},
		Endpoints: map[string]AddressSpace{"127.0.0.1:8080": "local", "127.0.0.1:9090": "loopback"},
	}
	if err := good.validate(); err != nil {
		t.Errorf("validate(%v): %v", good, err)
	}
	if got := overrides(good.Endpoints, ""); !slices.Equal(got, []string{"127.0.0.1:8080=local", "127.0.0.1:9090=loopback"}) {
		t.Errorf("overrides: got %q", got)
	}
	// Chrome takes the first match: the catch-all must come last.
	if got := overrides(good.Endpoints, "local"); !slices.Equal(got, []string{"127.0.0.1:8080=local", "127.0.0.1:9090=loopback", "127.0.0.1:0=local"}) {
		t.Errorf("overrides with others: got %q", got)
	}
	if err := (Spaces{Others: "intranet"}).validate(); err == nil || !strings.Contains(err.Error(), "other endpoints") {
		t.Errorf("validate(Others: intranet): got %v; want it refused", err)
	}
	if !(Spaces{}).IsZero() || good.IsZero() {
		t.Error("IsZero: wrong answer")
	}
}

func TestTargetSpaceFollowsLoopbackNames(t *testing.T) {
	e := &Env{cfg: Config{Spaces: Spaces{Endpoints: map[string]AddressSpace{"127.0.0.1:8080": "local", "127.0.0.1:80": "loopback"}}}}
	for url, want := range map[string]AddressSpace{
		"http://api.localhost:8080/x": "local",
		"http://127.0.0.1:8080/x":     "local",
		"http://localhost:8080":       "local",
		"http://intranet.localhost/x": "loopback", // port 80
		"http://api.localhost:9999/x": "",
		"https://api.example.com/x":   "", // not on loopback: Chrome's own
		"::":                          "",
	} {
		if got := e.TargetSpace(url); got != want {
			t.Errorf("TargetSpace(%q) = %q; want %q", url, got, want)
		}
	}
	e.cfg.Spaces.Others = "public"
	if got := e.TargetSpace("http://api.localhost:9999/x"); got != "public" {
		t.Errorf("TargetSpace of an unlisted endpoint with Others = %q; want public", got)
	}
	if got := e.TargetSpace("https://api.example.com/x"); got != "" {
		t.Errorf("TargetSpace of a host off loopback = %q; want none", got)
	}
}

func TestProbeGrantsOnlyLocalNetworkPermissions(t *testing.T) {
	p := Probe{URL: "http://api.localhost:1/x", Grant: []Permission{"local-network", "loopback-network"}}
	if _, err := p.withDefaults(time.Second); err != nil {
		t.Errorf("withDefaults(%s): %v", p, err)
	}
	if !strings.Contains(p.String(), "local-network granted") {
		t.Errorf("String() = %q; want the grant named", p.String())
	}
	p.Grant = []Permission{"geolocation"}
	_, err := p.withDefaults(time.Second)
	if err == nil || !strings.Contains(err.Error(), `grants "geolocation"`) {
		t.Errorf("withDefaults with a geolocation grant: got %v; want it refused by name", err)
	}
}

func TestLocalNetworkString(t *testing.T) {
	l := LocalNetwork{Page: "public", Target: "local", Granted: []Permission{"local-network"}, InitiatorSpace: "Public", RequestPolicy: "PermissionBlock", ResourceSpace: "Local"}
	want := "page public -> target local, granted local-network; Chrome: initiator Public, policy PermissionBlock, resource Local"
	if got := l.String(); got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	if !(LocalNetwork{}).IsZero() || l.IsZero() {
		t.Error("IsZero: wrong answer")
	}
}
