package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	appOrigin  = "https://app.example.com"
	evilOrigin = "https://evil.example"
	reqGet     = "GET /api/orders"
	reqPut     = "PUT /api/orders +cred"
	reqDelete  = "DELETE /api/orders/1"
)

// sample is 2 origins x 3 requests with one failure, one security failure
// and one missing cell (evil x DELETE).
func sample() *Run {
	return &Run{
		Target:     "https://api.example.com",
		Policy:     "cors.yaml",
		Browser:    "HeadlessChrome/140.0",
		PolicyText: "origins:\n  - https://app.example.com\ntoken: <redacted>\n",
		Started:    time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Duration:   12345 * time.Millisecond,
		Notes:      []string{"maxAge 86400 is above Chrome's cap of 7200 s"},
		Results: []Result{
			{
				Scenario: "allowed/app.example.com/GET /api/orders", Labels: []string{"origins"},
				Origin: appOrigin, Request: reqGet, Method: "GET", URL: "https://api.example.com/api/orders",
				Credentials: "omit", Expected: "readable", Observed: "readable", Pass: true,
				Preflight: "not-needed", Status: 200,
				ResponseHeaders: []string{"Access-Control-Allow-Origin: https://app.example.com"},
			},
			{
				Scenario: "allowed/app.example.com/PUT /api/orders/credentials", Labels: []string{"preflight", "credentials"},
				Spec:   "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
				Origin: appOrigin, Request: reqPut, Method: "PUT", URL: "https://api.example.com/api/orders",
				Credentials: "include", Expected: "readable", Observed: "blocked: PreflightInvalidStatus",
				CORSError: "PreflightInvalidStatus", Preflight: "sent", PreflightStatus: 401,
				ResponseHeaders: []string{"WWW-Authenticate: Negotiate"},
				Console:         "Access to fetch at 'https://api.example.com/api/orders' from origin 'https://app.example.com' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.",
				Hint:            "the server authenticates the OPTIONS preflight; let anonymous OPTIONS through",
				Evidence:        "preflight OPTIONS -> 401\nno actual request",
			},
			{
				Scenario: "denied/evil.example/GET /api/orders", Labels: []string{"origins", "security"},
				Origin: evilOrigin, Request: reqGet, Method: "GET", URL: "https://api.example.com/api/orders",
				Credentials: "omit", Expected: "blocked", Observed: "readable", Security: true,
				Preflight: "not-needed", Status: 200,
				ResponseHeaders: []string{"Access-Control-Allow-Origin: *"},
				Hint:            "Access-Control-Allow-Origin: * lets every origin read",
				Evidence:        "GET -> 200\nAccess-Control-Allow-Origin: *",
			},
			{
				Scenario: "allowed/app.example.com/DELETE /api/orders/1", Labels: []string{"preflight"},
				Origin: appOrigin, Request: reqDelete, Method: "DELETE", URL: "https://api.example.com/api/orders/1",
				Expected: "readable", Observed: "readable", Pass: true, Preflight: "sent", PreflightStatus: 204, Status: 204,
			},
			{
				Scenario: "denied/evil.example/PUT /api/orders/credentials", Labels: []string{"origins", "credentials"},
				Origin: evilOrigin, Request: reqPut, Method: "PUT", URL: "https://api.example.com/api/orders",
				Credentials: "include", Expected: "blocked", Observed: "blocked: PreflightMissingAllowOriginHeader", Pass: true,
				CORSError: "PreflightMissingAllowOriginHeader", Preflight: "sent", PreflightStatus: 204,
			},
		},
	}
}

func TestCounts(t *testing.T) {
	total, passed, failed, security := sample().Counts()
	got := []int{total, passed, failed, security}
	want := []int{5, 3, 2, 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Counts() = %v; want %v", got, want)
	}
}

