package conformance

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/corsgate/corsgate/harness"
	"github.com/corsgate/corsgate/judge"
	"github.com/corsgate/corsgate/policy"
)

// RefusedOrigin: the origins real attackers try, derived from each allowed
// origin, plus the opaque origin and an unrelated site, must be refused when
// the policy does not allow them (https://fetch.spec.whatwg.org/#cors-check);
// with unlisted: reject the server must answer 403; with unlisted: omit it
// must answer as without an Origin header (the endpoint's status class),
// only without CORS headers.
var RefusedOrigin = &Kind{
	Name: "refused origin", Group: "refused",
	Once: func(g *generator) {
		var cands []string
		for _, o := range g.p.Origins {
			if o.Any {
				continue
			}
			cands = append(cands, lookalikes(o)...)
		}
		cands = append(cands, "null", "https://unrelated.corsgate.test")
		for _, c := range dedupe(cands) {
			if g.p.Allowed(c) {
				continue
			}
			w := judge.Want{Outcome: judge.Blocked}
			if g.p.Unlisted == policy.UnlistedReject {
				w.RawStatus = 403
			} else {
				w.RawStatusClass = 2
				if st := g.p.Endpoints[0].Status; st != 0 {
					w.RawStatusClass = st / 100
				}
			}
			s := g.scenario(c, "GET", g.p.Endpoints[0].Path, g.p.Credentials, w)
			s.Spec, s.Security = specCORSCheck, true
			s.label("security")
			g.add(s)
		}
	},
	Hint: func(s Scenario, obs []*harness.Observation) string {
		o := obs[0]
		if o.Readable() {
			return fmt.Sprintf("the server's origin check lets %s in: compare origins exactly (an anchored, escaped pattern or an exact list), never by substring", s.Origin)
		}
		if w := s.Want(); w.RawStatusClass != 0 && o.Actual.Status/100 != w.RawStatusClass && o.Actual.Status != 0 {
			return fmt.Sprintf("the server answered the refused origin %s with %d: under unlisted: omit it must serve the response as without an Origin header and only leave out the CORS headers (Tomcat's CorsFilter and gin-contrib/cors answer 403: that is unlisted: reject)", s.Origin, o.Actual.Status)
		}
		return ""
	},
}

// lookalikes are the tricks of CORS scanners (prefix, suffix, unescaped
// dot, other subdomain, scheme downgrade) applied to o.
func lookalikes(o policy.Origin) []string {
	u, err := url.Parse(o.Sample())
	if err != nil || u.Hostname() == "" {
		return nil
	}
	scheme, host, port := u.Scheme, u.Hostname(), u.Port()
	if net.ParseIP(host) != nil {
		// An IP address has no subdomains or registrable domain to fake;
		// the scheme downgrade and the unrelated origins still apply.
		if scheme == "https" {
			return []string{"http://" + u.Host}
		}
		return nil
	}
	withPort := func(s, h string) string {
		if port != "" {
			return s + "://" + h + ":" + port
		}
		return s + "://" + h
	}
	out := []string{withPort(scheme, host+".attacker.test")}
	labels := strings.Split(host, ".")
	if len(labels) >= 2 {
		registrable := strings.Join(labels[len(labels)-2:], ".")
		out = append(out, withPort(scheme, "attacker"+registrable))
		if len(labels) >= 3 {
			out = append(out, withPort(scheme, strings.Replace(host, ".", "x", 1)))
		}
		if !o.Wildcard {
			out = append(out, withPort(scheme, "corsgate-other."+registrable))
		}
	}
	if scheme == "https" {
		out = append(out, withPort("http", host))
	}
	return out
}
