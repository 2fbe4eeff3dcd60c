package webconfig

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
)

// This file holds the checks on values as written: origins, credentials,
// max-age, Vary, failUnlistedOrigins and header names. They need no IIS
// semantics beyond what the iis package parsed.

// originProblem describes a path or trailing slash in an allowed origin
// value; "" when it has none.
func originProblem(v string) (problem, fixed string) {
	v = strings.TrimSpace(v)
	scheme, rest, ok := strings.Cut(v, "://")
	if !ok {
		return "", ""
	}
	i := strings.IndexAny(rest, "/?#")
	if i < 0 {
		return "", ""
	}
	fixed = scheme + "://" + rest[:i]
	if rest[i:] == "/" {
		return "a trailing slash", fixed
	}
	return fmt.Sprintf("a path (%s)", rest[i:]), fixed
}

func (l *linter) originPaths() {
	const why = "a browser's Origin header is scheme://host[:port] with no path and no trailing slash, and the CORS check compares it with Access-Control-Allow-Origin character for character (https://fetch.spec.whatwg.org/#cors-check)"
	for _, h := range customHeaders(l.cfg, acao) {
		if vs := strings.FieldsFunc(h.Value, func(r rune) bool { return r == ',' || r == ' ' }); len(vs) > 1 {
			l.add(Finding{Line: h.Line, Rule: RuleSeveralOrigins, Verdict: "MultipleAllowOriginValues",
				Message: fmt.Sprintf("customHeaders Access-Control-Allow-Origin is \"%s\": the header holds one origin (or \"*\"), and the CORS check compares the whole value with the page's origin, so no origin matches a list and every one of them fails (https://fetch.spec.whatwg.org/#cors-check)", h.Value),
				Fix:     "send one origin per response: use the IIS CORS Module with one <add origin=...> per origin, or a URL Rewrite outbound rule that echoes {HTTP_ORIGIN} when an anchored condition allows it"})
		}
		for _, v := range strings.Split(h.Value, ",") {
			if p, fixed := originProblem(v); p != "" {
				l.add(Finding{Line: h.Line, Rule: RuleOriginHasPath, Verdict: "AllowOriginMismatch",
					Message: fmt.Sprintf("customHeaders Access-Control-Allow-Origin \"%s\" has %s; %s, so \"%s\" never matches", strings.TrimSpace(v), p, why, fixed),
					Fix:     fmt.Sprintf("write value=\"%s\"", fixed)})
			}
		}
	}
	for _, r := range l.cfg.CORS.Rules {
		if p, fixed := originProblem(r.Origin); p != "" {
			l.add(Finding{Line: r.Line, Rule: RuleOriginHasPath, Verdict: "MissingAllowOriginHeader",
				Message: fmt.Sprintf("<cors> origin \"%s\" has %s; %s, and the CORS Module does not normalise rule origins, so no browser origin matches the rule", r.Origin, p, why),
				Fix:     fmt.Sprintf("write origin=\"%s\"", fixed)})
		}
	}
}

