// Package archtest enforces the import arrows between corsgate's packages:
// harness stays framework-free, origins and fixtures know nothing of the
// harness, fetchspec imports nothing of the module, and nothing imports the
// suites except their shared bootstrap, suites/kit, which only suites import.
package archtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/corsgate/corsgate"

// suiteKit is the suites' shared bootstrap, the one suites package others
// import.
const suiteKit = module + "/suites/kit"

// pkg is the part of `go list -json` the rules read.
type pkg struct {
	ImportPath   string
	Deps         []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// rule forbids packages under From to depend (transitively) on anything
// with one of the Forbidden prefixes.
type rule struct {
	From      []string
	Forbidden []string
	Why       string
}

var rules = []rule{
	{
		From:      []string{module + "/harness"},
		Forbidden: []string{module + "/suites", "github.com/onsi/ginkgo", "github.com/onsi/gomega"},
		Why:       "harness must stay framework-free",
	},
	{
		From:      []string{module + "/origins", module + "/fixtures", module + "/tlsca"},
		Forbidden: []string{module + "/harness", module + "/suites", module + "/match", "github.com/chromedp", "github.com/onsi/ginkgo", "github.com/onsi/gomega"},
		Why:       "origins and fixtures are plain servers, testable without a browser",
	},
	{
		From:      []string{module + "/fetchspec"},
		Forbidden: []string{module, "github.com/chromedp", "github.com/onsi/ginkgo", "github.com/onsi/gomega"},
		Why:       "fetchspec holds facts only, on the standard library, so every layer (fixtures too) can import it",
	},
}

func under(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// violations returns one line per forbidden edge.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !under(p.ImportPath, r.From) {
				continue
			}
			for _, d := range p.Deps {
				if under(d, r.Forbidden) {
					out = append(out, fmt.Sprintf("%s depends on %s; forbidden (%s)", p.ImportPath, d, r.Why))
				}
			}
		}
		// Nothing imports the suites, not even another suite; the suites
		// (and only they) import their shared bootstrap, suites/kit.
		for _, list := range [][]string{p.Imports, p.TestImports, p.XTestImports} {
			for _, imp := range list {
				switch {
				case imp == p.ImportPath || !under(imp, []string{module + "/suites"}):
				case imp == suiteKit && under(p.ImportPath, []string{module + "/suites"}):
				case imp == suiteKit:
					out = append(out, fmt.Sprintf("%s imports %s; forbidden (only suites use the suite kit)", p.ImportPath, imp))
				default:
					out = append(out, fmt.Sprintf("%s imports %s; forbidden (nothing imports suites)", p.ImportPath, imp))
				}
			}
		}
	}
	return out
}

func TestImportArrows(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -json %s/...: %v", module, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found %d packages; want the whole module", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestViolationsDetectsForbiddenEdges proves the checker is not vacuous.
func TestViolationsDetectsForbiddenEdges(t *testing.T) {
	bad := []pkg{
		{ImportPath: module + "/harness", Deps: []string{"github.com/onsi/gomega/types"}},
		{ImportPath: module + "/harness/sub", Deps: []string{module + "/suites/selftest"}},
		{ImportPath: module + "/fixtures", Deps: []string{module + "/harness"}},
		{ImportPath: module + "/origins", Deps: []string{"github.com/chromedp/chromedp"}},
		{ImportPath: module + "/match", XTestImports: []string{module + "/suites/selftest"}},
		{ImportPath: module + "/match", Deps: []string{"github.com/onsi/gomega"}}, // allowed
		{ImportPath: module + "/fetchspec", Deps: []string{module + "/harness"}},
		{ImportPath: module + "/fetchspec", Deps: []string{"github.com/chromedp/cdproto/network"}},
		{ImportPath: module + "/fixtures", Deps: []string{module + "/fetchspec"}}, // allowed
		{ImportPath: module + "/suites/lab", XTestImports: []string{suiteKit}},    // allowed
		{ImportPath: module + "/conformance", Imports: []string{suiteKit}},
		{ImportPath: module + "/suites/kit", Imports: []string{module + "/suites/selftest"}},
	}
	got := violations(bad)
	if len(got) != 9 {
		t.Fatalf("violations found %d edges; want 9:\n%s", len(got), strings.Join(got, "\n"))
	}
}
