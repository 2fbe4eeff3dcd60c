package lab

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/corsgate/corsgate/judge"
)

// PlaygroundPort is where make playground listens unless PORT says
// otherwise, and where the HTML report's "try it" links point (they work
// while the playground runs there; it refuses to start elsewhere without
// PORT=). It is the one home of the number: playground.DefaultPort is this
// constant (the playground imports lab, so lab cannot import it).
const PlaygroundPort = 8088

// PlaygroundLink is the playground's stable link to check i of e: it names
// the check by CheckSlug, so inserting a check does not renumber it (the
// playground still reads the older ?check=<index> form).
func (e EntryReport) PlaygroundLink(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d/?lab=%s&check=%s", PlaygroundPort,
		strings.TrimSuffix(e.Entry.Config, ".config"), CheckSlug(e.Checks[i].Check.Name))
}

// CheckSlug is a check's name as a link names it: lower case, every run of
// other characters than a-z and 0-9 one "-" ("the real origin is refused"
// is "the-real-origin-is-refused").
func CheckSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// Report is a lab run: for every configuration, what curl sees and what
// Chrome decides for each check.
type Report struct {
	Browser   string
	Flags     []string
	Generated time.Time
	Entries   []EntryReport
}

// EntryReport is one configuration's part of the report.
type EntryReport struct {
	Entry  Entry
	Config string // the web.config as written
	Checks []CheckReport
}

// CheckReport is one check's part of the report.
type CheckReport struct {
	Check  Check
	Curl   []CurlExchange
	Result *Result
	// Err is a harness failure (no verdict); Mismatch is a verdict that
	// differs from the catalogue's expectation.
	Err      string
	Mismatch string
}

// Passed counts the entry's checks that went as expected.
func (e EntryReport) Passed() int {
	n := 0
	for _, c := range e.Checks {
		if c.OK() {
			n++
		}
	}
	return n
}

// OK reports whether Chrome decided as the catalogue expects.
func (c CheckReport) OK() bool { return c.Err == "" && c.Mismatch == "" }

