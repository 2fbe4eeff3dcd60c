package fetchspec

import (
	"testing"

	"github.com/chromedp/cdproto/network"
)

func TestIsLocalNetworkRequest(t *testing.T) {
	tests := []struct {
		page, target AddressSpace
		want         bool
	}{
		{SpacePublic, SpaceLocal, true},
		{SpacePublic, SpaceLoopback, true},
		{SpaceLocal, SpaceLoopback, true},
		{SpacePublic, SpacePublic, false},
		{SpaceLocal, SpaceLocal, false},
		{SpaceLoopback, SpaceLoopback, false}, // every harness server by default
		{SpaceLoopback, SpaceLocal, false},
		{SpaceLocal, SpacePublic, false},
	}
	for _, tt := range tests {
		if got := IsLocalNetworkRequest(tt.page, tt.target); got != tt.want {
			t.Errorf("IsLocalNetworkRequest(%s, %s): got %v; want %v", tt.page, tt.target, got, tt.want)
		}
	}
}

func TestAddressSpacesAndPermissions(t *testing.T) {
	for _, s := range []AddressSpace{SpacePublic, SpaceLocal, SpaceLoopback} {
		if !IsAddressSpace(s) {
			t.Errorf("IsAddressSpace(%q) = false", s)
		}
	}
	// Chrome ignores these silently in --ip-address-space-overrides.
	for _, s := range []AddressSpace{"", "Public", "intranet", "10.0.0.0/8"} {
		if IsAddressSpace(s) {
			t.Errorf("IsAddressSpace(%q) = true", s)
		}
	}
	if got := PermissionFor(SpaceLocal); got != PermissionLocalNetwork {
		t.Errorf("PermissionFor(local) = %q", got)
	}
	if got := PermissionFor(SpaceLoopback); got != PermissionLoopbackNetwork {
		t.Errorf("PermissionFor(loopback) = %q", got)
	}
	if got := PermissionFor(SpacePublic); got != "" {
		t.Errorf("PermissionFor(public) = %q; want none", got)
	}
}

func TestLocalNetworkAccessErrors(t *testing.T) {
	// The constants are DevTools' names: a rename in the protocol fails here.
	for _, e := range []network.CorsError{
		network.CorsErrorLocalNetworkAccessPermissionDenied,
		network.CorsErrorInsecureLocalNetwork,
		network.CorsErrorInvalidLocalNetworkAccess,
	} {
		if !IsLocalNetworkAccessError(e) {
			t.Errorf("IsLocalNetworkAccessError(%q) = false", e)
		}
	}
	for _, e := range []network.CorsError{network.CorsErrorAllowOriginMismatch, "InsecurePrivateNetwork", ""} {
		if IsLocalNetworkAccessError(e) {
			t.Errorf("IsLocalNetworkAccessError(%q) = true", e)
		}
	}
	if !IsObsoletePrivateNetworkHeader("access-control-allow-private-network") || IsObsoletePrivateNetworkHeader("Access-Control-Allow-Origin") {
		t.Error("IsObsoletePrivateNetworkHeader: wrong answer for the allow header or for Access-Control-Allow-Origin")
	}
}

func TestIsPotentiallyTrustworthy(t *testing.T) {
	for origin, want := range map[string]bool{
		"https://app.example.com":      true,
		"http://app.example.com":       false, // InsecureLocalNetwork
		"http://app.localhost:8080":    true,
		"http://localhost":             true,
		"http://127.0.0.1:3000":        true,
		"http://[::1]:3000":            true,
		"http://10.0.0.5":              false,
		"null":                         false,
		"http://localhost.example.com": false,
		"http://127.example.com":       false,
	} {
		if got := IsPotentiallyTrustworthy(origin); got != want {
			t.Errorf("IsPotentiallyTrustworthy(%q) = %v; want %v", origin, got, want)
		}
	}
}
