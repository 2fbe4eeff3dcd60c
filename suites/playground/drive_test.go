package playground

import (
	"encoding/json"
	"fmt"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
)

// shown is what the page shows after a run.
type shown struct {
	State     string `json:"state"` // done | refused
	Status    string `json:"status"`
	Chrome    string `json:"chrome"`
	Console   string `json:"console"`
	HasResult bool   `json:"hasResult"`
	Expected  string `json:"expected"`
	// ConfigError is the text beside the editor, ErrorLine the gutter line
	// marked bad.
	ConfigError string `json:"configError"`
	ErrorLine   string `json:"errorLine"`
	CanFix      bool   `json:"canFix"`
	URL         string `json:"url"`
}

// open loads a playground URL in the driving tab and waits for the page.
func open(url string) {
	Expect(chromedp.Do(driver, chromedp.Navigate(url))).To(Succeed())
	wait(`document.body.dataset.ready === "true"`)
}

// wait polls cond (JavaScript) every 20 ms for up to 30 s.
func wait(cond string) {
	q, _ := json.Marshal(cond)
	quoted := string(q)
	js := fmt.Sprintf(`new Promise((ok, no) => { const t0 = Date.now(); const t = setInterval(() => {
		if (%s) { clearInterval(t); ok(true); } else if (Date.now() - t0 > 30000) { clearInterval(t); no(new Error("timed out waiting for: " + %s)); } }, 20); })`, cond, quoted)
	_, err := chromedp.Run(driver, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
	Expect(err).NotTo(HaveOccurred())
}

// eval runs JavaScript in the page.
func eval(js string) {
	_, err := chromedp.Run(driver, chromedp.Evaluate[any](js))
	Expect(err).NotTo(HaveOccurred())
}

// run clicks "Run in Chrome" and returns what the page then shows.
func run() shown {
	eval(`document.getElementById("run").click()`)
	wait(`["done", "refused"].includes(document.getElementById("result").dataset.state)`)
	return read()
}

func read() shown {
	s, err := chromedp.Run(driver, chromedp.Evaluate[shown](`(() => {
		const t = (id) => { const e = document.getElementById(id); return e ? e.textContent : ""; };
		const bad = document.querySelector("#gutter .bad");
		return {
			state: document.getElementById("result").dataset.state, status: t("status"),
			chrome: t("chrome"), console: document.querySelector("pre#console") ? t("console") : "",
			hasResult: !!document.getElementById("chrome"), expected: t("expected"),
			configError: document.getElementById("config-error").hidden ? "" : t("config-error"),
			errorLine: bad ? bad.dataset.line : "", canFix: !!document.getElementById("apply-fix"),
			url: location.href,
		};
	})()`))
	Expect(err).NotTo(HaveOccurred())
	return s
}
