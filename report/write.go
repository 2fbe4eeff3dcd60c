package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

var errNilRun = errors.New("report: nil run")

// WriteJSON writes the run as indented JSON (the Run and Result field
// names in lowerCamelCase; the duration in nanoseconds).
func WriteJSON(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

// JUnit XML, the dialect Jenkins, GitLab and GitHub test reporters accept.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the run as JUnit XML: one testsuite "corsgate" with
// properties target, policy and browser, one testcase per result
// (classname = origin, name = scenario) and, for a failure, a
// <failure type="cors" message="expected X, observed Y"> holding the
// evidence (led by a SECURITY line for security failures). Per-probe
// timings are not recorded, so testcase time is 0; the suite carries the
// run's duration. Notes go to the suite's system-out.
func WriteJUnit(w io.Writer, r *Run) error {
	if r == nil {
		return errNilRun
	}
	total, _, failed, _ := r.Counts()
	secs := fmt.Sprintf("%.3f", r.Duration.Seconds())
	suite := junitSuite{
		Name:     "corsgate",
		Tests:    total,
		Failures: failed,
		Time:     secs,
		Properties: []junitProperty{
			{Name: "target", Value: r.Target},
			{Name: "policy", Value: r.Policy},
			{Name: "browser", Value: r.Browser},
		},
		SystemOut: strings.Join(r.Notes, "\n"),
	}
	if !r.Started.IsZero() {
		suite.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for i := range r.Results {
		x := &r.Results[i]
		c := junitCase{Classname: x.Origin, Name: x.Scenario, Time: "0.000"}
		if !x.Pass {
			c.Failure = &junitFailure{
				Message: fmt.Sprintf("expected %s, observed %s", x.Expected, x.Observed),
				Type:    "cors",
				Text:    failureText(x),
			}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "corsgate", Tests: total, Failures: failed, Time: secs, Suites: []junitSuite{suite}}

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: junit: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: junit: %w", err)
	}
	return nil
}

// failureText is the body of a JUnit failure: the evidence, or a summary
// of the result's fields when there is none.
func failureText(x *Result) string {
	var b strings.Builder
	if x.Security {
		b.WriteString("SECURITY: this origin can read what it must not.\n")
	}
	if x.Evidence != "" {
		b.WriteString(x.Evidence)
	} else {
		fmt.Fprintf(&b, "origin: %s\nrequest: %s\nexpected: %s\nobserved: %s\n", x.Origin, x.Request, x.Expected, x.Observed)
		if x.CORSError != "" {
			fmt.Fprintf(&b, "cors error: %s", x.CORSError)
			if x.FailedParameter != "" {
				fmt.Fprintf(&b, " (failedParameter %q)", x.FailedParameter)
			}
			b.WriteByte('\n')
		}
		if x.Console != "" {
			fmt.Fprintf(&b, "console: %s\n", x.Console)
		}
		fmt.Fprintf(&b, "preflight: %s\nstatus: %s\n", preflight(x), status(x.Status))
		for _, h := range x.ResponseHeaders {
			fmt.Fprintf(&b, "  %s\n", h)
		}
	}
	if x.Hint != "" {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "hint: %s\n", x.Hint)
	}
	return b.String()
}

// WriteAll creates dir and writes report.json, junit.xml and report.html
// into it, returning their paths in that order. Each file is rendered in
// memory first, so a rendering error leaves no partial file behind.
func WriteAll(dir string, r *Run) (paths []string, err error) {
	if r == nil {
		return nil, errNilRun
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: create %q: %w", dir, err)
	}
	files := []struct {
		name  string
		write func(io.Writer, *Run) error
	}{
		{"report.json", WriteJSON},
		{"junit.xml", WriteJUnit},
		{"report.html", WriteHTML},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		var buf bytes.Buffer
		if err := f.write(&buf, r); err != nil {
			return paths, fmt.Errorf("report: render %q: %w", path, unwrapPrefix(err))
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("report: write %q: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// unwrapPrefix drops the inner error's own "report: " prefix so a wrapped
// message reads "report: render "x": json: ..." rather than repeating it.
func unwrapPrefix(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "report: "); ok {
		return prefixless{s, err}
	}
	return err
}

type prefixless struct {
	msg string
	err error
}

func (p prefixless) Error() string { return p.msg }
func (p prefixless) Unwrap() error { return p.err }
