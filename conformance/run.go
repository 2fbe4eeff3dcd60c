package conformance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
	"github.com/corsgate/corsgate/report"
)

// ErrEnvironment wraps problems that stop a run before any verdict: an
// unreachable target, a TLS failure.
var ErrEnvironment = errors.New("conformance: environment")

// CheckReachable asks target for a response with a plain HTTP client, so an
// unreachable target (refused, DNS, TLS, timeout) stops the run with one
// line instead of producing a matrix of failures.
func CheckReachable(ctx context.Context, target string) error {
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: loopback.DialLocalhost, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, target+"/", nil)
	if err != nil {
		return fmt.Errorf("%w: target %q: %v; write scheme://host[:port]", ErrEnvironment, target, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var why string
		var cert *tls.CertificateVerificationError
		switch {
		case errors.As(err, &cert):
			why = "its TLS certificate is not trusted"
		case strings.Contains(err.Error(), "connection refused"):
			why = "connection refused"
		case strings.Contains(err.Error(), "no such host"):
			why = "the host name does not resolve"
		case strings.Contains(err.Error(), "Client.Timeout") || errors.Is(err, context.DeadlineExceeded):
			why = "no answer within 10s"
		default:
			why = err.Error()
		}
		return fmt.Errorf("%w: target %q is unreachable: %s; check TARGET and that the API is up", ErrEnvironment, target, why)
	}
	resp.Body.Close()
	return nil
}

// Runner runs scenarios against one target.
type Runner struct {
	Env    *harness.Env
	Target string
	Policy *policy.Policy
	// Pool runs single-probe scenarios; nil means a fresh browser context
	// each. Sequences always get a fresh context of their own.
	Pool *harness.Pool
	// MaxRestarts is how many times a run may restart a browser that
	// died mid-run (the lost probes run again in the new one); 0 stops
	// the run at the first death with ErrBrowserDied.
	MaxRestarts int

	crashes crashes
}

// Run performs s and returns Chrome's observations (two for sequences).
// A browser death is never a verdict: see runSurviving.
func (r *Runner) Run(ctx context.Context, s Scenario) ([]*harness.Observation, error) {
	return r.runSurviving(ctx, s)
}

func (r *Runner) run(ctx context.Context, s Scenario) ([]*harness.Observation, error) {
	p := s.Probe
	p.URL = r.Target + p.URL
	var seed func(*harness.Session) error
	if s.Cookies {
		seed = func(sess *harness.Session) error {
			var cs []harness.Header
			for _, c := range r.Policy.Auth.Cookies {
				cs = append(cs, harness.Header{Name: c.Name, Value: c.Value})
			}
			return sess.SetCookies(ctx, r.Target, cs)
		}
	}
	if !s.Sequence() && r.Pool != nil {
		o, err := r.Pool.Run(ctx, p, seed)
		if err != nil {
			return nil, err
		}
		return []*harness.Observation{o}, nil
	}
	sess, err := r.Env.NewSession(ctx, p.Page)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if seed != nil {
		if err := seed(sess); err != nil {
			return nil, err
		}
	}
	var obs []*harness.Observation
	for _, st := range s.Steps {
		if st.Page != "" && st.Page != p.Page {
			p.Page = st.Page
			if err := sess.Navigate(ctx, p.Page); err != nil {
				return nil, err
			}
		}
		o, err := sess.Run(ctx, p)
		if err != nil {
			return nil, err
		}
		obs = append(obs, o)
	}
	return obs, nil
}

// ReportRow is the report row of scenario s, judged v from obs.
func ReportRow(s Scenario, obs []*harness.Observation, v judge.Verdict) report.Result {
	x := report.Result{
		Scenario: s.Name, Labels: s.Labels, Spec: s.Spec, Origin: s.Origin, Request: s.Column,
		Method: s.Probe.Method, URL: s.Probe.URL, Credentials: string(s.Probe.Credentials),
		Expected: s.Expected(), Observed: v.Observed, Pass: v.Pass, Security: s.Security,
	}
	switch {
	case v.Environment:
		x.Hint = environmentHint
	case !v.Pass:
		x.Hint = Hint(s, obs)
	}
	if !v.Pass && v.Why != "" {
		x.Observed += " — " + v.Why
	}
	var evidence []string
	for _, o := range obs {
		evidence = append(evidence, o.String())
	}
	x.Evidence = strings.Join(evidence, "\n\n")
	if len(obs) == 0 {
		return x
	}
	o := obs[len(obs)-1]
	x.URL = o.Probe.URL
	x.CORSError, x.FailedParameter = string(o.CORSError), o.FailedParameter
	x.Preflight, x.Status, x.Console = string(o.Preflight), o.Actual.Status, o.CORSConsole()
	if len(o.Preflights) > 0 {
		x.PreflightStatus = o.Preflights[0].Status
	}
	for _, h := range o.Actual.ResponseHeaders {
		if fetchspec.IsCORSEvidenceHeader(h.Name) {
			x.ResponseHeaders = append(x.ResponseHeaders, h.Name+": "+h.Value)
		}
	}
	return x
}
