package gate

import (
	"bytes"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/conformance"
	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/report"
)

// intranetPolicy is an intranet API (addressSpace: local) called from a
// public portal, an http portal and an intranet frontend.
const intranetPolicy = `target: http://orders.localhost
addressSpace: local
endpoints:
  - path: /api/orders
    methods: [GET, PUT]
origins:
  - https://portal.example.com
  - http://legacy-portal.example.com
  - {origin: https://intranet-app.example.com, addressSpace: local}
credentials: true
methods: [GET, PUT]
headers: [Content-Type]
maxAge: 600
`

// The issue-15 gate: a correct API on the intranet. The run starts its
// own browser, since the address spaces are set at launch.
var _ = Describe("an intranet API (Local Network Access)", Label("lna"), func() {
	It("passes with the permission granted, refuses without it, and fails an http frontend with InsecureLocalNetwork", func(ctx SpecContext) {
		p, err := policy.Parse("intranet.yaml", []byte(intranetPolicy), nil)
		Expect(err).NotTo(HaveOccurred())
		opts := fixtures.CORSOptions{Credentials: p.Credentials, Methods: p.Methods, Headers: p.Headers, MaxAge: p.MaxAge}
		for _, o := range p.Origins {
			opts.Origins = append(opts.Origins, o.Value)
		}
		target := serve(fixtures.DemoAPI(opts))
		run, err := conformance.Run(ctx, &conformance.Config{Policy: p, PolicyName: "intranet.yaml", Target: target, Isolation: harness.ReusedTab})
		Expect(err).NotTo(HaveOccurred())

		rows := map[string]report.Result{}
		for _, r := range run.Results {
			rows[r.Scenario] = r
		}
		var granted int
		for _, r := range run.Results {
			switch {
			case r.Origin == "https://portal.example.com" || r.Origin == "https://intranet-app.example.com":
				Expect(r.Pass).To(BeTrue(), "%s: %s\n%s", r.Scenario, r.Observed, r.Evidence)
				if strings.Contains(r.Request, "+local-network") {
					granted++
					Expect(r.Origin).To(Equal("https://portal.example.com"), "only the public frontend needs the permission")
				}
			case r.Origin == "http://legacy-portal.example.com" && strings.HasPrefix(r.Scenario, "allowed/"):
				Expect(r.Pass).To(BeFalse(), r.Scenario)
				Expect(r.CORSError).To(Equal(fetchspec.LNAInsecureInitiator), r.Scenario)
				Expect(r.Hint).To(ContainSubstring("is not a secure context"), r.Scenario)
			}
		}
		Expect(granted).To(BeNumerically(">=", 4), "the portal's allowed scenarios run with local-network granted")

		denied := rows["local-network/https://portal.example.com/GET /api/orders without local-network"]
		Expect(denied.Pass).To(BeTrue(), "%s\n%s", denied.Observed, denied.Evidence)
		Expect(denied.CORSError).To(Equal(fetchspec.LNAPermissionDenied))
		Expect(denied.Console).To(ContainSubstring(fetchspec.LNAConsoleDenied(fetchspec.SpaceLocal)))
		insecure := rows["local-network/http://legacy-portal.example.com/GET /api/orders from an insecure page"]
		Expect(insecure.Pass).To(BeTrue(), "%s\n%s", insecure.Observed, insecure.Evidence)

		var matrix bytes.Buffer
		report.Matrix(&matrix, run)
		Expect(matrix.String()).To(And(ContainSubstring("+local-network"), ContainSubstring("without local-network")), "the matrix shows both")
	}, SpecTimeout(3*time.Minute))
})
