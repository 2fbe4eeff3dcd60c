package playground

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/lab"
	"github.com/corsgate/corsgate/playground"
	"github.com/corsgate/corsgate/suites/kit"
)

// port hides the emulated server's port, which differs between the lab's
// run and the playground's: Chrome's console message names the URL.
var port = regexp.MustCompile(`api\.localhost:\d+`)

func samePort(s string) string { return port.ReplaceAllString(s, "api.localhost:PORT") }

// labSays runs the lab's own check through the lab package, as make lab
// does, and returns its report line and console message.
func labSays(ctx SpecContext, e lab.Entry, c lab.Check) (chrome, console string) {
	srv, err := lab.Serve(configDir, e)
	Expect(err).NotTo(HaveOccurred())
	defer srv.Close()
	r, err := srv.Run(ctx, env, c)
	Expect(err).NotTo(HaveOccurred())
	cr := lab.CheckReport{Check: c, Result: r}
	return cr.Chrome(), cr.Console()
}

func fixOf(config string) *playground.LabFix {
	for _, f := range playground.Fixes {
		if f.Config == config {
			return &f
		}
	}
	return nil
}

var _ = Describe("every lab case, through the playground's page", func() {
	for _, e := range lab.Catalogue {
		name := strings.TrimSuffix(e.Config, ".config")
		for i, c := range e.Checks {
			It(fmt.Sprintf("%s check %d (%s): the page shows make lab's verdict and console message", name, i, c.Name), func(ctx SpecContext) {
				link := fmt.Sprintf("%s/?lab=%s&check=%s", root, name, lab.CheckSlug(c.Name))
				// The lab's run and the page's share the browser, each in a
				// browser context of its own, so they run side by side.
				type said struct{ chrome, console string }
				lab := make(chan said, 1)
				go func() {
					defer GinkgoRecover()
					chrome, console := labSays(ctx, e, c)
					lab <- said{chrome, console}
				}()

				open(link)
				before := pg.Runs()
				got := run()
				Expect(got.State).To(Equal("done"), "page status: %s", got.Status)
				Expect(pg.Runs()).To(Equal(before + 1))
				want := <-lab
				Expect(got.Chrome).To(Equal(want.chrome), "opened %s", link)
				Expect(samePort(got.Console)).To(Equal(samePort(want.console)))
				Expect(got.Expected).To(HavePrefix("As the lab expects"))
				// An unchanged case keeps its stable link.
				Expect(got.URL).To(Equal(link))

				if f := fixOf(name); f != nil && f.Check == i {
					By("applying the lab's fix with one click: " + e.Fix)
					Expect(got.CanFix).To(BeTrue(), "no apply-the-fix button")
					eval(`document.getElementById("apply-fix").click()`)
					fixed := run()
					Expect(fixed.State).To(Equal("done"), "page status: %s", fixed.Status)
					Expect(fixed.Chrome).To(HavePrefix(f.After), "after the fix")
					Expect(fixed.URL).To(ContainSubstring("#s="), "an edited case lives in the URL")
				}
			}, SpecTimeout(60*time.Second))
		}
	}
})