// Chrome is Chrome's decision in a few words.
func (c CheckReport) Chrome() string {
	if c.Err != "" {
		return "error: " + c.Err
	}
	var parts []string
	for i, o := range c.Result.Observations {
		s := judge.Describe(o)
		if i > 0 {
			s = "again: " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// Console is Chrome's console message for the check, if it printed one.
func (c CheckReport) Console() string {
	if c.Result == nil {
		return ""
	}
	for _, o := range c.Result.Observations {
		if m := o.CORSConsole(); m != "" {
			return m
		}
	}
	return ""
}

// CurlLines is what the curl-like client saw, one line per request.
func (c CheckReport) CurlLines() []string {
	var ls []string
	for _, ex := range c.Curl {
		if ex.Err != "" {
			ls = append(ls, ex.Request+" -> "+ex.Err)
			continue
		}
		h := "no CORS headers"
		if len(ex.CORS) > 0 {
			h = strings.Join(ex.CORS, " | ")
		}
		ls = append(ls, fmt.Sprintf("%s -> %d [%s]", ex.Request, ex.Status, h))
	}
	return ls
}

// Short is "OPTIONS 204, ACAO https://a" or "GET 200, no ACAO": the method,
// the status and every Access-Control-Allow-Origin value curl saw.
func (ex CurlExchange) Short() string {
	method, _, _ := strings.Cut(ex.Request, " ")
	if ex.Err != "" {
		return method + " failed"
	}
	var acao []string
	for _, l := range ex.CORS {
		if v, ok := strings.CutPrefix(l, "Access-Control-Allow-Origin: "); ok {
			acao = append(acao, v)
		}
	}
	if len(acao) == 0 {
		return fmt.Sprintf("%s %d, no ACAO", method, ex.Status)
	}
	return fmt.Sprintf("%s %d, ACAO %s", method, ex.Status, strings.Join(acao, " + "))
}

// Failures counts the checks where Chrome did not decide as expected, or
// that could not run.
func (r *Report) Failures() int {
	n := 0
	for _, e := range r.Entries {
		for _, c := range e.Checks {
			if !c.OK() {
				n++
			}
		}
	}
	return n
}

// WriteText prints the report for a terminal.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "corsgate IIS lab — %s\n", r.Browser)
	for _, e := range r.Entries {
		fmt.Fprintf(w, "\n== %s\n   mistake: %s\n   fix:     %s\n", e.Entry.Config, e.Entry.Mistake, e.Entry.Fix)
		for _, c := range e.Checks {
			mark := "ok  "
			if !c.OK() {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "   %s %s\n", mark, c.Check.Name)
			for _, l := range c.CurlLines() {
				fmt.Fprintf(w, "        curl:    %s\n", l)
			}
			fmt.Fprintf(w, "        chrome:  %s\n", c.Chrome())
			if m := c.Console(); m != "" {
				fmt.Fprintf(w, "        console: %s\n", m)
			}
			if c.Mismatch != "" {
				fmt.Fprintf(w, "        UNEXPECTED: %s (why expected: %s)\n", c.Mismatch, c.Check.Why)
			}
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONFIGURATION\tCHECK\tCURL SEES\tCHROME DECIDES\t")
	for _, e := range r.Entries {
		for _, c := range e.Checks {
			var curl []string
			for _, ex := range c.Curl {
				curl = append(curl, ex.Short())
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", strings.TrimSuffix(e.Entry.Config, ".config"), c.Check.Name, strings.Join(curl, "; "), c.Chrome())
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\n%d configurations, %d checks, %d not as expected\n", len(r.Entries), r.checks(), r.Failures())
}

func (r *Report) checks() int {
	n := 0
	for _, e := range r.Entries {
		n += len(e.Checks)
	}
	return n
}

// WriteHTML writes a self-contained page (no external assets); every value
// is escaped by html/template.
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("lab").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>corsgate IIS lab</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
h1{font-size:1.6em}h2{font-size:1.15em;margin-top:2.2em;font-family:ui-monospace,monospace}
.mistake{font-weight:600}.fix{color:#155724}
table{border-collapse:collapse;width:100%;margin-top:.6em;table-layout:fixed}
table.checks th:nth-child(1){width:14%}table.checks th:nth-child(2){width:27%}table.checks th:nth-child(3){width:16%}table.checks th:nth-child(4){width:25%}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.curl,td.console,pre{font-family:ui-monospace,monospace;font-size:12.5px}
td.ok{background:#e7f6ea}td.fail{background:#fbe4e4}
.blocked{color:#a40000}.readable{color:#155724}
pre{background:#f8f8f8;border:1px solid #ddd;padding:.6em;overflow:auto}
details{margin:.4em 0}
</style></head><body>
<h1>corsgate IIS lab</h1>
<p>Each IIS configuration below reproduces one mistake of the field guide (or its correct counterpart).
For every check: what a curl-like client sees (it applies no CORS rule), what Chrome decides, and Chrome's own console message.
Browser: <code>{{.Browser}}</code>. Generated {{.Generated.Format "2006-01-02 15:04 MST"}}.
"Try it" opens the check in the teaching playground, where you can change the web.config and the request: run <code>make playground</code> first (the links assume its default port, 8088).</p>
<table><tr><th style="width:30%">configuration</th><th>mistake (or counterpart)</th><th style="width:12%">checks as expected</th></tr>
{{range .Entries}}<tr><td><a href="#{{.Entry.Config}}">{{.Entry.Config}}</a></td><td>{{.Entry.Mistake}}</td><td>{{.Passed}} / {{len .Checks}}</td></tr>
{{end}}</table>
{{range .Entries}}
<h2 id="{{.Entry.Config}}">{{.Entry.Config}}</h2>
<p class="mistake">{{.Entry.Mistake}}</p>
<p class="fix">Fix: {{.Entry.Fix}}</p>
<details open><summary>web.config</summary><pre>{{.Config}}</pre></details>
<table class="checks"><tr><th>check</th><th>what curl sees</th><th>what Chrome decides</th><th>console message</th><th>why</th></tr>
{{$e := .}}{{range $i, $c := .Checks}}{{with $c}}<tr>
<td class="{{if .OK}}ok{{else}}fail{{end}}">{{.Check.Name}}{{if .Mismatch}}<br><b>unexpected: {{.Mismatch}}</b>{{end}}<br><a href="{{$e.PlaygroundLink $i}}">try it</a></td>
<td class="curl">{{range .CurlLines}}{{.}}<br>{{end}}</td>
<td>{{.Chrome}}</td>
<td class="console">{{.Console}}</td>
<td>{{.Check.Why}}</td>
</tr>{{end}}{{end}}
</table>
{{end}}
</body></html>
`))
