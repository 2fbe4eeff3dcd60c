// Command corsgate-diff runs two IIS configurations through the IIS
// emulation in real Chromium with the same probe matrix and prints which
// browser verdicts changed. Exit status 1 when a change breaks an origin
// that was allowed or opens one that was refused; 3 on bad usage or a file
// that is not a web.config. A version that configures no CORS is probed
// with the other version's policy.
//
//	make diff OLD=web.old.config NEW=web.new.config
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/report"
	"github.com/corsgate/corsgate/webconfig"
)

func main() {
	reports := flag.String("reports", "reports/diff", "report directory")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "corsgate-diff: want two web.config files: corsgate-diff OLD NEW (make diff OLD=... NEW=...)")
		os.Exit(3)
	}
	os.Exit(run(flag.Arg(0), flag.Arg(1), *reports))
}

func run(oldPath, newPath, reports string) int {
	oldCfg, err := iis.Load(oldPath)
	if err != nil {
		return fail(err)
	}
	newCfg, err := iis.Load(newPath)
	if err != nil {
		return fail(err)
	}
	// A version that configures no CORS (the application may do it, or
	// CORS is being added or removed) is probed with the other's policy.
	oldPol, oldNotes, oldErr := webconfig.DerivePolicy(oldCfg)
	newPol, newNotes, newErr := webconfig.DerivePolicy(newCfg)
	switch {
	case oldErr != nil && newErr != nil:
		fmt.Printf("corsgate diff: %s -> %s: neither configures CORS in IIS, so the emulation sends no CORS header for either (%v)\n", oldPath, newPath, newErr)
		return 0
	case oldErr != nil:
		oldPol, oldNotes = newPol, []string{fmt.Sprintf("%s: %v; probed with the policy of %s", oldPath, oldErr, newPath)}
	case newErr != nil:
		newPol, newNotes = oldPol, []string{fmt.Sprintf("%s: %v; probed with the policy of %s", newPath, newErr, oldPath)}
	}
	union, err := conformance.Union(oldPol, newPol)
	if err != nil {
		return fail(err)
	}
	scenarios := conformance.Generate(union)
	env, err := harness.Start(harness.Config{Impersonate: conformance.Impersonations(scenarios)})
	if err != nil {
		return fail(err)
	}
	defer env.Close()
	oldTarget, closeOld, err := conformance.ServeConfig(oldCfg)
	if err != nil {
		return fail(err)
	}
	defer closeOld()
	newTarget, closeNew, err := conformance.ServeConfig(newCfg)
	if err != nil {
		return fail(err)
	}
	defer closeNew()

	pool := env.NewPool(harness.ReusedTab)
	defer pool.Close()
	rows, err := conformance.Diff(context.Background(), env, pool, union, scenarios, oldTarget, newTarget)
	if err != nil {
		return fail(err)
	}
	fmt.Printf("corsgate diff: %s -> %s, %s\n", oldPath, newPath, env.Browser.Version)
	for _, n := range append(oldNotes, newNotes...) {
		fmt.Println("note:", n)
	}
	fmt.Print(conformance.DiffText(rows))
	run := conformance.DiffReport(rows, oldPath, newPath, env.Browser.Version)
	paths, err := report.WriteAll(reports, run)
	if err != nil {
		return fail(err)
	}
	fmt.Println("reports:", strings.Join(paths, ", "))
	for _, r := range rows {
		if r.Change == conformance.Breaks || r.Change == conformance.Opens {
			return 1
		}
	}
	return 0
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "corsgate-diff:", err)
	return 3
}
