// Command corsgate-playground is the teaching playground (make playground):
// a local web page where a web.config and a request are run in headless
// Chromium against corsgate's IIS emulation. It listens on 127.0.0.1 only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/corsgate/corsgate/playground"
)

func main() {
	port := flag.Int("port", 0, fmt.Sprintf("TCP port on 127.0.0.1; 0 means %d (the lab report's links point there), and a taken port is an error", playground.DefaultPort))
	configs := flag.String("configs", "fixtures/iis/testdata", "directory of the lab's web.config files")
	flag.Parse()
	os.Exit(run(*port, *configs))
}

func run(port int, configs string) int {
	start := time.Now()
	if _, err := os.Stat(configs); err != nil {
		fmt.Fprintf(os.Stderr, "corsgate-playground: configurations directory %q not found; run from the repository root or pass -configs\n", configs)
		return 2
	}
	ln, err := playground.Listen(port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-playground:", err)
		return 2
	}
	env, err := playground.StartBrowser()
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-playground:", err)
		return 2
	}
	defer env.Close()
	pg, err := playground.New(playground.Config{Env: env, ConfigDir: configs})
	if err != nil {
		fmt.Fprintln(os.Stderr, "corsgate-playground:", err)
		return 2
	}
	srv := &http.Server{Handler: pg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("corsgate playground: http://%s/ (ready in %s; %s; Ctrl-C stops it)\n", ln.Addr(), time.Since(start).Round(time.Millisecond), env.Browser.Version)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "corsgate-playground:", err)
			return 2
		}
	}
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	return 0
}
