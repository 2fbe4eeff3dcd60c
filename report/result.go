// Package report renders the results of a corsgate conformance run: a
// plain-ASCII verdict matrix for the console and CI logs, JSON, JUnit XML
// for CI test reporting, and one self-contained HTML page with the evidence
// behind every verdict.
//
// The package only renders; it knows nothing of the harness. Callers fill a
// Run with plain data (secrets already redacted) and pick the formats.
package report

import (
	"strconv"
	"time"
)

// Run is one conformance run against one target with one policy.
type Run struct {
	Target     string        `json:"target"`
	Policy     string        `json:"policy"` // the policy file name
	Browser    string        `json:"browser"`
	PolicyText string        `json:"policyText"` // the policy as YAML, secrets already redacted (shown in the HTML report)
	Started    time.Time     `json:"started"`
	Duration   time.Duration `json:"duration"` // nanoseconds in JSON
	Results    []Result      `json:"results"`
	Notes      []string      `json:"notes"` // e.g. "maxAge 86400 is above Chrome's cap of 7200 s"
	// Address is where the build was reached (ADDRESS), "" when Target
	// was probed as it resolves.
	Address string `json:"address,omitempty"`
	// ThirdPartyCookies is the run's third-party cookie mode.
	ThirdPartyCookies string `json:"thirdPartyCookies,omitempty"`
}

// Result is Chrome's verdict on one scenario, compared with the expectation.
type Result struct {
	Scenario    string   `json:"scenario"` // stable kebab-case name
	Labels      []string `json:"labels"`   // preflight, credentials, origins, security, cache, errors
	Spec        string   `json:"spec"`     // Fetch standard URL the scenario checks
	Origin      string   `json:"origin"`   // the page origin the request came from
	Request     string   `json:"request"`  // column label in the matrix, e.g. "PUT /api/orders +cred"
	Method      string   `json:"method"`
	URL         string   `json:"url"`
	Credentials string   `json:"credentials"`
	Expected    string   `json:"expected"` // e.g. "readable", "blocked", "blocked: PreflightInvalidStatus", "403"
	Observed    string   `json:"observed"`
	Pass        bool     `json:"pass"`
	// Security marks a failure that lets an origin read what it must not.
	// It only counts when Pass is false.
	Security        bool     `json:"security"`
	CORSError       string   `json:"corsError"`
	FailedParameter string   `json:"failedParameter"`
	Preflight       string   `json:"preflight"` // sent | cached | not-needed | not-reached
	PreflightStatus int      `json:"preflightStatus"`
	Status          int      `json:"status"`          // raw status of the actual response (0 when not sent)
	ResponseHeaders []string `json:"responseHeaders"` // raw CORS-relevant response header lines, secrets redacted
	Console         string   `json:"console"`         // Chrome's console message
	Hint            string   `json:"hint"`            // one-line hint where the cause is recognisable
	// CookiesSent are the cookies Chrome sent on the actual request;
	// CookiesBlocked those it withheld, "name: Chrome's reasons" (names
	// only: values never appear in reports).
	CookiesSent    []string `json:"cookiesSent,omitempty"`
	CookiesBlocked []string `json:"cookiesBlocked,omitempty"`
	Evidence       string   `json:"evidence"` // the full multi-line evidence text
}

// SecurityFailure reports whether the result is a failure that lets an
// origin read what it must not.
func (x *Result) SecurityFailure() bool { return !x.Pass && x.Security }

// Verdict is the matrix cell text: "ok", "FAIL" or "SEC".
func (x *Result) Verdict() string {
	switch {
	case x.Pass:
		return "ok"
	case x.Security:
		return "SEC"
	default:
		return "FAIL"
	}
}

// severity orders verdicts: the worst result decides a shared cell.
func (x *Result) severity() int {
	switch {
	case x.Pass:
		return 1
	case x.Security:
		return 3
	default:
		return 2
	}
}

// Counts returns the number of results, passes, failures, and failures that
// are security failures (security is part of failed).
func (r *Run) Counts() (total, passed, failed, security int) {
	if r == nil {
		return 0, 0, 0, 0
	}
	for i := range r.Results {
		x := &r.Results[i]
		total++
		if x.Pass {
			passed++
			continue
		}
		failed++
		if x.Security {
			security++
		}
	}
	return total, passed, failed, security
}

// Origins returns the distinct origins in first-seen order.
func (r *Run) Origins() []string {
	return r.distinct(func(x *Result) string { return x.Origin })
}

// Requests returns the distinct requests (matrix columns) in first-seen
// order.
func (r *Run) Requests() []string {
	return r.distinct(func(x *Result) string { return x.Request })
}

func (r *Run) distinct(f func(*Result) string) []string {
	if r == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i := range r.Results {
		s := f(&r.Results[i])
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Failures returns the indexes into r.Results of the failed results,
// security failures first, each group in run order.
func (r *Run) Failures() []int {
	if r == nil {
		return nil
	}
	var sec, other []int
	for i := range r.Results {
		x := &r.Results[i]
		switch {
		case x.Pass:
		case x.Security:
			sec = append(sec, i)
		default:
			other = append(other, i)
		}
	}
	return append(sec, other...)
}

// grid places results in the origin x request matrix.
type grid struct {
	origins  []string
	requests []string
	cells    [][][]int // [origin][request] -> indexes into Run.Results, run order
}

func buildGrid(r *Run) grid {
	g := grid{origins: r.Origins(), requests: r.Requests()}
	oi := map[string]int{}
	for i, o := range g.origins {
		oi[o] = i
	}
	ri := map[string]int{}
	for i, q := range g.requests {
		ri[q] = i
	}
	g.cells = make([][][]int, len(g.origins))
	for i := range g.cells {
		g.cells[i] = make([][]int, len(g.requests))
	}
	if r == nil {
		return g
	}
	for i := range r.Results {
		x := &r.Results[i]
		o, q := oi[x.Origin], ri[x.Request]
		g.cells[o][q] = append(g.cells[o][q], i)
	}
	return g
}

// worst returns the verdict of the worst result among idx, or "-" when
// there is none.
func worst(r *Run, idx []int) string {
	best := -1
	for _, i := range idx {
		if best < 0 || r.Results[i].severity() > r.Results[best].severity() {
			best = i
		}
	}
	if best < 0 {
		return "-"
	}
	return r.Results[best].Verdict()
}

// columnKey is the short matrix column name of the i-th request.
func columnKey(i int) string { return "R" + strconv.Itoa(i+1) }
