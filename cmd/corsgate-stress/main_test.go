package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// A `go test -json` stream: a passing package, a failing test with a
// failing subtest, a package that panicked outside any test, a package that
// did not build, and go command chatter between events.
const goTestStream = `{"Action":"start","Package":"example.com/ok"}
{"Action":"run","Package":"example.com/ok","Test":"TestFine"}
{"Action":"output","Package":"example.com/ok","Test":"TestFine","Output":"=== RUN   TestFine\n"}
{"Action":"pass","Package":"example.com/ok","Test":"TestFine","Elapsed":0}
{"Action":"output","Package":"example.com/ok","Output":"ok  \texample.com/ok\t0.01s\n"}
{"Action":"pass","Package":"example.com/ok","Elapsed":0.01}
{"Action":"start","Package":"example.com/bad"}
{"Action":"run","Package":"example.com/bad","Test":"TestParent"}
{"Action":"run","Package":"example.com/bad","Test":"TestParent/sub"}
{"Action":"output","Package":"example.com/bad","Test":"TestParent/sub","Output":"    bad_test.go:12: got 1; want 2\n"}
{"Action":"fail","Package":"example.com/bad","Test":"TestParent/sub","Elapsed":0}
{"Action":"fail","Package":"example.com/bad","Test":"TestParent","Elapsed":0}
{"Action":"run","Package":"example.com/bad","Test":"TestOther"}
{"Action":"output","Package":"example.com/bad","Test":"TestOther","Output":"    bad_test.go:30: flaky\n"}
{"Action":"fail","Package":"example.com/bad","Test":"TestOther","Elapsed":0}
{"Action":"run","Package":"example.com/bad","Test":"TestPasses"}
{"Action":"pass","Package":"example.com/bad","Test":"TestPasses","Elapsed":0}
{"Action":"output","Package":"example.com/bad","Output":"-test.shuffle 42\n"}
{"Action":"fail","Package":"example.com/bad","Elapsed":0.02}
go: downloading example.com/dep v1.0.0
{"Action":"start","Package":"example.com/panics"}
{"Action":"output","Package":"example.com/panics","Output":"panic: init went wrong\n"}
{"Action":"fail","Package":"example.com/panics","Elapsed":0}
{"ImportPath":"example.com/nobuild","Action":"build-output","Output":"nobuild.go:3:1: syntax error\n"}
{"ImportPath":"example.com/nobuild","Action":"build-fail"}
{"Action":"start","Package":"example.com/nobuild"}
{"Action":"output","Package":"example.com/nobuild","Output":"FAIL\texample.com/nobuild [build failed]\n"}
{"Action":"fail","Package":"example.com/nobuild","Elapsed":0,"FailedBuild":"example.com/nobuild"}
`

func TestParseTestJSON(t *testing.T) {
	var out strings.Builder
	failed, err := parseTestJSON(strings.NewReader(goTestStream), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"go test example.com/bad: TestOther",
		"go test example.com/bad: TestParent/sub",
		"go test example.com/nobuild: (build failed)",
		"go test example.com/panics: (package failed with no failed test)",
	}
	if !slices.Equal(failed, want) {
		t.Errorf("failed =\n  %q\nwant\n  %q", failed, want)
	}
	for _, s := range []string{"got 1; want 2", "flaky", "panic: init went wrong", "syntax error"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if strings.Contains(out.String(), "=== RUN   TestFine") {
		t.Errorf("output of a passing test was printed:\n%s", out.String())
	}
}

func TestParseTestJSONAllPass(t *testing.T) {
	stream := strings.Join(strings.Split(goTestStream, "\n")[:6], "\n")
	failed, err := parseTestJSON(strings.NewReader(stream), &strings.Builder{})
	if err != nil || len(failed) != 0 {
		t.Errorf("passing stream: failed %q, err %v; want none", failed, err)
	}
}

// writeReport writes reports as ginkgo's --json-report does.
func writeReport(t *testing.T, reports []types.Report) string {
	t.Helper()
	data, err := json.Marshal(reports)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCollectGinkgoReport(t *testing.T) {
	spec := func(texts []string, leaf string, typ types.NodeType, state types.SpecState) types.SpecReport {
		return types.SpecReport{ContainerHierarchyTexts: texts, LeafNodeText: leaf, LeafNodeType: typ, State: state}
	}
	path := writeReport(t, []types.Report{
		{SuitePath: "/repo/suites/faults", SuiteDescription: "Faults", SuiteSucceeded: false, SpecReports: types.SpecReports{
			spec([]string{"a huge body"}, "is readable", types.NodeTypeIt, types.SpecStatePassed),
			spec([]string{"a slow preflight"}, "is waited for", types.NodeTypeIt, types.SpecStateFailed),
			spec([]string{"TLS"}, "times out", types.NodeTypeIt, types.SpecStateTimedout),
			spec(nil, "", types.NodeTypeIt, types.SpecStateSkipped),
		}},
		{SuitePath: "/repo/suites/lab", SuiteDescription: "Lab", SuiteSucceeded: false, SpecReports: types.SpecReports{
			spec(nil, "", types.NodeTypeBeforeSuite, types.SpecStatePanicked),
		}},
		{SuitePath: "/repo/suites/gate", SuiteSucceeded: false,
			SpecialSuiteFailureReasons: []string{"Failed to compile gate:\n\ngate_test.go:1: syntax error"}},
		{SuitePath: "/repo/suites/selftest", SuiteDescription: "Selftest", SuiteSucceeded: true, SpecReports: types.SpecReports{
			spec([]string{"x"}, "passes", types.NodeTypeIt, types.SpecStatePassed),
		}},
	})
	failures := map[string][]int64{}
	if n := collect(path, 7, errors.New("exit status 1"), failures); n != 4 {
		t.Errorf("collect counted %d failures; want 4", n)
	}
	collect(path, 9, errors.New("exit status 1"), failures)
	var names []string
	for n, seeds := range failures {
		names = append(names, n)
		if !slices.Equal(seeds, []int64{7, 9}) {
			t.Errorf("%s: seeds %v; want [7 9]", n, seeds)
		}
	}
	sort.Strings(names)
	want := []string{
		"Faults: TLS times out",
		"Faults: a slow preflight is waited for",
		"Lab: [BeforeSuite]",
		"gate (/repo/suites/gate): (Failed to compile gate:)",
	}
	if !slices.Equal(names, want) {
		t.Errorf("failures =\n  %q\nwant\n  %q", names, want)
	}
}

func TestCollectFailsWhenGinkgoFailsWithoutAFailedSpec(t *testing.T) {
	path := writeReport(t, []types.Report{{SuiteDescription: "Faults", SuiteSucceeded: true}})
	failures := map[string][]int64{}
	if n := collect(path, 1, nil, failures); n != 0 || len(failures) != 0 {
		t.Fatalf("a passing run recorded %v", failures)
	}
	if n := collect(path, 1, errors.New("exit status 1"), failures); n != 1 || len(failures) != 1 {
		t.Errorf("ginkgo failed yet collect recorded %v; want one failure", failures)
	}
	if n := collect(filepath.Join(t.TempDir(), "missing.json"), 2, nil, map[string][]int64{}); n != 1 {
		t.Errorf("a missing report counted %d failures; want 1", n)
	}
}