func TestOriginsRequestsFirstSeen(t *testing.T) {
	r := sample()
	tests := []struct {
		name      string
		got, want []string
	}{
		{"origins", r.Origins(), []string{appOrigin, evilOrigin}},
		{"requests", r.Requests(), []string{reqGet, reqPut, reqDelete}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %q; want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestMatrixLayout(t *testing.T) {
	var buf bytes.Buffer
	Matrix(&buf, sample())
	out := buf.String()
	lines := strings.Split(out, "\n")

	// The head of the output, line for line.
	want := []string{
		"corsgate: target https://api.example.com, policy cors.yaml, browser HeadlessChrome/140.0",
		"started 2026-03-01T10:00:00Z, took 12.345s",
		"",
		"origin                   R1   R2    R3",
		"https://app.example.com  ok   FAIL  ok",
		"https://evil.example     SEC  ok    -",
		"",
		"R1  GET /api/orders",
		"R2  PUT /api/orders +cred",
		"R3  DELETE /api/orders/1",
		"",
		"5 scenarios, 3 passed, 2 failed (1 security)",
		"note: maxAge 86400 is above Chrome's cap of 7200 s",
	}
	if len(lines) < len(want) {
		t.Fatalf("got %d lines; want at least %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d: got %q; want %q", i+1, lines[i], w)
		}
	}

	// Every cell, by origin and column key.
	header := strings.Fields(lines[3])
	rows := map[string][]string{}
	for _, l := range lines[4:6] {
		f := strings.Fields(l)
		rows[f[0]] = f[1:]
	}
	cells := []struct {
		origin, key, want string
	}{
		{appOrigin, "R1", "ok"},
		{appOrigin, "R2", "FAIL"},
		{appOrigin, "R3", "ok"},
		{evilOrigin, "R1", "SEC"},
		{evilOrigin, "R2", "ok"},
		{evilOrigin, "R3", "-"},
	}
	for _, c := range cells {
		col := -1
		for i, h := range header[1:] {
			if h == c.key {
				col = i
			}
		}
		if col < 0 || col >= len(rows[c.origin]) {
			t.Errorf("%s %s: no cell", c.origin, c.key)
			continue
		}
		if got := rows[c.origin][col]; got != c.want {
			t.Errorf("%s %s: got %q; want %q", c.origin, c.key, got, c.want)
		}
	}

	for i, c := range out {
		if c > 0x7e || (c < 0x20 && c != '\n') {
			t.Fatalf("byte %d: got %q; want plain ASCII without control characters", i, c)
		}
	}
}

func TestMatrixSharedCellShowsWorst(t *testing.T) {
	tests := []struct {
		name string
		pass []bool
		sec  []bool
		want string
	}{
		{"all pass", []bool{true, true}, []bool{false, false}, "ok"},
		{"one fail", []bool{true, false}, []bool{false, false}, "FAIL"},
		{"fail and security", []bool{false, false}, []bool{false, true}, "SEC"},
	}
	for _, tt := range tests {
		r := &Run{}
		for i := range tt.pass {
			r.Results = append(r.Results, Result{Scenario: "s" + string(rune('a'+i)), Origin: "o", Request: "q", Pass: tt.pass[i], Security: tt.sec[i]})
		}
		var buf bytes.Buffer
		Matrix(&buf, r)
		lines := strings.Split(buf.String(), "\n")
		var row []string
		for _, l := range lines {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "o" {
				row = f
				break
			}
		}
		if row == nil {
			t.Errorf("%s: no row for origin o in\n%s", tt.name, buf.String())
			continue
		}
		if row[1] != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, row[1], tt.want)
		}
	}
}

