package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/corsgate/corsgate/fixtures"
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/report"
)

// Change is how one scenario's verdict moved between two configurations.
type Change string

// The changes.
const (
	Same Change = ""
	// Breaks: allowed before, refused now — a frontend stops working.
	Breaks Change = "breaks"
	// Opens: refused before, readable now — an origin gets in.
	Opens Change = "opens"
	// Differs: refused both times, with another CorsError.
	Differs Change = "differs"
)

// DiffRow is one scenario run against both configurations.
type DiffRow struct {
	Scenario Scenario
	Old, New *harness.Observation
	Change   Change
}

// Union is a policy whose scenarios cover both a and b: every origin,
// method and header either allows, credentials when either uses them, and
// an error route.
func Union(a, b *policy.Policy) (*policy.Policy, error) {
	u := *a
	u.Origins = nil
	for _, o := range append(append([]policy.Origin{}, a.Origins...), b.Origins...) {
		if !slices.ContainsFunc(u.Origins, func(x policy.Origin) bool { return x.Value == o.Value }) {
			u.Origins = append(u.Origins, o)
		}
	}
	u.Credentials = a.Credentials || b.Credentials
	u.Methods = unionStrings(a.Methods, b.Methods)
	u.Headers = unionStrings(a.Headers, b.Headers)
	u.Expose = unionStrings(a.Expose, b.Expose)
	u.MaxAge = max(a.MaxAge, b.MaxAge)
	u.Endpoints = []policy.Endpoint{
		{Path: "/api/orders", Methods: u.Methods},
		{Path: "/api/orders/error", Methods: []string{"GET"}, Status: 500},
	}
	// Round-trip through the parser so the union is a valid policy.
	return policy.Parse("union of the two configurations", []byte(u.Redacted()), nil)
}

func unionStrings(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ServeConfig serves an IIS configuration through the emulation in front
// of the application, on http://api.localhost:PORT, with the options lint
// and make policy use (iis.NewSite: ARR on for a reverse-proxy file,
// requests taken as HTTPS), so make diff judges the IIS lint describes.
func ServeConfig(cfg *iis.Config) (target string, closeFn func(), err error) {
	srv, err := loopback.Listen(iis.NewSite(cfg, fixtures.App()), nil)
	if err != nil {
		return "", nil, fmt.Errorf("conformance: serving the configuration: %w", err)
	}
	return fmt.Sprintf("http://api.localhost:%d", srv.Port), srv.Close, nil
}

// Diff runs every scenario against the old and the new target, the two
// runs at once, and classifies each change.
func Diff(ctx context.Context, env *harness.Env, pool *harness.Pool, p *policy.Policy, scenarios []Scenario, oldTarget, newTarget string) ([]DiffRow, error) {
	// last runs every scenario against target: the last observation of
	// each, and why the harness could not run those it has none for.
	last := func(target string) (map[string]*harness.Observation, map[string]string, error) {
		var mu sync.Mutex
		seen := map[string]*harness.Observation{}
		run, err := Run(ctx, &Config{
			Policy: p, Target: target, Scenarios: scenarios, Env: env, Pool: pool,
			Observe: func(s Scenario, obs []*harness.Observation) {
				mu.Lock()
				defer mu.Unlock()
				seen[s.Name] = obs[len(obs)-1]
			},
		})
		failed := map[string]string{}
		if run != nil {
			for _, r := range run.Results {
				if seen[r.Scenario] == nil {
					failed[r.Scenario] = r.Evidence
				}
			}
		}
		return seen, failed, err
	}
	var oldObs map[string]*harness.Observation
	var oldFailed map[string]string
	var oldErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		oldObs, oldFailed, oldErr = last(oldTarget)
	}()
	newObs, newFailed, newErr := last(newTarget)
	<-done
	if err := errors.Join(oldErr, newErr); err != nil {
		return nil, err
	}
	var rows []DiffRow
	for _, s := range scenarios {
		o, n := oldObs[s.Name], newObs[s.Name]
		if o == nil || n == nil {
			why, version := oldFailed[s.Name], "old"
			if n == nil {
				why, version = newFailed[s.Name], "new"
			}
			why, _, _ = strings.Cut(why, "\n")
			return nil, fmt.Errorf("conformance: diff: the harness could not run scenario %q against the %s configuration (%s); this is not a CORS verdict: fix what it names and run make diff again", s.Name, version, why)
		}
		rows = append(rows, DiffRow{Scenario: s, Old: o, New: n, Change: classify(o, n)})
	}
	return rows, nil
}

func classify(o, n *harness.Observation) Change {
	switch {
	case o.Readable() && !n.Readable():
		return Breaks
	case !o.Readable() && n.Readable():
		return Opens
	case !o.Readable() && !n.Readable() && (o.CORSError != n.CORSError || o.Outcome != n.Outcome):
		return Differs
	}
	return Same
}

// DiffText prints the changed verdicts with Chrome's console message for
// each, and a summary line.
func DiffText(rows []DiffRow) string {
	var b strings.Builder
	breaks, opens, differs := 0, 0, 0
	for _, r := range rows {
		if r.Change == Same {
			continue
		}
		switch r.Change {
		case Breaks:
			breaks++
		case Opens:
			opens++
		default:
			differs++
		}
		fmt.Fprintf(&b, "%-8s %s\n         old: %s\n         new: %s\n", strings.ToUpper(string(r.Change)), r.Scenario.Name, judge.Describe(r.Old), judge.Describe(r.New))
		if m := r.New.CORSConsole(); m != "" {
			fmt.Fprintf(&b, "         console (new): %s\n", m)
		} else if m := r.Old.CORSConsole(); m != "" {
			fmt.Fprintf(&b, "         console (old): %s\n", m)
		}
	}
	fmt.Fprintf(&b, "%d scenarios, %d unchanged, %d break an allowed origin, %d open a refused one, %d refused differently\n",
		len(rows), len(rows)-breaks-opens-differs, breaks, opens, differs)
	return b.String()
}

// DiffReport is the diff as a report run: each row passes when the verdict
// did not change, so the HTML matrix shows the changes in colour.
func DiffReport(rows []DiffRow, oldName, newName, browser string) *report.Run {
	run := &report.Run{Target: "IIS emulation: " + oldName + " -> " + newName, Policy: newName, Browser: browser}
	for _, r := range rows {
		res := ReportRow(r.Scenario, []*harness.Observation{r.New}, judge.Verdict{Pass: r.Change == Same, Observed: judge.Describe(r.New)})
		res.Expected = "as before: " + judge.Describe(r.Old)
		res.Security = r.Change == Opens
		if r.Change != Same {
			res.Hint = fmt.Sprintf("%s: was %s", r.Change, judge.Describe(r.Old))
		}
		run.Results = append(run.Results, res)
	}
	return run
}
