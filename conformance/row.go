package conformance

import (
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/report"
)

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
	for _, c := range o.CookiesSent {
		x.CookiesSent = append(x.CookiesSent, c.Name)
	}
	for _, c := range o.CookiesBlocked {
		x.CookiesBlocked = append(x.CookiesBlocked, c.Name+": "+strings.Join(c.Reasons, ", "))
	}
	for _, h := range o.Actual.ResponseHeaders {
		if fetchspec.IsCORSEvidenceHeader(h.Name) {
			x.ResponseHeaders = append(x.ResponseHeaders, h.Name+": "+h.Value)
		}
	}
	return x
}
