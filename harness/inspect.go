package harness

import (
	"context"
	"fmt"

	"github.com/chromedp/chromedp"
)

// Inspect opens url in a tab of its own browser context, evaluates js (an
// expression; a promise is awaited) and returns its JSON result. It is for
// checking corsgate's own artefacts, such as an HTML report, in the browser.
func (e *Env) Inspect(ctx context.Context, url, js string) ([]byte, error) {
	tabCtx, cancel := chromedp.NewContext(e.Browser.context(), chromedp.WithNewBrowserContext())
	defer cancel()
	runCtx, runCancel := bounded(tabCtx, ctx, e.cfg.ProbeTimeout)
	defer runCancel()
	if err := chromedp.Do(runCtx, chromedp.Navigate(url)); err != nil {
		return nil, fmt.Errorf("%w: loading %s: %v", ErrPage, url, err)
	}
	out, err := chromedp.Run(runCtx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("%w: evaluating in %s: %v", ErrPage, url, err)
	}
	return out, nil
}
