package origins

import (
	_ "embed"
	"net/http"
	"strings"
)

// PagePath is where every origin serves its probe page.
const PagePath = "/__corsgate/page"

//go:embed pages/probe.js
var probeJS string

const pageHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>corsgate probe page</title>
<link rel="icon" href="data:,">
<script>
` + "%PROBE%" + `
</script></head>
<body><p>corsgate probe page. Probes run from this origin.</p></body></html>
`

// PageHandler serves the probe page on every host. The page defines
// window.__corsgate.run(probe), which performs one fetch or XHR exactly as
// described and reports what JavaScript could see.
//
// With ?sandbox=1 the page is served with "Content-Security-Policy: sandbox
// allow-scripts", which gives the document an opaque origin in the main frame
// (so DevTools events stay on the same target), and its requests carry
// "Origin: null".
func PageHandler() http.Handler {
	page := strings.Replace(pageHTML, "%PROBE%", probeJS, 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != PagePath {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		if r.URL.Query().Get("sandbox") == "1" {
			h.Set("Content-Security-Policy", "sandbox allow-scripts")
		}
		_, _ = w.Write([]byte(page))
	})
}