func TestMatrixFailureListing(t *testing.T) {
	var buf bytes.Buffer
	Matrix(&buf, sample())
	out := buf.String()

	// Security first although it comes after the other failure in the run.
	order := []string{
		"FAILURES (security first)",
		"1/2 SECURITY FAIL (origin can read what it must not): denied/evil.example/GET /api/orders",
		"2/2 FAIL: allowed/app.example.com/PUT /api/orders/credentials",
	}
	at := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < 0 {
			t.Fatalf("got no %q in\n%s", s, out)
		}
		if i <= at {
			t.Errorf("%q at %d; want after %d (order %q)", s, i, at, order)
		}
		at = i
	}

	// The ordinary failure's details, in its own block.
	block := out[strings.Index(out, "2/2 FAIL"):]
	details := []string{
		"    origin:      https://app.example.com",
		"    request:     PUT /api/orders +cred (R2)",
		"    expected:    readable",
		"    observed:    blocked: PreflightInvalidStatus",
		"    cors error:  PreflightInvalidStatus",
		"    console:     Access to fetch at 'https://api.example.com/api/orders' from origin",
		"    preflight:   sent, status 401",
		"    status:      0 (not sent)",
		"    headers:     WWW-Authenticate: Negotiate",
		"    hint: the server authenticates the OPTIONS preflight; let anonymous OPTIONS through",
	}
	for _, d := range details {
		if !strings.Contains(block, d) {
			t.Errorf("failure block: got no %q in\n%s", d, block)
		}
	}
	secBlock := out[strings.Index(out, "1/2 SECURITY"):strings.Index(out, "2/2 FAIL")]
	for _, d := range []string{"    status:      200", "    headers:     Access-Control-Allow-Origin: *", "    hint: Access-Control-Allow-Origin: * lets every origin read"} {
		if !strings.Contains(secBlock, d) {
			t.Errorf("security block: got no %q in\n%s", d, secBlock)
		}
	}
	// Passing scenarios are not listed.
	if strings.Contains(out, "DELETE /api/orders/1 (R3)") {
		t.Errorf("got a passing scenario in the failure listing; want failures only")
	}
}

