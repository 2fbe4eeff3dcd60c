// Command corsgate-stress runs every ginkgo suite several times in a row,
// each time in a new random order, and prints every spec that ever failed
// with the seeds that made it fail. Exit status 1 when any run failed.
//
//	make stress RUNS=10
package main

import (
	"encoding/json"
	"flag"
	"fmt"
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
	runs := flag.Int("runs", 10, "how many times to run the suites")
	suites := flag.String("suites", "./suites/...", "space-separated packages of the ginkgo suites")
	flag.Parse()
	dir, err := os.MkdirTemp("", "corsgate-stress-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-stress:", err)
		os.Exit(3)
	}
	defer os.RemoveAll(dir)

	failures := map[string][]int64{} // spec -> seeds it failed with
	start := time.Now()
	for i := 1; i <= *runs; i++ {
		seed := rand.Int64N(1 << 31)
		report := filepath.Join(dir, fmt.Sprintf("run-%d.json", i))
		args := append([]string{"tool", "ginkgo", "--randomize-all", fmt.Sprintf("--seed=%d", seed),
			"--json-report=" + report, "--succinct", "--no-color"}, strings.Fields(*suites)...)
		cmd := exec.Command("go", args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		err := cmd.Run()
		failed := collect(report, seed, failures)
		fmt.Printf("stress: run %d/%d (seed %d): %s, %d spec(s) failed\n", i, *runs, seed, status(err), failed)
	}
	fmt.Printf("\nstress: %d runs in %s\n", *runs, time.Since(start).Round(time.Second))
	if len(failures) == 0 {
		fmt.Println("stress: no spec ever failed")
		return
	}
	var names []string
	for n := range failures {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("stress: specs that failed at least once:")
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

// collect reads a ginkgo JSON report and records the failed specs.
func collect(path string, seed int64, failures map[string][]int64) int {
	data, err := os.ReadFile(path)
	if err != nil {
		failures["(no report: the suites did not run)"] = append(failures["(no report: the suites did not run)"], seed)
		return 1
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		failures["(unreadable report)"] = append(failures["(unreadable report)"], seed)
		return 1
	}
	n := 0
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.State.Is(types.SpecStateFailureStates) {
				name := r.SuiteDescription + ": " + s.FullText()
				failures[name] = append(failures[name], seed)
				n++
			}
		}
	}
	return n
}