func (l *linter) wildcardCredentials() {
	credHeader := false
	for _, h := range customHeaders(l.cfg, acac) {
		// Surrounding spaces are stripped as any header value's; the case is not.
		if v := strings.TrimSpace(h.Value); v != "true" && strings.EqualFold(v, "true") {
			l.add(Finding{Line: h.Line, Rule: RuleCredentialsValue, Verdict: "InvalidAllowCredentials",
				Message: fmt.Sprintf("customHeaders Access-Control-Allow-Credentials is \"%s\"; the browser accepts only the exact, case-sensitive value \"true\", so every credentialed request fails (https://fetch.spec.whatwg.org/#cors-check, step 7)", v),
				Fix:     `write value="true"`})
		}
		if strings.EqualFold(strings.TrimSpace(h.Value), "true") {
			credHeader = true
		}
	}
	if credHeader {
		for _, h := range customHeaders(l.cfg, acao) {
			if strings.TrimSpace(h.Value) == "*" {
				l.add(Finding{Line: h.Line, Rule: RuleWildcardCredentials, Verdict: "WildcardOriginNotAllowed",
					Message: "customHeaders send Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true; browsers refuse \"*\" on a credentialed request (cookies, Authorization), so every fetch with credentials: 'include' fails (https://fetch.spec.whatwg.org/#cors-check, step 3)",
					Fix:     "list the exact origin instead of \"*\" (for several origins use the IIS CORS Module), or drop Access-Control-Allow-Credentials if the API needs no credentials"})
			}
		}
	}
	if !l.cfg.CORS.Enabled {
		return
	}
	onlyStar := len(l.cfg.CORS.Rules) == 1 && l.cfg.CORS.Rules[0].Origin == "*"
	for _, r := range l.cfg.CORS.Rules {
		if r.Origin != "*" || !r.Allowed || !r.AllowCredentials {
			continue
		}
		if onlyStar {
			l.add(Finding{Line: r.Line, Rule: RuleWildcardCredentials, Verdict: "WildcardOriginNotAllowed",
				Message: "with \"*\" as its only rule the CORS Module sends Access-Control-Allow-Origin: *, and browsers refuse \"*\" together with Access-Control-Allow-Credentials: true on a credentialed request, so every fetch with credentials: 'include' fails",
				Fix:     "add a rule per origin that needs credentials (allowCredentials=\"true\") and set allowCredentials=\"false\" on the \"*\" rule"})
		} else {
			l.add(Finding{Line: r.Line, Rule: RuleWildcardCredentials, Example: "https://any-site.corsgate.test",
				Message: "next to other rules the CORS Module echoes the request origin, so origin=\"*\" with allowCredentials=\"true\" lets every site read credentialed responses (the browser check passes because the origin is echoed, not \"*\")",
				Fix:     "set allowCredentials=\"false\" on the \"*\" rule and give credentials only to the origins listed exactly"})
		}
	}
}

func (l *linter) maxAge() {
	// Chrome's cap, fetchspec.ChromeMaxAge; Firefox caps at 86400 s.
	capped := fetchspec.ChromeMaxAge
	why := fmt.Sprintf("Chrome caps the preflight cache at %d s (%d h) and Firefox at 86400 s, so the value promises a cache the browser does not keep; preflights come back every %d h",
		capped, capped/3600, capped/3600)
	for _, h := range customHeaders(l.cfg, acma) {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value)); err == nil && n > capped {
			l.add(Finding{Line: h.Line, Rule: RuleMaxAgeAboveCap, Message: fmt.Sprintf("Access-Control-Max-Age is %d; %s", n, why), Fix: fmt.Sprintf(`set value="%d" (or less)`, capped)})
		}
	}
	if !l.cfg.CORS.Enabled {
		return
	}
	for _, r := range l.cfg.CORS.Rules {
		if r.MaxAge > capped {
			l.add(Finding{Line: r.Line, Rule: RuleMaxAgeAboveCap, Message: fmt.Sprintf("maxAge is %d; %s", r.MaxAge, why), Fix: fmt.Sprintf(`set maxAge="%d" (or less)`, capped)})
		}
	}
}

