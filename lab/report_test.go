package lab

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
)

func sampleReport(js string) *Report {
	blocked := &harness.Observation{Outcome: harness.OutcomeCORSBlocked, CORSError: network.CorsErrorAllowOriginMismatch, Preflight: harness.PreflightNotNeeded, Probe: harness.Probe{Method: "GET", URL: "http://api.localhost/x"},
		FailedParameter: js, Console: []harness.ConsoleLine{{Source: "javascript", Text: "Access to fetch blocked by CORS policy: " + js}}}
	c := Check{Name: "lookalike " + js, Want: judge.Want{Outcome: judge.Blocked, CORSError: network.CorsErrorAllowOriginMismatch, FailedParameter: js}}
	return &Report{Browser: "Chrome/test", Entries: []EntryReport{{
		Entry:  Entry{Config: "x.config", Mistake: "echo " + js, Fix: "anchor"},
		Config: "<configuration><!-- " + js + " --></configuration>",
		Checks: []CheckReport{{Check: c, Result: &Result{Check: c, Observations: []*harness.Observation{blocked}},
			Curl: []CurlExchange{{Request: "GET /x (Origin: " + js + ")", Status: 200, CORS: []string{"Access-Control-Allow-Origin: " + js}}}}},
	}}}
}

func TestHTMLReportEscapesEverything(t *testing.T) {
	js := `<script>alert(1)</script>`
	var b bytes.Buffer
	if err := sampleReport(js).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), js) {
		t.Errorf("HTML report contains %q unescaped", js)
	}
	if !strings.Contains(b.String(), "&lt;script&gt;") {
		t.Error("HTML report lost the escaped value; want it shown as text")
	}
}

func TestVerdictAndText(t *testing.T) {
	r := sampleReport("https://a.test")
	c := r.Entries[0].Checks[0]
	if got := c.Result.Verdict(); !got.Pass {
		t.Errorf("Verdict() = %+v; want a pass for a matching observation", got)
	}
	c.Result.Check.Want.FailedParameter = "https://b.test"
	if got := c.Result.Verdict().Why; !strings.Contains(got, "want refused: AllowOriginMismatch \"https://b.test\"") {
		t.Errorf("Verdict() = %q; want the expected failedParameter named", got)
	}
	var b bytes.Buffer
	r.WriteText(&b)
	for _, want := range []string{"x.config", "GET 200, ACAO https://a.test", "blocked: AllowOriginMismatch", "1 configurations, 1 checks, 0 not as expected"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestCatalogueIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalogue {
		if seen[e.Config] {
			t.Errorf("configuration %q listed twice", e.Config)
		}
		seen[e.Config] = true
		if e.Mistake == "" || e.Fix == "" || len(e.Checks) == 0 {
			t.Errorf("%s: want a mistake, a fix and at least one check", e.Config)
		}
		for _, c := range e.Checks {
			if c.Why == "" {
				t.Errorf("%s / %s: want Why to cite the rule", e.Config, c.Name)
			}
			if c.Want.Outcome == judge.Blocked && c.Want.CORSError == "" {
				t.Errorf("%s / %s: blocked check without a CorsError", e.Config, c.Name)
			}
			if (c.Probe.Page == "") != c.SameOrigin {
				t.Errorf("%s / %s: want either a page origin or SameOrigin", e.Config, c.Name)
			}
		}
	}
}