func TestMatrixMultilineHeadersAndControlChars(t *testing.T) {
	r := &Run{Results: []Result{{
		Scenario: "x\x1b[31mred", Origin: "o", Request: "q", Expected: "readable", Observed: "blocked",
		ResponseHeaders: []string{"A: 1", "B: 2"},
	}}}
	var buf bytes.Buffer
	Matrix(&buf, r)
	out := buf.String()
	tests := []struct{ name, want string }{
		{"escape replaced", "FAIL: x?[31mred"},
		{"headers continued", "    headers:     A: 1\n                 B: 2\n"},
	}
	for _, tt := range tests {
		if !strings.Contains(out, tt.want) {
			t.Errorf("%s: got\n%s\nwant it to contain %q", tt.name, out, tt.want)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("got an ESC byte; want none")
	}
}

// JUnit as a CI server reads it, declared independently of the writer's types.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Time       string `xml:"time,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitParsesBack(t *testing.T) {
	r := sample()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatalf("WriteJUnit: got %v; want nil", err)
	}
	if !strings.HasPrefix(buf.String(), "<?xml") {
		t.Errorf("got %.20q; want an XML declaration first", buf.String())
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("xml.Unmarshal: got %v; want nil\n%s", err, buf.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("testsuites: got %d; want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	failures := 0
	for _, c := range s.Cases {
		if c.Failure != nil {
			failures++
		}
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"testsuites tests", doc.Tests, 5},
		{"testsuites failures", doc.Failures, 2},
		{"suite name", s.Name, "corsgate"},
		{"suite tests", s.Tests, 5},
		{"suite failures", s.Failures, 2},
		{"suite time", s.Time, "12.345"},
		{"testcases", len(s.Cases), 5},
		{"failure elements", failures, 2},
		{"property target", props["target"], "https://api.example.com"},
		{"property browser", props["browser"], "HeadlessChrome/140.0"},
		{"case 2 classname", s.Cases[1].Classname, appOrigin},
		{"case 2 name", s.Cases[1].Name, "allowed/app.example.com/PUT /api/orders/credentials"},
		{"case 2 time", s.Cases[1].Time, "0.000"},
		{"case 2 message", s.Cases[1].Failure.Message, "expected readable, observed blocked: PreflightInvalidStatus"},
		{"case 2 type", s.Cases[1].Failure.Type, "cors"},
		{"case 2 evidence", strings.Contains(s.Cases[1].Failure.Text, "preflight OPTIONS -> 401\nno actual request"), true},
		{"case 2 hint", strings.Contains(s.Cases[1].Failure.Text, "hint: the server authenticates"), true},
		{"case 3 security", strings.HasPrefix(s.Cases[2].Failure.Text, "SECURITY:"), true},
		{"case 1 passes", s.Cases[0].Failure == nil, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestJUnitHostileStrings(t *testing.T) {
	r := &Run{Results: []Result{{
		Scenario: `a "b" <c> & d`, Origin: "o\x00", Expected: "x", Observed: `"y" <z>`, Evidence: "]]> <x> \x1b &",
	}}}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatalf("WriteJUnit: got %v; want nil", err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("xml.Unmarshal: got %v; want nil\n%s", err, buf.String())
	}
	c := doc.Suites[0].Cases[0]
	if c.Name != `a "b" <c> & d` {
		t.Errorf("name: got %q; want %q", c.Name, `a "b" <c> & d`)
	}
	if want := `expected x, observed "y" <z>`; c.Failure.Message != want {
		t.Errorf("message: got %q; want %q", c.Failure.Message, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := sample()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatalf("WriteJSON: got %v; want nil", err)
	}
	var back Run
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("json.Unmarshal: got %v; want nil", err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("round trip: got %+v; want %+v", back, *r)
	}
	keys := []string{`"policyText"`, `"corsError"`, `"failedParameter"`, `"preflightStatus"`, `"responseHeaders"`, `"started"`}
	for _, k := range keys {
		if !strings.Contains(buf.String(), k) {
			t.Errorf("got no key %s; want lowerCamelCase keys", k)
		}
	}
	if !strings.Contains(buf.String(), "\n  \"target\"") {
		t.Errorf("got %.40q; want indented JSON", buf.String())
	}
}

func hostile() *Run {
	const bad = `<script>alert(1)</script>"'`
	r := sample()
	r.Target = bad
	r.Policy = bad
	r.PolicyText = "x: " + bad
	r.Notes = append(r.Notes, bad)
	r.Results[2].Scenario = "denied/" + bad
	r.Results[2].Console = bad
	r.Results[2].Request = bad
	r.Results[2].Origin = bad
	r.Results[2].Evidence = bad
	r.Results[2].Spec = "javascript:alert(1)"
	return r
}

func TestHTMLEscapesHostileStrings(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, hostile()); err != nil {
		t.Fatalf("WriteHTML: got %v; want nil", err)
	}
	out := buf.String()
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"raw <script>alert", strings.Count(out, "<script>alert"), 0},
		{"<script elements (only the page's own)", strings.Count(out, "<script"), 1},
		{"escaped text", min(strings.Count(out, "&lt;script&gt;alert(1)&lt;/script&gt;"), 1), 1},
		{"raw quote breaking out of data-scenario", strings.Count(out, `data-scenario="denied/<`), 0},
		{"javascript: URL", strings.Count(out, `href="javascript:`), 0},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d; want %d", tt.name, tt.got, tt.want)
		}
	}
	// The hostile scenario still comes back intact from its attribute.
	found := false
	for _, m := range regexp.MustCompile(`data-scenario="([^"]*)"`).FindAllStringSubmatch(out, -1) {
		if html.UnescapeString(m[1]) == `denied/<script>alert(1)</script>"'` {
			found = true
		}
	}
	if !found {
		t.Errorf("got no data-scenario that unescapes to the hostile scenario; want one")
	}
}

func TestHTMLOneAnchorAndDetailsPerResult(t *testing.T) {
	runs := []struct {
		name string
		run  *Run
	}{
		{"sample", sample()},
		{"hostile", hostile()},
		{"shared cell", &Run{Results: []Result{
			{Scenario: "a", Origin: "o", Request: "q", Pass: true},
			{Scenario: "b", Origin: "o", Request: "q"},
			{Scenario: "c", Origin: "o", Request: "q", Security: true},
		}}},
		{"empty", &Run{}},
	}
	anchor := regexp.MustCompile(`<a class="probe [a-z]+" data-scenario="([^"]*)" href="#([^"]*)"`)
	details := regexp.MustCompile(`<details id="([^"]*)"`)
	for _, tt := range runs {
		var buf bytes.Buffer
		if err := WriteHTML(&buf, tt.run); err != nil {
			t.Fatalf("%s: WriteHTML: got %v; want nil", tt.name, err)
		}
		out := buf.String()
		n := len(tt.run.Results)
		anchors := anchor.FindAllStringSubmatch(out, -1)
		ids := details.FindAllStringSubmatch(out, -1)
		counts := []struct {
			what      string
			got, want int
		}{
			{"data-scenario attributes", strings.Count(out, "data-scenario="), n},
			{"probe anchors", len(anchors), n},
			{"<details elements", strings.Count(out, "<details"), n},
			{"details with id", len(ids), n},
			{"open details", strings.Count(out, "<details open"), 0},
		}
		for _, c := range counts {
			if c.got != c.want {
				t.Errorf("%s: %s: got %d; want %d", tt.name, c.what, c.got, c.want)
			}
		}
		if len(anchors) != n || len(ids) != n {
			continue
		}
		// Each anchor names its result and links to that result's details.
		want := map[string]bool{}
		for _, id := range ids {
			want[id[1]] = true
		}
		seen := map[string]bool{}
		for _, a := range anchors {
			if !want[a[2]] {
				t.Errorf("%s: anchor href #%s: got no such details; want one", tt.name, a[2])
			}
			seen[html.UnescapeString(a[1])] = true
		}
		for _, x := range tt.run.Results {
			if !seen[x.Scenario] {
				t.Errorf("%s: got no anchor for %q; want one", tt.name, x.Scenario)
			}
		}
	}
}

func TestHTMLContent(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sample()); err != nil {
		t.Fatalf("WriteHTML: got %v; want nil", err)
	}
	out := buf.String()
	tests := []struct{ name, want string }{
		{"target", "https://api.example.com"},
		{"policy name", "cors.yaml"},
		{"browser", "HeadlessChrome/140.0"},
		{"time", "2026-03-01T10:00:00Z"},
		{"counts", `<span class="pass">3 passed</span><span class="fail">2 failed</span><span class="sec">1 security</span>`},
		{"note", "maxAge 86400 is above Chrome&#39;s cap of 7200 s"},
		{"policy text", `<pre class="policy">origins:`},
		{"missing cell", `<td class="cell none">-</td>`},
		{"security cell", `<td class="cell sec"><a class="probe sec"`},
		{"fail cell", `<td class="cell fail"><a class="probe fail"`},
		{"pass cell", `<td class="cell pass"><a class="probe pass"`},
		{"script opens details", "d.open = true"},
		{"no-JS fallback", "details:target"},
		{"legend", "<td>R2</td><td>PUT /api/orders &#43;cred</td>"},
	}
	for _, tt := range tests {
		if !strings.Contains(out, tt.want) {
			t.Errorf("%s: got no %q in the page", tt.name, tt.want)
		}
	}
	for _, ext := range []string{`src="http`, `href="http://`, `<link `, "@import", "url("} {
		if strings.Contains(out, ext) {
			t.Errorf("got %q; want no external assets", ext)
		}
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	paths, err := WriteAll(dir, sample())
	if err != nil {
		t.Fatalf("WriteAll: got %v; want nil", err)
	}
	want := []string{
		filepath.Join(dir, "report.json"),
		filepath.Join(dir, "junit.xml"),
		filepath.Join(dir, "report.html"),
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths: got %q; want %q", paths, want)
	}
	checks := []struct {
		path   string
		prefix string
	}{
		{want[0], "{"},
		{want[1], "<?xml"},
		{want[2], "<!DOCTYPE html>"},
	}
	for _, c := range checks {
		b, err := os.ReadFile(c.path)
		if err != nil {
			t.Errorf("%s: got %v; want the file", c.path, err)
			continue
		}
		if !strings.HasPrefix(string(b), c.prefix) {
			t.Errorf("%s: got %.20q; want it to start with %q", c.path, b, c.prefix)
		}
	}
}

func TestWriteAllErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		run  *Run
		want string
	}{
		{"dir is a file", filepath.Join(file, "sub"), sample(), `report: create "` + filepath.Join(file, "sub") + `"`},
		{"nil run", t.TempDir(), nil, "report: nil run"},
	}
	for _, tt := range tests {
		_, err := WriteAll(tt.dir, tt.run)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want an error starting %q", tt.name, err, tt.want)
		}
	}
}
