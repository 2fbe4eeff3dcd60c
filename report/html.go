package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// The HTML report is one self-contained page: inline CSS and a few lines of
// inline JS, no external assets.
//
// The matrix has one <td class="cell ..."> per (origin, request) pair; the
// cell is coloured by its worst result and holds one
// <a class="probe" data-scenario="..."> per result, so every result has
// exactly one data-scenario anchor even where several share a cell. Empty
// pairs get a <td class="cell none">-</td> without an anchor. Each anchor
// links to the result's <details id="probe-N"> below the table (N is the
// result's 1-based position in Run.Results), closed by default. A click
// opens it and scrolls it into view; without JS the #probe-N fragment still
// scrolls to it, CSS :target highlights it and, in browsers that support
// ::details-content (Chrome 131+), shows its content.

type htmlPage struct {
	Run                             *Run
	Total, Passed, Failed, Security int
	Started, Duration               string
	Columns                         []htmlColumn
	Rows                            []htmlRow
	Probes                          []htmlProbe
	SecurityProbes                  []htmlProbe
}

type htmlColumn struct{ Key, Request string }

type htmlRow struct {
	Origin string
	Cells  []htmlCell
}

type htmlCell struct {
	Class  string // pass, fail, sec or none
	Probes []htmlProbe
}

type htmlProbe struct {
	ID      string
	Key     string // the column key of its request
	Verdict string // ok, FAIL, SEC
	Class   string // pass, fail, sec
	R       *Result
}

var verdictClass = map[string]string{"ok": "pass", "FAIL": "fail", "SEC": "sec", "-": "none"}

