// Command corsgate-iis reads an IIS web.config without a browser: `lint`
// reports the field guide's mistakes with line numbers, `policy` prints the
// corsgate policy the configuration implies.
//
//	make lint CONFIG=web.config
//	make policy CONFIG=web.config
//
// Exit status: 0 when there is nothing to report (lint: no mistakes, notes
// aside; policy: a policy was derived), 1 when lint finds a mistake or the
// configuration implies no policy (no CORS configured), 3 only for bad
// usage or a file that is not a web.config (not XML, no <configuration>).
package main

import (
	"fmt"
	"os"

	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/webconfig"
)

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "lint" && os.Args[1] != "policy") {
		fmt.Fprintln(os.Stderr, "corsgate-iis: usage: corsgate-iis lint|policy web.config (make lint CONFIG=..., make policy CONFIG=...)")
		os.Exit(3)
	}
	cfg, err := iis.Load(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-iis:", err)
		os.Exit(3)
	}
	switch os.Args[1] {
	case "lint":
		fs := webconfig.Lint(cfg)
		fmt.Print(webconfig.Format(os.Args[2], fs))
		if webconfig.Failing(fs) {
			os.Exit(1)
		}
	case "policy":
		p, notes, err := webconfig.DerivePolicy(cfg)
		fmt.Printf("# corsgate policy derived from %s\n", os.Args[2])
		for _, n := range notes {
			fmt.Printf("# note: %s\n", n)
		}
		if err != nil {
			fmt.Printf("# no policy: %v\n", err)
			os.Exit(1)
		}
		fmt.Print(p.Redacted())
	}
}