// vary sends a GET from an origin each echo rule accepts through the
// emulation: when the response echoes the origin without Vary: Origin, the
// finding names the rule, or the rule that blanks Vary when there is one.
func (l *linter) vary() {
	for _, r := range outboundSetting(l.cfg, acao) {
		if !echoesOrigin(r.Action.Value) {
			continue
		}
		origin := l.origins[0]
		for _, c := range originConditions(l.cfg, r) {
			if s := sampleOrigin(c); s != "" && gateAccepts(l.cfg, r, l.path, s) {
				origin = s
				break
			}
		}
		ex := l.emu.Send(http.MethodGet, l.path, http.Header{"Origin": {origin}})
		if ex.Header.Get(acao) != origin {
			continue
		}
		vary := strings.ToLower(strings.Join(ex.Header.Values("Vary"), ","))
		if strings.Contains(vary, "origin") || strings.Contains(vary, "*") {
			continue
		}
		line, who := r.Line, fmt.Sprintf("nothing adds Vary: Origin")
		for _, v := range outboundSetting(l.cfg, "Vary") {
			if v.Action.Value == "" {
				line, who = v.Line, fmt.Sprintf("the outbound rule \"%s\" (line %d) removes the Vary header", v.Name, v.Line)
			}
		}
		// The verdict is what a second origin sees when a cache hands it
		// this response: Chrome's CORS check on the echoed header.
		second := "https://other.corsgate.test"
		for _, o := range l.origins {
			if o != origin && o != "*" && gateAccepts(l.cfg, r, l.path, o) {
				second = o
				break
			}
		}
		l.add(Finding{Line: line, Rule: RuleEchoWithoutVary, Verdict: fetchspec.CORSCheck(ex.Header, second, false),
			Message: fmt.Sprintf("the outbound rule \"%s\" (line %d) sets Access-Control-Allow-Origin from the request (%s) but %s, so a browser or proxy cache may serve the response cached for one origin to another, whose CORS check then fails on the mismatched origin (or one origin's data reaches another) (https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches)", r.Name, r.Line, r.Action.Value, who),
			Fix:     `add Origin to the Vary header: <add name="Vary" value="Origin"/> in customHeaders, or an outbound rule setting RESPONSE_Vary to "Origin"`})
	}
}

func (l *linter) failUnlisted() {
	c := l.cfg.CORS
	if !c.Enabled || !c.FailUnlistedOrigins {
		return
	}
	var listed []string
	wildcard := false
	for _, r := range c.Rules {
		if !r.Allowed {
			continue
		}
		if r.Origin == "*" {
			return // every origin is listed
		}
		wildcard = wildcard || strings.Contains(r.Origin, "*")
		listed = append(listed, r.Origin)
	}
	if wildcard {
		// A wildcard rule likely covers the site's own host: say so, quietly.
		l.add(Finding{Line: c.Line, Rule: RuleFailUnlistedSameOrigin, Note: true,
			Message: fmt.Sprintf("failUnlistedOrigins=\"true\" answers 403 to every request whose Origin no rule allows, and browsers send Origin on same-origin POSTs too; the allowed origins (%s) include a wildcard, which likely covers the site's own origin (this file cannot tell)", strings.Join(listed, ", ")),
			Fix:     "nothing if the site's own host matches a wildcard rule; otherwise add its origin to <cors>"})
		return
	}
	l.add(Finding{Line: c.Line, Rule: RuleFailUnlistedSameOrigin,
		Message: fmt.Sprintf("warning: failUnlistedOrigins=\"true\" answers 403 to every request whose Origin no rule allows, and browsers send Origin on same-origin POSTs too (form posts, fetch POST), so the site's own pages get 403 unless the site's own origin is among the allowed origins (%s); this file cannot tell the site's origin", strings.Join(listed, ", ")),
		Fix:     `add <add origin="https://<this site's host>"/> to <cors>, or set failUnlistedOrigins="false" (unlisted origins then get no CORS headers, which the browser refuses anyway)`})
}

// listEntry is one name of an allow or expose list, with where it is.
type listEntry struct {
	name, header string // header: acah or aceh
	line         int
	where        string
}

// listEntries are the names of every Access-Control-Allow-Headers and
// -Expose-Headers list: customHeaders values, CORS Module rules and
// outbound rules with a fixed value.
func (l *linter) listEntries() []listEntry {
	var out []listEntry
	for _, hdr := range []string{acah, aceh} {
		for _, h := range customHeaders(l.cfg, hdr) {
			for _, n := range splitList(h.Value) {
				out = append(out, listEntry{n, hdr, h.Line, "customHeaders " + hdr})
			}
		}
		for _, r := range outboundSetting(l.cfg, hdr) {
			if !strings.Contains(r.Action.Value, "{") {
				for _, n := range splitList(r.Action.Value) {
					out = append(out, listEntry{n, hdr, r.Line, fmt.Sprintf("the outbound rule \"%s\"", r.Name)})
				}
			}
		}
	}
	if l.cfg.CORS.Enabled {
		for _, r := range l.cfg.CORS.Rules {
			// Each <add> has its own line, so a finding points at the entry.
			for _, e := range r.AllowHeaderEntries {
				out = append(out, listEntry{e.Name, acah, e.Line, fmt.Sprintf("the allowHeaders of origin \"%s\"", r.Origin)})
			}
			for _, e := range r.ExposeHeaderEntries {
				out = append(out, listEntry{e.Name, aceh, e.Line, fmt.Sprintf("the exposeHeaders of origin \"%s\"", r.Origin)})
			}
		}
	}
	return out
}

