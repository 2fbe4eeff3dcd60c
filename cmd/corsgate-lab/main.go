// Command corsgate-lab is the teaching lab: it serves every IIS configuration
// of the catalogue through the IIS emulation, asks a curl-like client and
// headless Chromium the same questions, prints what each saw, and writes a
// self-contained HTML report.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/lab"
)

func main() {
	configs := flag.String("configs", "fixtures/iis/testdata", "directory of the lab's web.config files")
	html := flag.String("html", "reports/lab.html", "where to write the HTML report")
	flag.Parse()
	os.Exit(run(*configs, *html))
}

func run(configs, html string) int {
	if _, err := os.Stat(configs); err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-lab: configurations directory %q not found; run from the repository root or pass -configs\n", configs)
		return 2
	}
	env, err := harness.Start(lab.HarnessConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-lab:", err)
		return 2
	}
	defer env.Close()

	report, err := lab.RunAll(context.Background(), env, configs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-lab:", err)
		return 2
	}
	report.WriteText(os.Stdout)

	if err := os.MkdirAll(filepath.Dir(html), 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-lab: cannot create %q: %v\n", filepath.Dir(html), err)
		return 2
	}
	f, err := os.Create(html)
	if err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-lab: cannot write %q: %v\n", html, err)
		return 2
	}
	defer f.Close()
	if err := report.WriteHTML(f); err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-lab: writing %q: %v\n", html, err)
		return 2
	}
	fmt.Printf("HTML report: %s\n", html)
	if report.Failures() > 0 {
		return 1
	}
	return 0
}
