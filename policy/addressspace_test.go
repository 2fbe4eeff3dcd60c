package policy

import (
	"strings"
	"testing"

	"github.com/corsgate/corsgate/fetchspec"
)

func TestAddressSpaces(t *testing.T) {
	in := `target: http://intranet.corp:8080
addressSpace: local
origins:
  - https://portal.example.com
  - {origin: https://intranet-app.corp, addressSpace: local}
  - {origin: "https://*.example-partner.com", addressSpace: public}
`
	p, err := Parse("lna.yaml", []byte(in), testEnv)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if p.TargetSpace() != fetchspec.SpaceLocal || !p.DeclaresAddressSpaces() {
		t.Errorf("TargetSpace = %q, DeclaresAddressSpaces = %v; want local, true", p.TargetSpace(), p.DeclaresAddressSpaces())
	}
	for origin, want := range map[string]fetchspec.AddressSpace{
		"https://portal.example.com":      fetchspec.SpacePublic, // the default
		"https://intranet-app.corp":       fetchspec.SpaceLocal,
		"https://app.example-partner.com": fetchspec.SpacePublic, // public written out is the default
		"https://unlisted.corsgate.test":  fetchspec.SpacePublic,
	} {
		if got := p.OriginSpace(origin); got != want {
			t.Errorf("OriginSpace(%s) = %q; want %q", origin, got, want)
		}
	}
	// Redacted parses back to the same spaces.
	back, err := Parse("redacted.yaml", []byte(p.Redacted()), testEnv)
	if err != nil {
		t.Fatalf("Parse(Redacted()): %v\n%s", err, p.Redacted())
	}
	if back.AddressSpace != "local" || back.OriginSpace("https://intranet-app.corp") != fetchspec.SpaceLocal {
		t.Errorf("Redacted lost the address spaces:\n%s", p.Redacted())
	}
	if !strings.Contains(p.Redacted(), "addressSpace: local") {
		t.Errorf("Redacted does not show the target's address space:\n%s", p.Redacted())
	}

	plain, err := Parse("plain.yaml", []byte("origins: [https://a.example.com]\naddressSpace: public\n"), testEnv)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if plain.DeclaresAddressSpaces() || strings.Contains(plain.Redacted(), "addressSpace") {
		t.Errorf("addressSpace: public is the default and must change nothing; DeclaresAddressSpaces = %v, Redacted:\n%s", plain.DeclaresAddressSpaces(), plain.Redacted())
	}
}

func TestAddressSpaceErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unknown", "origins: [https://a.example.com]\naddressSpace: intranet\n",
			`policy: demo.yaml line 2: addressSpace "intranet" is not one of public, local, loopback (Chrome's name for a private address is "local")`},
		{"Chrome's old name", "origins: [https://a.example.com]\naddressSpace: private\n",
			`policy: demo.yaml line 2: addressSpace "private" is not one of public, local, loopback (Chrome's name for a private address is "local")`},
		{"capitalised", "origins:\n  - {origin: https://a.example.com, addressSpace: Local}\n",
			`policy: demo.yaml line 2: origins[0].addressSpace "Local" is not one of public, local, loopback`},
		{"a list", "origins: [https://a.example.com]\naddressSpace: [local]\n",
			`policy: demo.yaml line 2: addressSpace must be a single value such as local, not a list`},
		{"any origin", "origins:\n  - {origin: \"*\", addressSpace: local}\n",
			`policy: demo.yaml line 2: origins[0]: "*" cannot have an addressSpace (it stands for every site); give exact origins their address space`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("demo.yaml", []byte(tt.in), testEnv)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse(%q):\n got  %v\n want %s", tt.in, err, tt.want)
			}
		})
	}
}
