// Package selftest proves the harness against small local servers in real
// Chromium: every CORS error the suite relies on is produced on purpose and
// must come back as Chrome's structured verdict.
package selftest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/origins"
	"github.com/corsgate/corsgate/suites/kit"
)

func TestSelftest(t *testing.T) { kit.RunSuite(t, "Harness self-test", "selftest") }

// ProductionOrigin is impersonated: served locally as the exact origin.
const ProductionOrigin = "https://app.example.com"

var (
	env     *harness.Env
	api     *fixtureServer
	stats   = &probeStats{}
	started time.Time
)

// fixtureServer serves every self-test configuration under its own path
// prefix on http://api.localhost:PORT, a site of its own: the kit's fixture
// server with the short names the specs use.
type fixtureServer struct {
	*kit.Server
	rec *fixtures.Recorder
}

// url is the target URL of a path on fixture config.
func (f *fixtureServer) url(config, path string) string { return f.URL(config, path) }

var _ = BeforeSuite(func() {
	started = time.Now()
	env = kit.StartBrowser(harness.Config{Impersonate: []string{ProductionOrigin}})

	app := env.MustOrigin(origins.App).Serialize()
	mux := http.NewServeMux()
	for prefix, h := range map[string]http.Handler{
		"no-allow-origin":                fixtures.NoAllowOrigin(),
		"allow-origin-trailing-slash":    fixtures.AllowOriginTrailingSlash(app),
		"duplicate-allow-origin":         fixtures.DuplicateAllowOrigin(app),
		"wildcard-with-credentials":      fixtures.WildcardWithCredentials(),
		"credentials-header-missing":     fixtures.CredentialsHeaderMissing(app),
		"preflight-challenged-401":       fixtures.PreflightChallenged401(app),
		"preflight-not-handled-405":      fixtures.PreflightNotHandled405(app),
		"preflight-without-cors-headers": fixtures.PreflightWithoutCORSHeaders(app),
		"allow-methods-get-post-patch":   fixtures.AllowMethodsList(app, "GET, POST, PATCH"),
		"allow-headers-wildcard":         fixtures.AllowHeadersWildcard(app),
		"preflight-redirect":             fixtures.PreflightRedirect(app, "/reference/redirected"),
		"preflight-max-age-2":            fixtures.PreflightMaxAge(app, 2),
		"preflight-max-age-600":          fixtures.PreflightMaxAge(app, 600),
		"reference":                      fixtures.Reference([]string{app, ProductionOrigin}, 600),
		"reflect-any-origin":             fixtures.ReflectAnyOrigin(),
		"cross-site-cookie":              fixtures.CrossSiteCookie(app),
		"never-answers":                  fixtures.NeverAnswers(),
	} {
		mux.Handle("/"+prefix+"/", h)
	}
	srv := kit.Serve("api.localhost", mux)
	api = &fixtureServer{Server: srv, rec: srv.Rec}
})

var _ = AfterSuite(func() {
	stats.report(env, time.Since(started))
})

// probeStats counts the probes of this process for the closing numbers.
type probeStats struct {
	mu   sync.Mutex
	obs  []*harness.Observation
	busy time.Duration
}

func (s *probeStats) add(o *harness.Observation, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.obs = append(s.obs, o)
	s.busy += d
}

// report prints the probe count and rate and writes every observation to
// reports/selftest-<process>.json.
func (s *probeStats) report(env *harness.Env, wall time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.obs) == 0 || env == nil {
		return
	}
	line := fmt.Sprintf("selftest process %d: %d probes, %.1fs wall, %.1fs probing, %.2f probes/s (wall), browser %s",
		GinkgoParallelProcess(), len(s.obs), wall.Seconds(), s.busy.Seconds(), float64(len(s.obs))/wall.Seconds(), env.Browser.Version)
	fmt.Println(line)
	if dir, err := kit.ReportsDir(""); err == nil {
		data, _ := json.MarshalIndent(map[string]any{
			"summary": line, "browser": env.Browser.Version, "flags": env.Browser.Flags, "observations": s.obs,
		}, "", "  ")
		_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("selftest-%d.json", GinkgoParallelProcess())), data, 0o644)
	}
}

// run performs one isolated probe and fails the spec on a harness error.
func run(ctx context.Context, p harness.Probe) *harness.Observation {
	GinkgoHelper()
	return observe(p, func() (*harness.Observation, error) { return env.Run(ctx, p) })
}

// runIn performs one probe in a session.
func runIn(ctx context.Context, s *harness.Session, p harness.Probe) *harness.Observation {
	GinkgoHelper()
	return observe(p, func() (*harness.Observation, error) { return s.Run(ctx, p) })
}

// observe times a probe, counts it and attaches its evidence to the spec.
func observe(p harness.Probe, probe func() (*harness.Observation, error)) *harness.Observation {
	GinkgoHelper()
	t := time.Now()
	o, err := probe()
	Expect(err).NotTo(HaveOccurred())
	stats.add(o, time.Since(t))
	AddReportEntry(p.String(), o.String(), ReportEntryVisibilityFailureOrVerbose)
	return o
}
