package harness

import (
	"os"
	"strings"
	"testing"
)

// TestEveryFlagIsDocumented keeps docs/chrome-flags.md honest: each flag the
// harness adds (or removes) has a line with its reason.
func TestEveryFlagIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/chrome-flags.md")
	if err != nil {
		t.Fatalf("reading docs/chrome-flags.md: %v", err)
	}
	all := extraFlags(BrowserConfig{HostRules: []string{"MAP a:443 127.0.0.1:1"}, SPKIHashes: []string{"x"}, AddressSpaces: []string{"127.0.0.1:1=local"}}, true)
	if len(all) < 6 {
		t.Fatalf("extraFlags returned %d flags; want every conditional flag switched on", len(all))
	}
	for _, f := range all {
		if !strings.Contains(string(doc), "`--"+f.name) {
			t.Errorf("flag --%s is not documented in docs/chrome-flags.md; add a row with its reason", f.name)
		}
	}
}

func TestNoFlagWeakensTheSecurityModel(t *testing.T) {
	for _, f := range extraFlags(BrowserConfig{HostRules: []string{"r"}, SPKIHashes: []string{"x"}, AddressSpaces: []string{"127.0.0.1:1=local"}}, true) {
		switch f.name {
		case "disable-web-security", "ignore-certificate-errors", "disable-site-isolation-trials", "disable-features=IsolateOrigins":
			t.Errorf("flag --%s weakens the security model under test", f.name)
		}
	}
}
