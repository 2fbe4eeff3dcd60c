// Package playground drives the teaching playground's own page in Chromium,
// as a student would: for every lab case it opens the case's link, runs it,
// and must find the verdict and console message make lab reports (computed
// here by running the lab's own check through the lab package); an edit, a
// lab fix and a broken web.config must do what the page promises.
package playground

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/playground"
	"github.com/corsgate/corsgate/suites/kit"
)

func TestPlayground(t *testing.T) { kit.RunSuite(t, "Teaching playground", "playground") }

// configDir holds the lab's web.config files.
const configDir = "../../fixtures/iis/testdata"

var (
	// env is the playground's browser, where requests run (and where the
	// suite runs the lab's checks for the expectation).
	env *harness.Env
	pg  *playground.Server
	// root is the playground's URL; driver the Chromium tab that uses it.
	root   string
	driver context.Context
)

var _ = BeforeSuite(func() {
	started := time.Now()
	env = kit.StartBrowser(playground.HarnessConfig())
	var err error
	pg, err = playground.New(playground.Config{Env: env, ConfigDir: configDir})
	Expect(err).NotTo(HaveOccurred())
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	srv := &http.Server{Handler: pg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	DeferCleanup(srv.Close)
	root = "http://" + ln.Addr().String()

	// The driving browser is a second, plain Chromium: a student's.
	path, err := harness.FindChrome()
	Expect(err).NotTo(HaveOccurred())
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1680, 1000))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses its sandbox as root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	DeferCleanup(cancelAlloc)
	var cancel context.CancelFunc
	driver, cancel = chromedp.NewContext(alloc)
	DeferCleanup(cancel)
	Expect(chromedp.Do(driver, chromedp.Navigate("about:blank"))).To(Succeed())
	GinkgoWriter.Printf("playground at %s and driving browser ready in %s\n", root, time.Since(started).Round(time.Millisecond))
})
