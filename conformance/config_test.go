package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/harness"
)

// fakeEnv is a getenv over a fixed set of variables.
func fakeEnv(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// writePolicy writes a policy file in a temporary directory.
func writePolicy(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigFromEnv(t *testing.T) {
	file := writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\n")
	tests := []struct {
		name                string
		env                 []string
		wantDemo, wantBroke bool
		wantName            string
		wantTarget          string
		wantIsolation       harness.Isolation
		wantReports         string
	}{
		{name: "defaults", wantDemo: true, wantName: DemoPolicyName, wantTarget: "https://api.example.com", wantIsolation: harness.ReusedTab, wantReports: "reports/check"},
		{name: "DEMO=broken", env: []string{"DEMO", "broken"}, wantDemo: true, wantBroke: true, wantName: DemoPolicyName, wantTarget: "https://api.example.com", wantIsolation: harness.ReusedTab, wantReports: "reports/check"},
		{name: "DEMO=correct", env: []string{"DEMO", "correct"}, wantDemo: true, wantName: DemoPolicyName, wantTarget: "https://api.example.com", wantIsolation: harness.ReusedTab, wantReports: "reports/check"},
		{name: "REPORTS and ISOLATION", env: []string{"REPORTS", "out/x", "ISOLATION", "fresh-context"}, wantDemo: true, wantName: DemoPolicyName, wantTarget: "https://api.example.com", wantIsolation: harness.FreshContext, wantReports: "out/x"},
		{name: "TARGET overrides the demo policy", env: []string{"TARGET", "https://API.example.org:443/"}, wantName: DemoPolicyName, wantTarget: "https://api.example.org", wantIsolation: harness.ReusedTab, wantReports: "reports/check"},
		{name: "POLICY", env: []string{"POLICY", file}, wantName: file, wantTarget: "https://api.example.com", wantIsolation: harness.ReusedTab, wantReports: "reports/check"},
		{name: "POLICY and TARGET", env: []string{"POLICY", file, "TARGET", "http://localhost:8080"}, wantName: file, wantTarget: "http://localhost:8080", wantIsolation: harness.ReusedTab, wantReports: "reports/check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv(fakeEnv(tt.env...))
			if err != nil {
				t.Fatalf("ConfigFromEnv(%v): got error %v; want none", tt.env, err)
			}
			if c.Demo != tt.wantDemo || c.Broken != tt.wantBroke {
				t.Errorf("ConfigFromEnv(%v): got Demo %v Broken %v; want %v %v", tt.env, c.Demo, c.Broken, tt.wantDemo, tt.wantBroke)
			}
			if c.PolicyName != tt.wantName || c.Policy == nil || c.Policy.Source != tt.wantName {
				t.Errorf("ConfigFromEnv(%v): got PolicyName %q; want %q", tt.env, c.PolicyName, tt.wantName)
			}
			if c.Policy != nil && c.Policy.Target != tt.wantTarget {
				t.Errorf("ConfigFromEnv(%v): got target %q; want %q", tt.env, c.Policy.Target, tt.wantTarget)
			}
			if c.Isolation != tt.wantIsolation {
				t.Errorf("ConfigFromEnv(%v): got Isolation %q; want %q", tt.env, c.Isolation, tt.wantIsolation)
			}
			if c.Reports != tt.wantReports {
				t.Errorf("ConfigFromEnv(%v): got Reports %q; want %q", tt.env, c.Reports, tt.wantReports)
			}
		})
	}
}

func TestConfigFromEnvErrors(t *testing.T) {
	file := writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\n")
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	// Hostile policies: absurd counts, a huge file, an alias bomb, binary.
	var tenThousand []string
	for i := range 10000 {
		tenThousand = append(tenThousand, fmt.Sprintf("https://o%d.example.com", i))
	}
	absurd := writePolicy(t, "target: https://api.example.com\norigins: ["+strings.Join(tenThousand, ", ")+"]\n")
	huge := writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\n#"+strings.Repeat("x", 2<<20)+"\n")
	bomb := writePolicy(t, "target: https://api.example.com\nexpose: &a [x,x,x,x,x,x,x,x,x]\nheaders: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nmethods: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\norigins: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n")
	binary := writePolicy(t, "\x00\x01\x02\xff\xfe")
	tests := []struct {
		name   string
		env    []string
		prefix string   // the error starts with it
		has    []string // and mentions these
	}{
		{"DEMO=bogus", []string{"DEMO", "bogus"}, "conformance: ", []string{`DEMO="bogus"`, "DEMO=broken"}},
		{"DEMO with POLICY", []string{"DEMO", "broken", "POLICY", file}, "conformance: ", []string{`DEMO="broken"`, "only for the built-in demo"}},
		{"DEMO with TARGET", []string{"DEMO", "broken", "TARGET", "https://api.example.com"}, "conformance: ", []string{"only for the built-in demo"}},
		{"ISOLATION=bogus", []string{"ISOLATION", "bogus"}, "conformance: ", []string{`ISOLATION="bogus"`, "reused-tab", "fresh-context"}},
		{"ISOLATION=none", []string{"ISOLATION", "none"}, "conformance: ", []string{`ISOLATION="none"`}},
		{"POLICY missing", []string{"POLICY", missing}, "policy: ", []string{missing, "cannot read the file"}},
		{"TARGET invalid", []string{"TARGET", "api.example.com"}, "policy: target (from TARGET)", []string{"https://api.example.com"}},
		{"10,000 origins", []string{"POLICY", absurd}, "policy: ", []string{absurd, "origins has 10000 entries; the limit is 100"}},
		{"2 MiB policy", []string{"POLICY", huge}, "policy: ", []string{huge, "larger than 1 MiB"}},
		{"alias bomb", []string{"POLICY", bomb}, "policy: ", []string{bomb}},
		{"binary policy", []string{"POLICY", binary}, "policy: ", []string{binary}},
		{"TARGET with a path", []string{"TARGET", "https://api.example.com/v1"}, "policy: target (from TARGET)", []string{"endpoints"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv(fakeEnv(tt.env...))
			if err == nil {
				t.Fatalf("ConfigFromEnv(%v): got config %+v; want an error", tt.env, c)
			}
			msg := err.Error()
			if c != nil {
				t.Errorf("ConfigFromEnv(%v): got a config with the error; want nil", tt.env)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("ConfigFromEnv(%v): got a multi-line error %q; want one line", tt.env, msg)
			}
			if !strings.HasPrefix(msg, tt.prefix) {
				t.Errorf("ConfigFromEnv(%v): got error %q; want it to start with %q", tt.env, msg, tt.prefix)
			}
			for _, h := range tt.has {
				if !strings.Contains(msg, h) {
					t.Errorf("ConfigFromEnv(%v): got error %q; want it to mention %q", tt.env, msg, h)
				}
			}
		})
	}
}

// ConfigFromEnv takes its environment as getenv, so ${VAR} in a policy's
// auth values must come from getenv too, not from the process environment.
func TestConfigFromEnvExpandsAuthFromGetenv(t *testing.T) {
	const name = "CORSGATE_CONFORMANCE_TEST_SESSION"
	if _, ok := os.LookupEnv(name); ok {
		t.Skipf("%s is set in the process environment", name)
	}
	file := writePolicy(t, "target: https://api.example.com\norigins: [https://app.example.com]\ncredentials: true\nauth:\n  cookies: [{name: session, value: \"${"+name+"}\"}]\n")
	c, err := ConfigFromEnv(fakeEnv("POLICY", file, name, "s3cr3t"))
	if err != nil {
		t.Errorf("demo.go ConfigFromEnv expands ${VAR} with os.LookupEnv instead of the getenv it is given: ConfigFromEnv(POLICY with ${%s}, %s=s3cr3t): got error %v; want none", name, name, err)
	}
	if got := c.Policy.Auth.Cookies; len(got) != 1 || got[0].Value != "s3cr3t" {
		t.Errorf("ConfigFromEnv(POLICY with ${%s}, %s=s3cr3t): got cookies %+v; want session=s3cr3t", name, name, got)
	}
}

func TestConfigFromEnvRejectsTheTargetsOwnOrigin(t *testing.T) {
	path := writePolicy(t, "target: https://api.example.com\norigins: [https://api.example.com, https://app.example.com]\n")
	_, err := ConfigFromEnv(fakeEnv("POLICY", path))
	if err == nil || !strings.Contains(err.Error(), "target's own origin") {
		t.Fatalf("ConfigFromEnv(origin == target) error = %v; want it refused as the target's own origin", err)
	}
}
