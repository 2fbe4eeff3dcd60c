package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Matrix writes the console verdict matrix: one row per origin, one column
// per request (short keys R1, R2, ... with a legend below), each cell "ok",
// "FAIL", "SEC" (security failure) or "-" (no scenario). A cell with several
// results shows the worst of them. Then the summary line and every failure,
// security failures first. The output is plain text without colours; control
// characters in the data are replaced so they cannot drive a terminal.
func Matrix(w io.Writer, r *Run) {
	if r == nil {
		r = &Run{}
	}
	g := buildGrid(r)

	fmt.Fprintf(w, "corsgate: target %s, policy %s, browser %s\n", orNone(r.Target), orNone(r.Policy), orNone(r.Browser))
	if r.Address != "" || r.ThirdPartyCookies != "" {
		fmt.Fprintf(w, "address %s, third-party cookies %s\n", orNone(r.Address), orNone(r.ThirdPartyCookies))
	}
	if !r.Started.IsZero() || r.Duration != 0 {
		fmt.Fprintf(w, "started %s, took %s\n", stamp(r.Started), r.Duration.Round(time.Millisecond))
	}
	fmt.Fprintln(w)

	if len(g.origins) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "origin")
		for i := range g.requests {
			fmt.Fprint(tw, "\t", columnKey(i))
		}
		fmt.Fprintln(tw)
		for o, origin := range g.origins {
			fmt.Fprint(tw, cell(orNone(origin)))
			for q := range g.requests {
				fmt.Fprint(tw, "\t", worst(r, g.cells[o][q]))
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
		fmt.Fprintln(w)

		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, q := range g.requests {
			fmt.Fprintf(tw, "%s\t%s\n", columnKey(i), cell(orNone(q)))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}

	total, passed, failed, security := r.Counts()
	fmt.Fprintf(w, "%d scenarios, %d passed, %d failed (%d security)\n", total, passed, failed, security)
	for _, n := range r.Notes {
		writeField(w, "", "note: ", n)
	}

	fails := r.Failures()
	if len(fails) == 0 {
		return
	}
	key := map[string]string{}
	for i, q := range g.requests {
		key[q] = columnKey(i)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "FAILURES (security first)")
	for n, i := range fails {
		x := &r.Results[i]
		kind := "FAIL"
		if x.Security {
			kind = "SECURITY FAIL (origin can read what it must not)"
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%d/%d %s: %s\n", n+1, len(fails), kind, clean(x.Scenario))
		const ind = "    "
		writeField(w, ind, "origin:      ", orNone(x.Origin))
		writeField(w, ind, "request:     ", orNone(x.Request)+" ("+key[x.Request]+")")
		if x.Method != "" || x.URL != "" {
			writeField(w, ind, "url:         ", strings.TrimSpace(x.Method+" "+x.URL))
		}
		if x.Credentials != "" {
			writeField(w, ind, "credentials: ", x.Credentials)
		}
		writeField(w, ind, "expected:    ", orNone(x.Expected))
		writeField(w, ind, "observed:    ", orNone(x.Observed))
		corsErr := orNone(x.CORSError)
		if x.FailedParameter != "" {
			corsErr += fmt.Sprintf(" (failedParameter %q)", x.FailedParameter)
		}
		writeField(w, ind, "cors error:  ", corsErr)
		writeField(w, ind, "console:     ", orNone(x.Console))
		writeField(w, ind, "preflight:   ", preflight(x))
		writeField(w, ind, "status:      ", status(x.Status))
		if len(x.ResponseHeaders) == 0 {
			writeField(w, ind, "headers:     ", "(none)")
		} else {
			writeField(w, ind, "headers:     ", strings.Join(x.ResponseHeaders, "\n"))
		}
		if x.Spec != "" {
			writeField(w, ind, "spec:        ", x.Spec)
		}
		if x.Hint != "" {
			writeField(w, ind, "hint: ", x.Hint)
		}
	}
}

// writeField writes indent+label+value, continuing multi-line values
// aligned under the first line.
func writeField(w io.Writer, indent, label, value string) {
	pad := indent + strings.Repeat(" ", len(label))
	for i, line := range strings.Split(strings.TrimRight(value, "\n"), "\n") {
		if i == 0 {
			fmt.Fprintf(w, "%s%s%s\n", indent, label, clean(line))
		} else {
			fmt.Fprintf(w, "%s%s\n", pad, clean(line))
		}
	}
}

// clean makes one line safe for a terminal or CI log: tabs become spaces,
// other control characters (including ESC) become '?'.
func clean(s string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			return ' '
		case c < 0x20 || (c >= 0x7f && c < 0xa0):
			return '?'
		}
		return c
	}, s)
}

// cell is clean for a tabwriter cell.
func cell(s string) string { return clean(s) }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func preflight(x *Result) string {
	s := orNone(x.Preflight)
	if x.PreflightStatus != 0 {
		s += fmt.Sprintf(", status %d", x.PreflightStatus)
	}
	return s
}

func status(n int) string {
	if n == 0 {
		return "0 (not sent)"
	}
	return fmt.Sprint(n)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "(unknown)"
	}
	return t.Format(time.RFC3339)
}
