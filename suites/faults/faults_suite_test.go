// Package faults proves that every fault below CORS — a hung or slow server,
// a huge body or header block, a reset connection, invalid TLS, DNS failure,
// malformed headers, redirects off the web — comes back from real Chromium
// as a clear outcome: never a hang, and never a misleading CORS verdict.
//
// Every fixture here sends correct CORS headers for the page's origin, so any
// failure is the fault's.
package faults

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/suites/kit"
)

func TestFaults(t *testing.T) { kit.RunSuite(t, "Faults", "faults") }

// Fault fixture parameters.
const (
	slowPreflightDelay = 2 * time.Second
	hugeBodySize       = 10 << 20
	hugeHeadersSize    = 64 << 10
	// tooBigHeadersSize is past Chrome's 256 KiB response-header cap.
	tooBigHeadersSize = 300 << 10
)

var (
	env *harness.Env
	// api serves every fault fixture under its own path prefix on
	// http://api.localhost:PORT.
	api *server
	// other is a second site, http://other.localhost:PORT, that sends no
	// CORS headers at all: the target of a cross-origin redirect.
	other *server
)

// server is the kit's fixture server with the short name the specs use.
type server struct{ *kit.Server }

// url is the target URL of path under fixture prefix.
func (s server) url(prefix, path string) string { return s.URL(prefix, path) }

var _ = BeforeSuite(func() {
	env = kit.StartBrowser(harness.Config{})
	other = &server{kit.Serve("other.localhost", fixtures.NoAllowOrigin())}

	app := env.MustOrigin(origins.App).Serialize()
	mux := http.NewServeMux()
	for prefix, h := range map[string]http.Handler{
		"never-answers":      fixtures.NeverAnswers(),
		"slow-preflight":     fixtures.SlowPreflight(app, slowPreflightDelay),
		"huge-body":          fixtures.HugeBody(app, hugeBodySize),
		"huge-headers":       fixtures.HugeHeaders(app, hugeHeadersSize),
		"too-big-headers":    fixtures.HugeHeaders(app, tooBigHeadersSize),
		"reset-mid-response": fixtures.ResetMidResponse(app),
		"control-chars":      fixtures.ControlCharHeaders(app),
		"redirect-to-file":   fixtures.RedirectTo(app, "file:///etc/passwd"),
		"redirect-to-other":  fixtures.RedirectTo(app, other.url("no-cors", "target")),
	} {
		mux.Handle("/"+prefix+"/", h)
	}
	api = &server{kit.Serve("api.localhost", mux)}
})

// run performs one isolated probe from the App page, fails the spec on a
// harness error and attaches the evidence to the report.
func run(ctx context.Context, p harness.Probe) *harness.Observation {
	GinkgoHelper()
	if p.Page == "" {
		p.Page = origins.App
	}
	o, err := env.Run(ctx, p)
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry(p.String(), o.String(), ReportEntryVisibilityFailureOrVerbose)
	fmt.Fprintf(GinkgoWriter, "%s\n", o)
	return o
}

// netErrorOf is the net:: code of an observation, also when Chrome only told
// page JavaScript (an error while reading the body of a response whose head
// had arrived).
func netErrorOf(o *harness.Observation) string {
	if o.NetError != "" {
		return o.NetError
	}
	if i := strings.Index(o.JS.ErrorMessage, "net::ERR_"); i >= 0 {
		return strings.Fields(o.JS.ErrorMessage[i:])[0]
	}
	return o.Actual.ErrorText
}
