package conformance

import (
	"fmt"
	"os"
	"strings"

	"github.com/corsgate/corsgate/conformance/runner"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/webconfig"
)

// loadPolicy reads a policy file, or derives the policy from an IIS
// web.config (a .config file, or one that starts with XML).
func loadPolicy(path string, lookup func(string) (string, bool)) (*policy.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return policy.Load(path, lookup) // its error names the file and the fix
	}
	head := strings.TrimLeft(strings.TrimPrefix(string(data[:min(len(data), 64)]), "\ufeff"), " \t\r\n")
	if !strings.HasSuffix(strings.ToLower(path), ".config") && !strings.HasPrefix(head, "<") {
		return policy.Parse(path, data, lookup)
	}
	cfg, err := iis.Parse(path, data)
	if err != nil {
		return nil, err
	}
	p, notes, err := webconfig.DerivePolicy(cfg)
	if err != nil {
		return nil, err
	}
	p.Notes = append(p.Notes, notes...)
	return p, nil
}

// Config is one conformance run. ConfigFromEnv fills the first part from
// the environment: POLICY (a file; default the embedded demo policy), TARGET
// (overrides the policy's target), DEMO (with no POLICY and no TARGET, the
// built-in demo API; DEMO=broken serves it with mistakes), REPORTS (the
// report directory), ISOLATION. Programs and suites set the rest.
type Config struct {
	Policy     *policy.Policy
	PolicyName string
	// Demo is set when the run targets the built-in demo API; Broken when
	// that API has the realistic mistakes (DEMO=broken).
	Demo    bool
	Broken  bool
	Reports string
	// Isolation is how single probes are isolated (ISOLATION:
	// reused-tab, the default, or fresh-context).
	Isolation harness.Isolation

	// Target, when set, is probed instead of the policy's target or the
	// demo API (a fixture server, one side of a diff).
	Target string
	// Scenarios, when set, are run (in this order) instead of
	// Generate(Policy).
	Scenarios []Scenario
	// Select, when set, keeps only the scenarios it returns true for (a
	// ginkgo label filter, a sample).
	Select func(Scenario) bool
	// Env and Pool, when set, are used and left open; otherwise Run starts
	// a browser and closes it at the end.
	Env  *harness.Env
	Pool *harness.Pool
	// Workers is how many scenarios run at once (0: runner.DefaultWorkers);
	// MaxRestarts how many browser deaths the run survives.
	Workers     int
	MaxRestarts int
	// Progress, when set, is called after each scenario with the count done.
	Progress func(done, total int)
	// Observe, when set, is given each scenario's observations as it is
	// judged (make diff keeps them; make bench times them).
	Observe func(Scenario, []*harness.Observation)

	// Set by Prepare (production.go).
	prepared bool
	demo     *Demo
	front    *harness.Front
}

// demoAddress stands for the demo API's address until Prepare starts it:
// the demo is checked through an address like any build.
const demoAddress = "127.0.0.1:1"

// ConfigFromEnv reads and validates the run's configuration. Every error is
// one line naming the input and the fix.
func ConfigFromEnv(lookup func(string) (string, bool)) (*Config, error) {
	getenv := func(k string) string { v, _ := lookup(k); return v }
	c := &Config{Reports: getenv("REPORTS"), Isolation: harness.Isolation(getenv("ISOLATION")), MaxRestarts: runner.DefaultMaxRestarts}
	if c.Reports == "" {
		c.Reports = "reports/check"
	}
	switch c.Isolation {
	case "":
		c.Isolation = harness.ReusedTab
	case harness.ReusedTab, harness.FreshContext:
	default:
		return nil, fmt.Errorf("conformance: ISOLATION=%q is not reused-tab or fresh-context", c.Isolation)
	}
	path, target, address := getenv("POLICY"), getenv("TARGET"), getenv("ADDRESS")
	var err error
	if path == "" {
		c.PolicyName = DemoPolicyName
		c.Policy, err = policy.Parse(DemoPolicyName, DemoPolicy, lookup)
	} else {
		c.PolicyName = path
		c.Policy, err = loadPolicy(path, lookup)
	}
	if err != nil {
		return nil, err
	}
	switch demo := getenv("DEMO"); {
	case path == "" && target == "" && address == "":
		c.Demo, c.Broken = true, demo == "broken"
		if demo != "" && demo != "broken" && demo != "correct" {
			return nil, fmt.Errorf("conformance: DEMO=%q is not a demo; use DEMO=broken, DEMO=correct, or leave it unset", demo)
		}
		c.Policy.Address = demoAddress
	case demo != "":
		return nil, fmt.Errorf("conformance: DEMO=%q is only for the built-in demo; unset it when POLICY, TARGET or ADDRESS is given", demo)
	case path == "" && address != "":
		return nil, fmt.Errorf("conformance: ADDRESS=%q needs a POLICY whose target is the API's production name (e.g. target: https://api.example.com)", address)
	}
	if target != "" {
		if err := c.Policy.SetTarget(target); err != nil {
			return nil, err
		}
		if address == "" {
			c.Policy.Address = "" // TARGET keeps its meaning: that deployment, under its own name
		}
	}
	if address != "" {
		if err := c.Policy.SetAddress("ADDRESS", address); err != nil {
			return nil, err
		}
	}
	if c.Policy.Address != "" && c.Policy.Target == "" {
		return nil, fmt.Errorf("conformance: address %q needs the API's production name: set target: https://api.example.com in %s (or TARGET=)", c.Policy.Address, c.PolicyName)
	}
	if c.Policy.Auth.Login != nil && c.Policy.Address == "" {
		return nil, errNeedsAddress
	}
	// A page is served as each origin by mapping its host and port to a
	// local server; the target's own origin cannot be both.
	for _, o := range c.Policy.Origins {
		if !o.Any && o.Sample() == c.Policy.Target {
			return nil, fmt.Errorf("conformance: origin %q is the target's own origin; its requests are same-origin and need no CORS, remove it from origins", o.Value)
		}
	}
	return c, nil
}
