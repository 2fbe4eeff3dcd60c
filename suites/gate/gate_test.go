package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/report"
	"github.com/corsgate/corsgate/suites/kit"
)

// serve starts h on loopback and returns its base URL.
func serve(h http.Handler) string {
	GinkgoHelper()
	return kit.Serve("api.localhost", h).Base
}

func options() fixtures.CORSOptions {
	o := fixtures.CORSOptions{Credentials: demo.Credentials, Methods: demo.Methods, Headers: demo.Headers, Expose: demo.Expose, MaxAge: demo.MaxAge}
	for _, x := range demo.Origins {
		o.Origins = append(o.Origins, x.Value)
	}
	return o
}

// runAll runs the scenarios in the given order against target with
// conformance.Run and returns the report rows by scenario name.
func runAll(ctx context.Context, target string, order []conformance.Scenario) map[string]report.Result {
	GinkgoHelper()
	run, err := conformance.Run(ctx, &conformance.Config{Policy: demo, PolicyName: conformance.DemoPolicyName, Target: target, Scenarios: order, Env: env, Pool: pool})
	Expect(err).NotTo(HaveOccurred())
	out := map[string]report.Result{}
	for _, r := range run.Results {
		out[r.Scenario] = r
	}
	Expect(out).To(HaveLen(len(order)), "one row per scenario")
	return out
}

func failed(rs map[string]report.Result) []string {
	var names []string
	for n, r := range rs {
		if !r.Pass {
			names = append(names, n+" ("+r.Observed+")")
		}
	}
	sort.Strings(names)
	return names
}

// ofKind selects the scenarios of kind k.
func ofKind(k *conformance.Kind) func(conformance.Scenario) bool {
	return func(s conformance.Scenario) bool { return s.Kind == k }
}

var _ = Describe("the conformance run", func() {
	It("passes a correct API built with rs/cors from the same policy", func(ctx SpecContext) {
		vs := runAll(ctx, serve(fixtures.DemoAPI(options())), scenarios)
		Expect(failed(vs)).To(BeEmpty())
	}, SpecTimeout(3*time.Minute))

	// Each mistake breaks one policy point; the scenarios that must fail are
	// named by what they check, independently of how the fixture is built.
	DescribeTable("fails exactly the scenarios a single mistake breaks",
		func(ctx SpecContext, m fixtures.Mistake, breaks func(s conformance.Scenario) bool) {
			vs := runAll(ctx, serve(fixtures.BrokenDemoAPI(options(), m)), scenarios)
			var want []string
			for _, s := range scenarios {
				if breaks(s) {
					want = append(want, s.Name)
				}
			}
			Expect(want).NotTo(BeEmpty(), "the predicate must select scenarios")
			var got []string
			for n, v := range vs {
				if !v.Pass {
					got = append(got, n)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			Expect(got).To(Equal(want), "failed:\n%s", strings.Join(failed(vs), "\n"))
		},
		Entry(nil, fixtures.SubstringOriginCheck, func(s conformance.Scenario) bool {
			return s.Kind == conformance.RefusedOrigin && s.Origin == "https://app.example.com.attacker.test"
		}, SpecTimeout(3*time.Minute)),
		Entry(nil, fixtures.NoVaryOrigin, ofKind(conformance.VaryOrigin), SpecTimeout(3*time.Minute)),
		Entry(nil, fixtures.AuthBeforeCORSForDelete, func(s conformance.Scenario) bool { return s.Probe.Method == "DELETE" }, SpecTimeout(3*time.Minute)),
		Entry(nil, fixtures.NoExposeHeaders, ofKind(conformance.Exposure), SpecTimeout(3*time.Minute)),
		Entry(nil, fixtures.NoCORSOnErrors, ofKind(conformance.ErrorRoute), SpecTimeout(3*time.Minute)),
		Entry(nil, fixtures.NoMaxAge, ofKind(conformance.PreflightCache), SpecTimeout(3*time.Minute)),
	)

	It("gives identical verdicts when the matrix runs twice in different random orders", func(ctx SpecContext) {
		target := serve(fixtures.BrokenDemoAPI(options()))
		shuffled := func(seed uint64) []conformance.Scenario {
			s := append([]conformance.Scenario(nil), scenarios...)
			rand.New(rand.NewPCG(seed, seed)).Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
			return s
		}
		first := runAll(ctx, target, shuffled(1))
		second := runAll(ctx, target, shuffled(2))
		for name, v := range first {
			Expect(second[name].Observed).To(Equal(v.Observed), name)
			Expect(second[name].Pass).To(Equal(v.Pass), name)
		}
		Expect(failed(first)).NotTo(BeEmpty(), "the broken demo must fail something, or the comparison proves nothing")
	}, SpecTimeout(3*time.Minute))
})

var _ = Describe("the HTML report", func() {
	It("renders in Chromium with one cell link per probe, and a click opens the evidence", func(ctx SpecContext) {
		run, err := conformance.Run(ctx, &conformance.Config{Policy: demo, PolicyName: conformance.DemoPolicyName,
			Target: serve(fixtures.BrokenDemoAPI(options())), Scenarios: scenarios[:12], Env: env, Pool: pool})
		Expect(err).NotTo(HaveOccurred())
		dir := GinkgoT().TempDir()
		_, err = report.WriteAll(dir, run)
		Expect(err).NotTo(HaveOccurred())
		html, err := os.ReadFile(filepath.Join(dir, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		srv, err := loopback.Listen(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(html)
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)

		out, err := env.Inspect(ctx, fmt.Sprintf("http://127.0.0.1:%d/report.html", srv.Port), `(async () => {
			const probes = document.querySelectorAll("a.probe");
			const details = document.querySelectorAll("details[id^='probe-']");
			const target = probes[probes.length - 1];
			const id = target.getAttribute("href").slice(1);
			const before = document.getElementById(id).open;
			target.click();
			await new Promise(r => setTimeout(r, 50));
			return {probes: probes.length, details: details.length, before, after: document.getElementById(id).open};
		})()`)
		Expect(err).NotTo(HaveOccurred())
		var got struct {
			Probes, Details int
			Before, After   bool
		}
		Expect(json.Unmarshal(out, &got)).To(Succeed())
		Expect(got.Probes).To(Equal(len(run.Results)), "one cell link per probe")
		Expect(got.Details).To(Equal(len(run.Results)), "one evidence block per probe")
		Expect(got.Before).To(BeFalse(), "evidence starts closed")
		Expect(got.After).To(BeTrue(), "a click opens the evidence")
	}, SpecTimeout(2*time.Minute))
})