var _ = Describe("links", func() {
	It("an older ?check=<index> link opens the same case, under its stable ?check=<slug> link", func(ctx SpecContext) {
		e := lab.Catalogue[0]
		name := strings.TrimSuffix(e.Config, ".config")
		last := len(e.Checks) - 1
		open(fmt.Sprintf("%s/?lab=%s&check=%d", root, name, last))
		Expect(read().URL).To(Equal(fmt.Sprintf("%s/?lab=%s&check=%s", root, name, lab.CheckSlug(e.Checks[last].Name))))
		open(fmt.Sprintf("%s/?lab=%s&check=no-such-check", root, name))
		Expect(read().Status).To(ContainSubstring("No lab case " + name + " check no-such-check"))
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("editing a case", func() {
	It("removing the trailing slash from the customHeaders origin turns AllowOriginMismatch into readable, and the link reproduces it", func(ctx SpecContext) {
		open(root + "/?lab=customheaders-trailing-slash&check=0")
		Expect(run().Chrome).To(HavePrefix("blocked: AllowOriginMismatch"))

		eval(`(() => { const t = document.getElementById("config");
			t.value = t.value.replace('value="https://app.example.com/"', 'value="https://app.example.com"');
			t.dispatchEvent(new Event("input")); })()`)
		edited := run()
		Expect(edited.Chrome).To(MatchRegexp(`^readable\b.*\b200\b`))
		Expect(edited.Console).To(BeEmpty())
		Expect(edited.Expected).To(BeEmpty(), "the lab's expectation no longer applies")

		By("opening the edited case's link in a fresh page")
		Expect(chromedp.Do(driver, chromedp.Navigate("about:blank"))).To(Succeed())
		open(edited.URL)
		again := run()
		Expect(again.Chrome).To(Equal(edited.Chrome))
		Expect(again.URL).To(Equal(edited.URL))
	}, SpecTimeout(60*time.Second))

	It("a broken web.config shows the parser's error with its line, and nothing runs", func(ctx SpecContext) {
		open(root + "/")
		broken := "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <system.webServer>\n    <httpProtocol>\n      <customHeaders>\n        <add name=\"Access-Control-Allow-Origin\" value=\"https://app.example.com\" \n      </customHeaders>\n    </httpProtocol>\n  </system.webServer>\n</configuration>\n"
		eval(fmt.Sprintf(`(() => { const t = document.getElementById("config"); t.value = %q; t.dispatchEvent(new Event("input")); })()`, broken))
		before := pg.Runs()
		got := run()
		Expect(got.State).To(Equal("refused"))
		Expect(got.HasResult).To(BeFalse(), "no verdict may be shown")
		Expect(pg.Runs()).To(Equal(before), "nothing may run in the browser")
		Expect(got.ConfigError).To(MatchRegexp(`line 7\b`))
		Expect(got.ErrorLine).To(Equal("7"))
		Expect(got.Status).To(ContainSubstring("Nothing ran"))
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("the README's screenshot", func() {
	// Every run writes reports/playground.png; UPDATE_SCREENSHOT=1 (make
	// screenshot) writes the README's docs/playground.png instead. The
	// picture shows ports and timings, so writing it on every run would
	// leave the tracked file changed after each make test.
	It("is the playground after running the trailing-slash case, saved to reports/ (docs/ with UPDATE_SCREENSHOT=1)", func(ctx SpecContext) {
		open(root + "/?lab=customheaders-trailing-slash&check=0")
		Expect(run().State).To(Equal("done"))
		png, err := chromedp.Run(driver, chromedp.FullScreenshot(100))
		Expect(err).NotTo(HaveOccurred())
		Expect(png[:8]).To(Equal([]byte("\x89PNG\r\n\x1a\n")))
		dir, err := kit.ReportsDir("")
		Expect(err).NotTo(HaveOccurred())
		if os.Getenv("UPDATE_SCREENSHOT") != "" {
			repo, err := kit.RepoRoot()
			Expect(err).NotTo(HaveOccurred())
			dir = filepath.Join(repo, "docs")
		}
		Expect(os.WriteFile(filepath.Join(dir, "playground.png"), png, 0o644)).To(Succeed())
	}, SpecTimeout(30*time.Second))
})

var _ = Describe("sequences", func() {
	It(`"then from another origin" shows the shared HTTP cache serving one origin's echo to another until Vary: Origin is sent`, func(ctx SpecContext) {
		open(root + "/?lab=rewrite-echo-anchored&check=0")
		// A cacheable response whose Access-Control-Allow-Origin echoes the
		// request's origin, and no Vary: Origin (the lint finding).
		eval(`(() => { const t = document.getElementById("config");
			t.value = t.value.replace('<add name="Access-Control-Allow-Headers" value="Content-Type" />',
				'<add name="Access-Control-Allow-Headers" value="Content-Type" />\n        <add name="Cache-Control" value="max-age=600" />');
			t.dispatchEvent(new Event("input"));
			document.getElementById("method").value = "GET";
			document.getElementById("bodyType").value = "";
			document.getElementById("credentials").value = "omit";
			document.querySelector('input[name=sequence][value="then-from"]').checked = true;
			document.getElementById("second").value = "https://admin.example.com";
			document.getElementById("second").dispatchEvent(new Event("change")); })()`)
		noVary := run()
		Expect(noVary.State).To(Equal("done"), "page status: %s", noVary.Status)
		Expect(noVary.Chrome).To(MatchRegexp(`^readable\b[^;]*; again: blocked: AllowOriginMismatch \(?"https://app\.example\.com"`))

		eval(`(() => { const t = document.getElementById("config");
			t.value = t.value.replace('<add name="Cache-Control" value="max-age=600" />',
				'<add name="Cache-Control" value="max-age=600" />\n        <add name="Vary" value="Origin" />');
			t.dispatchEvent(new Event("input")); })()`)
		vary := run()
		Expect(vary.Chrome).To(MatchRegexp(`^readable\b[^;]*; again: readable\b`))
	}, SpecTimeout(60*time.Second))
})

var _ = Describe("page origins", func() {
	It("an opaque page sends Origin: null and an http downgrade is a different origin", func(ctx SpecContext) {
		open(root + "/?lab=customheaders-exact-origin-options-handler&check=3")
		pick := func(origin string) {
			eval(fmt.Sprintf(`(() => { const o = document.getElementById("origin"); o.value = %q; o.dispatchEvent(new Event("change")); })()`, origin))
		}
		pick("opaque")
		null := run()
		Expect(null.State).To(Equal("done"), "page status: %s", null.Status)
		Expect(null.Chrome).To(HavePrefix(`blocked: AllowOriginMismatch`))
		Expect(null.Console).To(ContainSubstring(`from origin 'null'`))

		pick(playground.Downgrade)
		down := run()
		Expect(down.Chrome).To(HavePrefix(`blocked: AllowOriginMismatch`))
		Expect(down.Console).To(ContainSubstring(`from origin 'http://app.example.com'`))

		pick("https://app.example.com")
		Expect(run().Chrome).To(HavePrefix("readable"))
	}, SpecTimeout(60*time.Second))
})

var _ = Describe("redirects off the emulated server", func() {
	// A pasted web.config may redirect anywhere; the playground's browser
	// follows redirects and resolves every host but the page origins
	// normally, so a Location off the emulated server must never be
	// followed. The recording listener stands for "any host".
	It("a Redirect rule or a 3xx CustomResponse to another host never reaches it, and the page says what IIS sent", func(ctx SpecContext) {
		var hits atomic.Int64
		elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}))
		DeferCleanup(elsewhere.Close)
		away := elsewhere.URL + "/steal"

		// Both answers carry Access-Control-Allow-Origin: *, so the redirect
		// itself passes the CORS check and Chrome would follow it
		// (https://fetch.spec.whatwg.org/#http-redirect-fetch).
		configs := []struct{ what, config string }{
			{"Redirect rule", `<configuration><system.webServer>
  <rewrite><rules><rule name="away" stopProcessing="true"><match url=".*" />
    <action type="Redirect" url="` + away + `" redirectType="Found" /></rule></rules></rewrite>
  <httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*" /></customHeaders></httpProtocol>
</system.webServer></configuration>`},
			{"CustomResponse with a Location", `<configuration><system.webServer>
  <rewrite><rules><rule name="moved" stopProcessing="true"><match url=".*" />
    <action type="CustomResponse" statusCode="307" statusReason="Moved Away" statusDescription="moved" /></rule></rules></rewrite>
  <httpProtocol><customHeaders>
    <add name="Access-Control-Allow-Origin" value="*" />
    <add name="Location" value="` + away + `" />
  </customHeaders></httpProtocol>
</system.webServer></configuration>`},
		}
		for _, c := range configs {
			By(c.what)
			open(root + "/?lab=customheaders-trailing-slash&check=0")
			eval(fmt.Sprintf(`(() => { const t = document.getElementById("config"); t.value = %q; t.dispatchEvent(new Event("input"));
				document.getElementById("credentials").value = "omit"; })()`, c.config))
			got := run()
			Expect(got.State).To(Equal("done"), "page status: %s", got.Status)
			Expect(hits.Load()).To(BeZero(), "Chrome followed the redirect to %s", away)
			notice, err := chromedp.Run(driver, chromedp.Evaluate[string](`(document.getElementById("offhost") || {}).textContent || ""`))
			Expect(err).NotTo(HaveOccurred())
			Expect(notice).To(ContainSubstring("does not follow redirects off its own server"))
			Expect(notice).To(ContainSubstring("Location: " + away))
		}
	}, SpecTimeout(60*time.Second))
})
