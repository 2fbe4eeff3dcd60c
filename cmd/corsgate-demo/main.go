// Command corsgate-demo serves the demo API of `make check` on loopback, so
// a conformance run can be tried the way it is run against a real API:
//
//	go run ./cmd/corsgate-demo -port 8080 &
//	make check POLICY=conformance/demo-policy.yaml ADDRESS=127.0.0.1:8080
//
// -session VALUE makes the API require the cookie session=VALUE (POST /login
// sets it), as a cookie-auth API does.
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
	session := flag.String("session", "", "require the cookie session=VALUE (POST /login sets it)")
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
	h := conformance.DemoHandler(p, *broken)
	if *session != "" {
		opts := fixtures.CORSOptions{Credentials: p.Credentials, Methods: p.Methods, Headers: p.Headers,
			Expose: p.Expose, MaxAge: p.MaxAge, Reject: p.Unlisted == policy.UnlistedReject}
		for _, o := range p.Origins {
			opts.Origins = append(opts.Origins, o.Value)
		}
		h = fixtures.CookieAuthAPI(opts, "session", *session)
	}
	file := "conformance/demo-policy.yaml"
	if *policyPath != "" {
		file = *policyPath
	}
	serve(*port, h, fmt.Sprintf("demo API (broken=%v)", *broken), file)
}

func serve(port int, h http.Handler, what, policyFile string) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-demo: cannot listen on %s: %v; pick another -port\n", addr, err)
		os.Exit(2)
	}
	fmt.Printf("%s at %s — try:\n  make check POLICY=%s ADDRESS=%s\n", what, addr, policyFile, addr)
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-demo:", err)
		os.Exit(1)
	}
}
