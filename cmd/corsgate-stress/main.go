// Command corsgate-stress runs the full test suite several times in a row,
// each time in a new random order, and prints every spec and test that ever
// failed with the seeds that made it fail. A run is the unit tests (go test
// -shuffle on every package outside suites/) and then every ginkgo suite
// (--randomize-all), both with the run's seed. Exit status 1 when anything
// failed in any run.
//
//	make stress RUNS=10
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

func main() {
	runs := flag.Int("runs", 10, "how many times to run the tests")
	suites := flag.String("suites", "./suites/...", "space-separated packages of the ginkgo suites")
	unit := flag.Bool("unit", true, "also run the unit tests (every package outside suites/) each run; -unit=false: the suites only")
	flag.Parse()
	dir, err := os.MkdirTemp("", "corsgate-stress-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-stress:", err)
		os.Exit(3)
	}
	defer os.RemoveAll(dir)

	var unitPkgs []string
	if *unit {
		if unitPkgs, err = unitPackages(); err != nil {
			fmt.Fprintln(os.Stderr, "corsgate-stress:", err)
			os.Exit(3)
		}
	}

	failures := map[string][]int64{} // spec or test -> seeds it failed with
	start := time.Now()
	for i := 1; i <= *runs; i++ {
		seed := rand.Int64N(1 << 31)
		line := fmt.Sprintf("stress: run %d/%d (seed %d):", i, *runs, seed)
		failedTests := 0
		var unitErr error
		if *unit {
			failedTests, unitErr = runUnit(unitPkgs, seed, failures)
		}
		report := filepath.Join(dir, fmt.Sprintf("run-%d.json", i))
		args := append([]string{"tool", "ginkgo", "--randomize-all", fmt.Sprintf("--seed=%d", seed),
			"--keep-going", "--json-report=" + report, "--succinct", "--no-color"}, strings.Fields(*suites)...)
		cmd := exec.Command("go", args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		suiteErr := cmd.Run()
		failedSpecs := collect(report, seed, suiteErr, failures)
		if *unit {
			fmt.Printf("%s %s, %d spec(s) failed, %d unit test(s) failed\n", line, status(errors.Join(unitErr, suiteErr)), failedSpecs, failedTests)
		} else {
			fmt.Printf("%s %s, %d spec(s) failed\n", line, status(suiteErr), failedSpecs)
		}
	}
	fmt.Printf("\nstress: %d runs in %s\n", *runs, time.Since(start).Round(time.Second))
	if len(failures) == 0 {
		fmt.Println("stress: no spec or test ever failed")
		return
	}
	var names []string
	for n := range failures {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("stress: specs and tests that failed at least once:")
	for _, n := range names {
		fmt.Printf("  %s (seeds %v)\n", n, failures[n])
	}
	os.Exit(1)
}

func status(err error) string {
	if err != nil {
		return "FAILED"
	}
	return "passed"
}

// unitPackages lists every package of the module outside suites/, as
// `make unit` does.
func unitPackages() ([]string, error) {
	out, err := exec.Command("go", "list", "./...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./...: %w", err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(p+"/", "/suites/") {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("go list ./... found no package outside suites/; run make stress from the repository root")
	}
	return pkgs, nil
}

// runUnit runs the unit tests once with seed and records the failed tests.
func runUnit(pkgs []string, seed int64, failures map[string][]int64) (int, error) {
	args := append([]string{"test", "-count=1", fmt.Sprintf("-shuffle=%d", seed), "-json"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	failed, parseErr := parseTestJSON(stdout, os.Stdout)
	err = errors.Join(cmd.Wait(), parseErr)
	if err != nil && len(failed) == 0 {
		failed = []string{fmt.Sprintf("go test (unit tests): %v, yet no test reported failing", err)}
	}
	for _, name := range failed {
		failures[name] = append(failures[name], seed)
	}
	return len(failed), err
}

// testEvent is one line of `go test -json` (cmd/test2json's TestEvent).
type testEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
}

// parseTestJSON reads a `go test -json` stream and returns what failed, as
// "go test <package>: <test>": every failed test (a parent whose subtest
// failed is named only through the subtest), and a package that failed
// with no failed test (build failure, panic outside a test, timeout). The
// output of each failed test, and of each failed package, goes to w.
func parseTestJSON(r io.Reader, w io.Writer) ([]string, error) {
	type key struct{ pkg, test string }
	output := map[key]*bytes.Buffer{}
	failedTests := map[string][]string{} // package -> failed tests
	var failedPkgs []string
	buildFailed := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e testEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			continue // not an event: go command chatter
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output":
			if output[k] == nil {
				output[k] = &bytes.Buffer{}
			}
			output[k].WriteString(e.Output)
		case "fail":
			if e.Test != "" {
				failedTests[e.Package] = append(failedTests[e.Package], e.Test)
				if b := output[k]; b != nil {
					_, _ = io.Copy(w, b)
				}
				delete(output, k)
			} else { // the package's own output is printed below if no test explains the failure
				failedPkgs = append(failedPkgs, e.Package)
				buildFailed[e.Package] = e.FailedBuild != ""
			}
		case "build-output":
			_, _ = io.WriteString(w, e.Output) // compiler errors; printed as they come
		case "pass", "skip":
			delete(output, k)
		}
	}
	var failed []string
	for _, pkg := range failedPkgs {
		tests := failedTests[pkg]
		if len(tests) == 0 {
			why := "package failed with no failed test"
			if buildFailed[pkg] {
				why = "build failed"
			}
			failed = append(failed, fmt.Sprintf("go test %s: (%s)", pkg, why))
			if b := output[key{pkg, ""}]; b != nil {
				_, _ = io.Copy(w, b)
			}
			continue
		}
		for _, t := range tests {
			if !hasFailedSubtest(t, tests) {
				failed = append(failed, fmt.Sprintf("go test %s: %s", pkg, t))
			}
		}
	}
	// A test that failed in a package that did not (cannot happen with a
	// well-formed stream, but never lose a failure).
	for pkg, tests := range failedTests {
		if !contains(failedPkgs, pkg) {
			for _, t := range tests {
				if !hasFailedSubtest(t, tests) {
					failed = append(failed, fmt.Sprintf("go test %s: %s", pkg, t))
				}
			}
		}
	}
	sort.Strings(failed)
	return failed, sc.Err()
}

func hasFailedSubtest(test string, failed []string) bool {
	for _, f := range failed {
		if strings.HasPrefix(f, test+"/") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// collect reads a ginkgo JSON report and records the failed specs; a suite
// that failed without a failed spec (did not compile, failed before any
// spec, no specs), and a ginkgo that failed without any failed suite, are
// failures too. It returns how many it recorded.
func collect(path string, seed int64, runErr error, failures map[string][]int64) int {
	record := func(name string) {
		failures[name] = append(failures[name], seed)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		why := "the suites did not run"
		if runErr != nil {
			why = fmt.Sprintf("ginkgo stopped (%v) before writing it; its output above says why", runErr)
		}
		record("(no report: " + why + ")")
		return 1
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		record("(unreadable report)")
		return 1
	}
	n := 0
	for _, r := range reports {
		specs := 0
		for _, s := range r.SpecReports {
			if s.State.Is(types.SpecStateFailureStates) {
				name := r.SuiteDescription + ": " + s.FullText()
				if s.LeafNodeType != types.NodeTypeIt && s.LeafNodeType != types.NodeTypeInvalid {
					name = strings.TrimSpace(r.SuiteDescription + ": [" + s.LeafNodeType.String() + "] " + s.FullText())
				}
				record(name)
				specs++
			}
		}
		if specs == 0 && !r.SuiteSucceeded {
			why := strings.Join(r.SpecialSuiteFailureReasons, "; ")
			why, _, _ = strings.Cut(why, "\n") // a compiler error: its first line names it
			if why == "" {
				why = "suite failed with no failed spec"
			}
			record(fmt.Sprintf("%s (%s): (%s)", suiteName(r), r.SuitePath, why))
			specs++
		}
		n += specs
	}
	if n == 0 && runErr != nil {
		record(fmt.Sprintf("(ginkgo failed: %v, yet the report names no failure)", runErr))
		n++
	}
	return n
}

func suiteName(r types.Report) string {
	if r.SuiteDescription != "" {
		return r.SuiteDescription
	}
	return filepath.Base(r.SuitePath)
}
