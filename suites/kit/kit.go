// Package kit is the bootstrap every corsgate suite shares: check that a
// browser is there before any spec runs, start the harness for the suite and
// report the browser's version, serve fixtures on loopback, and find the
// reports directory. It lives under suites/ because it uses ginkgo and
// gomega; the harness stays free of both.
package kit

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
)

// RunSuite is the body of a suite's Test function: it stops on a missing
// browser with one line (not a suite full of failures), then runs the specs
// under description, every one labelled label.
func RunSuite(t *testing.T, description, label string) {
	t.Helper()
	if err := harness.CheckBrowser(); err != nil {
		t.Fatal(err)
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, description, Label(label))
}

// StartBrowser starts the harness with cfg for the suite and closes it when
// the suite ends; it prints the browser (version, executable, flags) to the
// GinkgoWriter and adds a "browser" report entry with its version. Call it
// in a BeforeSuite (or SynchronizedBeforeSuite's all-process function).
func StartBrowser(cfg harness.Config) *harness.Env {
	GinkgoHelper()
	env, err := harness.Start(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Close)
	fmt.Fprintf(GinkgoWriter, "browser: %s (%s), flags %v\n", env.Browser.Version, env.Browser.Path, env.Browser.Flags)
	AddReportEntry("browser", env.Browser.Version)
	return env
}

// Server is a fixture server on 127.0.0.1 that Chrome reaches by a name,
// http://host:PORT; it records every request it serves.
type Server struct {
	// Base is http://host:PORT, without a trailing slash.
	Base string
	// Rec has every request the server received.
	Rec *fixtures.Recorder
	// Addr is the address it listens on, 127.0.0.1:PORT.
	Addr string
	// Port is the loopback port.
	Port int
}

// Serve starts h on 127.0.0.1, recording its requests, names it
// http://host:PORT and stops it when the node that called it ends (the suite,
// for a BeforeSuite). host must map to 127.0.0.1 in the browser: *.localhost
// always does.
func Serve(host string, h http.Handler) *Server {
	GinkgoHelper()
	rec := fixtures.Record(h)
	srv, err := loopback.Listen(rec, nil)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	return &Server{Base: fmt.Sprintf("http://%s:%d", host, srv.Port), Rec: rec, Addr: srv.Addr(), Port: srv.Port}
}

// URL is the absolute URL of path under the fixture mounted at /prefix/.
func (s *Server) URL(prefix, path string) string { return s.Base + "/" + prefix + "/" + path }

// RepoRoot is the directory of the module's go.mod, found upwards from the
// working directory (a suite runs in its own directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("kit: working directory: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("kit: no go.mod in %s or above; run the suite inside the corsgate repository", dir)
		}
	}
}

// ReportsDir is reports/ at the repository root, or the directory sub
// under it when sub is not "", created if missing. (The conformance run's
// REPORTS setting is its own: conformance.Config.Reports.)
func ReportsDir(sub string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "reports", sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kit: cannot create the reports directory: %w; make the repository writable", err)
	}
	return dir, nil
}
