package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/corsgate/corsgate/conformance/runner"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/report"
)

// Run is the whole conformance run: the policy's scenarios (cfg.Scenarios,
// or Generate(cfg.Policy)) that cfg.Select keeps, each probed in Chrome
// against the target, judged against what its kind wants, as one report.
//
// The report holds a row for every selected scenario, in order. A probe the
// harness could not run is a failed row naming the error; a browser that
// died more often than cfg.MaxRestarts stops the run with an error wrapping
// ErrBrowserDied, and the report so far.
func Run(ctx context.Context, cfg *Config) (*report.Run, error) {
	started := time.Now()
	scenarios := cfg.Scenarios
	if scenarios == nil {
		scenarios = Generate(cfg.Policy)
	}
	if cfg.Select != nil {
		var kept []Scenario
		for _, s := range scenarios {
			if cfg.Select(s) {
				kept = append(kept, s)
			}
		}
		scenarios = kept
	}
	if !cfg.prepared {
		if err := cfg.Prepare(ctx); err != nil {
			return nil, err
		}
		defer cfg.Close()
	}
	target, err := cfg.target(ctx)
	if err != nil {
		return nil, err
	}
	env, pool := cfg.Env, cfg.Pool
	if env == nil {
		if env, err = harness.Start(cfg.HarnessConfig(scenarios)); err != nil {
			return nil, err
		}
		defer env.Close()
	} else if cfg.Fronted() {
		if _, err := env.Origin(PageName(target.url)); err != nil {
			return nil, fmt.Errorf("conformance: Config.Env has no front for %s; start it with harness.Start(cfg.HarnessConfig(scenarios)) after cfg.Prepare", target.url)
		}
	}
	if pool == nil {
		pool = env.NewPool(cfg.Isolation)
		defer pool.Close()
	}
	cookies := jarCookies(cfg.Policy)
	if l := cfg.Policy.Auth.Login; l != nil {
		if !cfg.Fronted() {
			return nil, errNeedsAddress
		}
		got, err := login(ctx, env, target.url, l)
		if err != nil {
			return nil, err
		}
		cookies = append(cookies, got...)
	}
	if cfg.Policy.Auth.Login != nil {
		scenarios = wantLoginCookies(scenarios, cookies)
	}
	secrets := secretValues(cfg.Policy, cookies)
	probes := &runner.Runner{Env: env, Target: target.url, Cookies: cookies, Pool: pool, MaxRestarts: cfg.MaxRestarts}
	run := &report.Run{
		Target: target.url, Policy: cfg.PolicyName, PolicyText: cfg.Policy.Redacted(),
		Browser: env.Browser.Version, Started: started, Notes: append([]string(nil), cfg.Policy.Notes...),
		Address: cfg.Policy.Address, ThirdPartyCookies: string(env.Browser.ThirdPartyCookies),
	}
	if cfg.Fronted() {
		run.Notes = append(run.Notes, cfg.frontNote())
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runner.DefaultWorkers
	}
	jobs := make([]runner.Job, len(scenarios))
	for i, s := range scenarios {
		jobs[i] = s.Job()
	}
	batch := runner.Start(ctx, probes, jobs, workers, cfg.Progress)
	var stop error
	for _, s := range scenarios {
		obs, err := batch.Wait(ctx, s.Name)
		if err != nil {
			if errors.Is(err, ErrBrowserDied) || ctx.Err() != nil {
				stop = err
				break
			}
			row := failedProbe(s, err)
			redactRow(&row, secrets)
			run.Results = append(run.Results, row)
			continue
		}
		if cfg.Observe != nil {
			cfg.Observe(s, obs)
		}
		row := ReportRow(s, obs, Judge(s, obs))
		row.URL = strings.Replace(row.URL, target.url, "", 1)
		cfg.labelThirdParty(s, obs, &row, target.url)
		redactRow(&row, secrets)
		run.Results = append(run.Results, row)
	}
	if note := probes.CrashNote(); note != "" {
		run.Notes = append(run.Notes, note)
	}
	run.Duration = time.Since(started)
	return run, stop
}

// ErrBrowserDied stops a run whose browser died more often than
// Config.MaxRestarts allows (runner.ErrBrowserDied).
var ErrBrowserDied = runner.ErrBrowserDied

// failedProbe is the report row of a scenario the harness could not run:
// not a verdict of Chrome's, but a failure of the run.
func failedProbe(s Scenario, err error) report.Result {
	row := ReportRow(s, nil, judge.Verdict{Observed: "no observation", Why: "the harness could not run the probe: " + firstLine(err)})
	row.Evidence = err.Error()
	return row
}

// runTarget is the URL a run probes.
type runTarget struct {
	url string
}

// target is cfg.Target, or the policy's target: its production name
// (fronted, with an address), or as it resolves, once it answers.
func (cfg *Config) target(ctx context.Context) (runTarget, error) {
	if cfg.Target != "" {
		return runTarget{url: cfg.Target}, nil
	}
	if err := cfg.CheckTarget(ctx); err != nil {
		return runTarget{}, err
	}
	return runTarget{url: cfg.Policy.Target}, nil
}

// CheckTarget stops a run whose API cannot be reached, with one line
// wrapping ErrEnvironment: the address (with one), else the target.
func (cfg *Config) CheckTarget(ctx context.Context) error {
	switch {
	case cfg.Target != "" || cfg.front != nil:
		return nil // checked by Prepare (DetectTLS)
	case cfg.Policy.Address != "":
		_, err := DetectTLS(ctx, cfg.Policy.Address, cfg.Policy.Target)
		return err
	}
	return CheckReachable(ctx, cfg.Policy.Target)
}

// firstLine is the first line of err.
func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
