// Command corsgate-demo serves the demo API of `make check` on loopback, so
// a conformance run can be tried the way it is run against a real API:
//
//	go run ./cmd/corsgate-demo -port 8080 &
//	make check TARGET=http://api.localhost:8080 POLICY=conformance/demo-policy.yaml
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/policy"
)

func main() {
	port := flag.Int("port", 8080, "loopback port to listen on")
	broken := flag.Bool("broken", false, "serve the API with realistic CORS mistakes")
	policyPath := flag.String("policy", "", "policy to implement (default: the demo policy)")
	config := flag.String("config", "", "serve this IIS web.config through the IIS emulation instead")
	flag.Parse()
	if *config != "" {
		cfg, err := iis.Load(*config)
		if err != nil {
			fmt.Fprintln(os.Stderr, "corsgate-demo:", err)
			os.Exit(3)
		}
		serve(*port, iis.NewSite(cfg, fixtures.App()), "IIS emulation of "+*config, *config)
		return
	}

	p, err := policy.Parse(conformance.DemoPolicyName, conformance.DemoPolicy, nil)
	if *policyPath != "" {
		p, err = policy.Load(*policyPath, nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-demo:", err)
		os.Exit(2)
	}
	opts := fixtures.CORSOptions{Credentials: p.Credentials, Methods: p.Methods, Headers: p.Headers,
		Expose: p.Expose, MaxAge: p.MaxAge, Reject: p.Unlisted == policy.UnlistedReject}
	for _, o := range p.Origins {
		opts.Origins = append(opts.Origins, o.Value)
	}
	var h http.Handler = fixtures.DemoAPI(opts)
	if *broken {
		h = fixtures.BrokenDemoAPI(opts)
	}
	serve(*port, h, fmt.Sprintf("demo API (broken=%v)", *broken), "conformance/demo-policy.yaml")
}

func serve(port int, h http.Handler, what, policyFile string) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-demo: cannot listen on %s: %v; pick another -port\n", addr, err)
		os.Exit(2)
	}
	fmt.Printf("%s at http://api.localhost:%d — try:\n  make check TARGET=http://api.localhost:%d POLICY=%s\n", what, port, port, policyFile)
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-demo:", err)
		os.Exit(1)
	}
}