// names checks header names: misspelt ones (in lists and customHeaders
// names), Access-Control-* names exposed, forbidden names allowed.
func (l *linter) names() {
	for _, h := range l.cfg.CustomHeaders {
		n := strings.TrimSpace(h.Name)
		if k := misspelling(n); k != "" && strings.HasPrefix(strings.ToLower(k), "access-control-") {
			l.add(Finding{Line: h.Line, Rule: RuleMisspeltHeader,
				Message: fmt.Sprintf("customHeaders add \"%s\", which no browser reads; it looks like %s misspelt, so the response lacks that header", n, k),
				Fix:     fmt.Sprintf("write name=\"%s\"", k)})
		}
	}
	// One note per list, at its first Access-Control-* entry, naming the
	// lines of the others.
	exposed := map[string][]string{}
	exposedLines := map[string][]int{}
	var exposedOrder []listEntry
	defer func() {
		for _, e := range exposedOrder {
			names := exposed[e.where]
			where := e.where
			if lines := exposedLines[e.where]; len(lines) > 1 && lines[len(lines)-1] != lines[0] {
				where = fmt.Sprintf("%s (lines %d-%d)", e.where, lines[0], lines[len(lines)-1])
			}
			l.add(Finding{Line: e.line, Rule: RuleExposeCORSHeader, Note: true,
				Message: fmt.Sprintf("%s lists %s: Access-Control-Expose-Headers names response headers page JavaScript may read, and the Access-Control-* headers are for the browser, not the page; harmless (they merely become readable), likely meant for an allow list", where, quoteList(names, 6)),
				Fix:     fmt.Sprintf("remove %s from the expose list", quoteList(names, 6))})
		}
	}()
	for _, e := range l.listEntries() {
		switch {
		case misspelling(e.name) != "":
			k := misspelling(e.name)
			f := Finding{Line: e.line, Rule: RuleMisspeltHeader,
				Message: fmt.Sprintf("%s lists \"%s\", which looks like %s misspelt; ", e.where, e.name, k),
				Fix:     fmt.Sprintf("write %s", k)}
			if e.header == acah {
				f.Message += fmt.Sprintf("a preflight asking for %s is refused, as the listed names are compared with the requested ones (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 8)", k)
				f.Verdict = "HeaderDisallowedByPreflightResponse"
			} else {
				f.Message += fmt.Sprintf("page JavaScript cannot read %s (https://fetch.spec.whatwg.org/#concept-filtered-response-cors)", k)
			}
			l.add(f)
		case e.header == aceh && strings.HasPrefix(strings.ToLower(e.name), "access-control-"):
			if _, ok := exposed[e.where]; !ok {
				exposedOrder = append(exposedOrder, e)
			}
			exposed[e.where] = append(exposed[e.where], e.name)
			exposedLines[e.where] = append(exposedLines[e.where], e.line)
		case e.header == acah && fetchspec.IsForbiddenRequestHeaderName(e.name):
			l.add(Finding{Line: e.line, Rule: RuleForbiddenHeaderListed, Note: true,
				Message: fmt.Sprintf("%s lists \"%s\", a forbidden request header page JavaScript can never set (https://fetch.spec.whatwg.org/#forbidden-request-header); the browser sets it itself and never asks for it in a preflight, so the entry is harmless and has no effect", e.where, e.name),
				Fix:     fmt.Sprintf("remove \"%s\" (optional)", e.name)})
		}
	}
}

// echoesOrigin reports whether an outbound value echoes the request origin
// or a condition's match.
func echoesOrigin(v string) bool {
	l := strings.ToUpper(v)
	return strings.Contains(l, "{HTTP_ORIGIN}") || strings.Contains(l, "{C:")
}