// WriteHTML writes the run as one self-contained HTML page: a header with
// target, policy, browser, time, counts and notes; the verdict matrix as a
// coloured table; the evidence of every result; and the policy text.
// Every value is escaped by html/template.
func WriteHTML(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	g := buildGrid(r)
	p := htmlPage{Run: r, Started: stamp(r.Started), Duration: r.Duration.Round(time.Millisecond).String()}
	p.Total, p.Passed, p.Failed, p.Security = r.Counts()

	key := map[string]string{}
	for i, q := range g.requests {
		key[q] = columnKey(i)
		p.Columns = append(p.Columns, htmlColumn{Key: columnKey(i), Request: q})
	}
	for i := range r.Results {
		x := &r.Results[i]
		v := x.Verdict()
		hp := htmlProbe{ID: fmt.Sprintf("probe-%d", i+1), Key: key[x.Request], Verdict: v, Class: verdictClass[v], R: x}
		p.Probes = append(p.Probes, hp)
		if x.SecurityFailure() {
			p.SecurityProbes = append(p.SecurityProbes, hp)
		}
	}
	for o, origin := range g.origins {
		row := htmlRow{Origin: origin}
		for q := range g.requests {
			idx := g.cells[o][q]
			c := htmlCell{Class: verdictClass[worst(r, idx)]}
			for _, i := range idx {
				c.Probes = append(c.Probes, p.Probes[i])
			}
			row.Cells = append(row.Cells, c)
		}
		p.Rows = append(p.Rows, row)
	}

	var buf bytes.Buffer
	if err := page.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"none":      orNone,
	"preflight": preflight,
	"status":    status,
	"join":      strings.Join,
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corsgate: {{none .Run.Target}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:80em;padding:0 1em;color:#1d1d1d}
h1{font-size:1.5em;margin:0 0 .4em}
h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}
dl.meta dt{color:#666}
dl.meta dd{margin:0}
.counts span{display:inline-block;padding:.15em .6em;border-radius:3px;margin-right:.4em;font-weight:600}
.counts .pass{background:#d7f5d7;color:#135c13}
.counts .fail{background:#fbd3d3;color:#8f1111}
.counts .sec{background:#7a0000;color:#fff}
.alarm{background:#7a0000;color:#fff;padding:.7em 1em;border-radius:4px;font-weight:700;margin:1em 0}
.alarm a{color:#fff}
ul.notes li{color:#7a4b00}
table.matrix{border-collapse:collapse;margin:.5em 0}
table.matrix th,table.matrix td{border:1px solid #ccc;padding:.3em .6em;text-align:center}
table.matrix th.origin{text-align:left;font-weight:500;font-family:ui-monospace,monospace}
td.cell.pass{background:#c9f0c9}
td.cell.fail{background:#f5b3b3}
td.cell.sec{background:#7a0000}
td.cell.none{background:#f3f3f3;color:#999}
a.probe{display:inline-block;margin:0 .1em;padding:0 .3em;border-radius:3px;text-decoration:none;font-weight:600}
a.probe.pass{color:#135c13;background:#e6fae6}
a.probe.fail{color:#8f1111;background:#fde4e4}
a.probe.sec{color:#fff;background:#4d0000;font-weight:900}
a.probe:hover{text-decoration:underline}
table.legend td{padding:.1em .8em .1em 0;font-family:ui-monospace,monospace}
details{border:1px solid #ccc;border-left-width:6px;border-radius:3px;margin:.4em 0;padding:.3em .7em}
details.pass{border-left-color:#3a3}
details.fail{border-left-color:#d33}
details.sec{border-left-color:#7a0000;background:#fff4f4}
details summary{cursor:pointer}
details summary .v{font-weight:700;margin-right:.5em}
details.sec summary .v{color:#7a0000}
details.fail summary .v{color:#b11}
details.pass summary .v{color:#262}
details:target{outline:3px solid #f5b400}
details:target::details-content{content-visibility:visible;display:block}
details dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}
details dt{color:#666}
details dd{margin:0}
pre{background:#f6f6f6;padding:.6em .8em;overflow:auto;white-space:pre-wrap;word-break:break-word;font:12.5px/1.4 ui-monospace,monospace;margin:.3em 0}
.hint{color:#7a4b00;font-weight:600}
</style>
</head>
<body>
<header>
<h1>corsgate CORS conformance report</h1>
<dl class="meta">
<dt>target</dt><dd>{{none .Run.Target}}</dd>
{{- if .Run.Address}}
<dt>address</dt><dd>{{.Run.Address}}</dd>
{{- end}}
{{- if .Run.ThirdPartyCookies}}
<dt>third-party cookies</dt><dd>{{.Run.ThirdPartyCookies}}</dd>
{{- end}}
<dt>policy</dt><dd>{{none .Run.Policy}}</dd>
<dt>browser</dt><dd>{{none .Run.Browser}}</dd>
<dt>started</dt><dd>{{.Started}}</dd>
<dt>duration</dt><dd>{{.Duration}}</dd>
</dl>
<p class="counts"><span>{{.Total}} scenarios</span><span class="pass">{{.Passed}} passed</span><span class="fail">{{.Failed}} failed</span><span class="sec">{{.Security}} security</span></p>
{{- if .SecurityProbes}}
<div class="alarm">{{len .SecurityProbes}} security failure(s): an origin can read what it must not.
<ul>{{range .SecurityProbes}}<li><a href="#{{.ID}}">{{.R.Scenario}}</a></li>{{end}}</ul></div>
{{- end}}
{{- if .Run.Notes}}
<h2>Notes</h2>
<ul class="notes">{{range .Run.Notes}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
</header>
<main>
<h2>Verdict matrix</h2>
{{- if .Rows}}
<table class="matrix">
<thead><tr><th>origin</th>{{range .Columns}}<th title="{{.Request}}">{{.Key}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr><th class="origin">{{none .Origin}}</th>{{range .Cells}}<td class="cell {{.Class}}">{{range .Probes}}<a class="probe {{.Class}}" data-scenario="{{.R.Scenario}}" href="#{{.ID}}" title="{{.R.Scenario}}: expected {{.R.Expected}}, observed {{.R.Observed}}">{{.Verdict}}</a>{{else}}-{{end}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
<table class="legend">
{{- range .Columns}}
<tr><td>{{.Key}}</td><td>{{none .Request}}</td></tr>
{{- end}}
</table>
{{- else}}
<p>No results.</p>
{{- end}}
<h2>Evidence</h2>
{{- range .Probes}}
<details id="{{.ID}}" class="{{.Class}}">
<summary><span class="v">{{.Verdict}}</span>{{.R.Scenario}}</summary>
<dl>
<dt>origin</dt><dd>{{none .R.Origin}}</dd>
<dt>request</dt><dd>{{none .R.Request}} ({{.Key}})</dd>
{{- if or .R.Method .R.URL}}
<dt>url</dt><dd>{{.R.Method}} {{.R.URL}}</dd>
{{- end}}
{{- if .R.Credentials}}
<dt>credentials</dt><dd>{{.R.Credentials}}</dd>
{{- end}}
{{- if .R.Labels}}
<dt>labels</dt><dd>{{join .R.Labels ", "}}</dd>
{{- end}}
{{- if .R.Spec}}
<dt>spec</dt><dd><a href="{{.R.Spec}}">{{.R.Spec}}</a></dd>
{{- end}}
<dt>expected</dt><dd>{{none .R.Expected}}</dd>
<dt>observed</dt><dd>{{none .R.Observed}}</dd>
<dt>cors error</dt><dd>{{none .R.CORSError}}{{if .R.FailedParameter}} (failedParameter "{{.R.FailedParameter}}"){{end}}</dd>
<dt>console</dt><dd>{{none .R.Console}}</dd>
<dt>preflight</dt><dd>{{preflight .R}}</dd>
<dt>status</dt><dd>{{status .R.Status}}</dd>
{{- if .R.Hint}}
<dt>hint</dt><dd class="hint">hint: {{.R.Hint}}</dd>
{{- end}}
</dl>
{{- if .R.ResponseHeaders}}
<pre>{{join .R.ResponseHeaders "\n"}}</pre>
{{- end}}
{{- if .R.Evidence}}
<pre>{{.R.Evidence}}</pre>
{{- end}}
</details>
{{- end}}
<h2>Policy{{if .Run.Policy}}: {{.Run.Policy}}{{end}}</h2>
{{- if .Run.PolicyText}}
<pre class="policy">{{.Run.PolicyText}}</pre>
{{- else}}
<p>No policy text.</p>
{{- end}}
</main>
<script>
(function () {
  function show(id) {
    var d = document.getElementById(id);
    if (!d || d.tagName !== "DETAILS") return;
    d.open = true;
    d.scrollIntoView({block: "start"});
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest('a[href^="#probe-"]') : null;
    if (a) show(a.getAttribute("href").slice(1));
  });
  function fromHash() { if (location.hash) show(decodeURIComponent(location.hash.slice(1))); }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
</script>
</body>
</html>
`
