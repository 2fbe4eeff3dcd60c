package webconfig

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fixtures/iis"
)

// originConditions returns the non-negated conditions on {HTTP_ORIGIN} of
// rule r: its own, and for an outbound rule those of its preCondition
// (outboundRules/preConditions, looked up in cfg). They are where candidate
// origins come from, each read on its own; whether the rule runs for one
// of them — the conditions under their logicalGrouping, the preCondition
// under its own — is the iis package's answer (gateAccepts).
func originConditions(cfg *iis.Config, r iis.Rule) []iis.Condition {
	conds := r.Conditions
	if pc, ok := cfg.PreConditions[strings.ToLower(r.PreCondition)]; ok && r.PreCondition != "" {
		conds = append(slices.Clone(conds), pc.Conditions...)
	}
	var out []iis.Condition
	for _, c := range conds {
		if strings.EqualFold(strings.TrimSpace(c.Input), "{HTTP_ORIGIN}") && !c.Negate {
			out = append(out, c)
		}
	}
	return out
}

// gateAccepts asks the iis package whether outbound rule r runs on the
// response to a GET of urlPath from origin, as far as its preCondition and
// conditions decide (iis Config.OutboundGate: one interpreter of
// logicalGrouping, negate and patternSyntax). The response is the
// application's 200 before the rule's own header.
func gateAccepts(cfg *iis.Config, r iis.Rule, urlPath, origin string) bool {
	req := httptest.NewRequest(http.MethodGet, urlPath, nil)
	req.Header.Set("Origin", origin)
	c := cfg.For(urlPath)
	return c.OutboundGate(r, req, http.Header{}, http.StatusOK, iis.SiteOptions(c))
}

// patterns checks every {HTTP_ORIGIN} condition of the rewrite rules.
func (l *linter) patterns() {
	rules := append(slices.Clone(l.cfg.InboundRules), l.cfg.OutboundRules...)
	seen := map[int]bool{}
	for _, r := range rules {
		capture := strings.Contains(strings.ToUpper(r.Action.Value), "{C:")
		for _, c := range originConditions(l.cfg, r) {
			if seen[c.Line] {
				continue
			}
			seen[c.Line] = true
			l.fs = append(l.fs, patternFindings(c, capture)...)
		}
	}
}

// matches asks the iis package whether the condition's pattern, compiled
// with its patternSyntax, ignoreCase and negate, accepts origin.
func matches(c iis.Condition, origin string) bool {
	ok, _ := c.Match(origin)
	return ok
}

// intendedOrigins lists the origins a condition pattern is meant to allow,
// lower-cased: for ECMAScript the strings its regular expression stands
// for with "." read as a literal dot (nil when infinite); for Wildcard and
// ExactMatch the pattern itself when it has no wildcard.
func intendedOrigins(c iis.Condition) []string {
	switch strings.ToLower(c.Syntax) {
	case "wildcard":
		if strings.ContainsAny(c.Source, "*?") {
			return nil
		}
		return []string{strings.ToLower(c.Source)}
	case "exactmatch":
		return []string{strings.ToLower(c.Source)}
	}
	re, ok := parseRegexp(c.Source, c.IgnoreCase)
	if !ok {
		return nil
	}
	all, ok := enumerate(re)
	if !ok {
		return nil
	}
	_, exact := parseRE2(c.Source, c.IgnoreCase)
	var out []string
	for _, o := range all {
		// A sampled origin (see parseRegexp) counts only if the pattern,
		// as IIS runs it, takes it.
		if o = strings.ToLower(o); exact || matches(c, o) {
			out = append(out, o)
		}
	}
	return out
}

// sampleOrigin is one origin the pattern is written for: the first
// intended one, or one built from the pattern.
func sampleOrigin(c iis.Condition) string {
	if in := intendedOrigins(c); len(in) > 0 {
		return in[0]
	}
	switch strings.ToLower(c.Syntax) {
	case "wildcard":
		return strings.ToLower(strings.NewReplacer("*", "app", "?", "a").Replace(c.Source))
	case "exactmatch":
		return strings.ToLower(c.Source)
	}
	if re, ok := parseRegexp(c.Source, c.IgnoreCase); ok {
		return strings.ToLower(generate(re, -1))
	}
	return ""
}

// patternFindings checks one {HTTP_ORIGIN} condition pattern: lookalike
// origins built from the origin it is meant for, and (for regular
// expressions) the origin with one unescaped dot replaced, are tried
// against the pattern as the iis package compiles it.
func patternFindings(c iis.Condition, capture bool) []Finding {
	sample := sampleOrigin(c)
	if sample == "" {
		return nil
	}
	intended := intendedOrigins(c)
	isIntended := func(s string) bool {
		return slices.ContainsFunc(intended, func(o string) bool { return strings.EqualFold(o, s) })
	}
	result := "the rule echoes it in Access-Control-Allow-Origin, so that site can read the API's responses (with the user's cookies when credentials are allowed)"
	if capture {
		result = "with {C:0} the rule sends back only the matched part, which mismatches the origin, so the browser refuses it by accident (AllowOriginMismatch); the rule still accepts the lookalike and scanners report it"
	}
	var out []Finding
	var letIn []string
	for _, o := range append([]string{sample}, intended...) {
		for _, ex := range lookalikes(o) {
			if matches(c, ex) && !isIntended(ex) && leavesDomain(o, ex) && !slices.Contains(letIn, ex) {
				letIn = append(letIn, ex)
			}
		}
	}
	if len(letIn) > 0 {
		out = append(out, Finding{Line: c.Line, Rule: RuleUnanchoredOrigin, Example: letIn[0],
			Message: fmt.Sprintf("URL Rewrite regular expressions search the input, they are not anchored, so \"%s\" also matches origins of sites an attacker can register (%s); %s", c.Source, quoteList(letIn, 4), result),
			Fix:     fmt.Sprintf("anchor the pattern: pattern=\"%s\"", anchor(c.Source))})
	}
	if s := strings.ToLower(c.Syntax); s == "wildcard" || s == "exactmatch" {
		return out // "." is a literal dot there
	}
	re, ok := parseRegexp(c.Source, c.IgnoreCase)
	if !ok {
		return out
	}
	for i := 0; i < bareDots(re); i++ {
		ex := strings.ToLower(generate(re, i))
		if strings.Contains(ex, "://") && matches(c, ex) && !isIntended(ex) {
			out = append(out, Finding{Line: c.Line, Rule: RuleUnescapedDotOrigin, Example: ex,
				Message: fmt.Sprintf("an unescaped \".\" in a regular expression matches any character, so \"%s\" also matches the origin \"%s\", a different domain anyone can register; %s", c.Source, ex, result),
				Fix:     fmt.Sprintf(`escape the dots: pattern="%s"`, escapeDots(c.Source))})
			break
		}
	}
	return out
}

// quoteList quotes up to n entries of list, and says how many more.
func quoteList(list []string, n int) string {
	var q []string
	for i, s := range list {
		if i == n {
			q = append(q, fmt.Sprintf("and %d more", len(list)-n))
			break
		}
		q = append(q, `"`+s+`"`)
	}
	return strings.Join(q, ", ")
}

// lookalikes are candidate origins an unanchored pattern lets in, built
// from an origin it is meant for.
func lookalikes(sample string) []string {
	scheme, host, ok := strings.Cut(sample, "://")
	if ok {
		return []string{sample + ".attacker.test", scheme + "://attacker" + host, scheme + "://attacker-" + host}
	}
	return []string{"https://" + sample + ".attacker.test", "https://attacker" + sample, "https://attacker-" + sample, "http://" + sample}
}

// leavesDomain reports whether lookalike's host lies outside the domain
// the sample origin belongs to (its host less the first label, when it has
// three or more): a pattern written for any subdomain rightly lets in
// another subdomain, but never a host an attacker can register.
func leavesDomain(sample, lookalike string) bool {
	host := func(o string) string {
		if _, h, ok := strings.Cut(o, "://"); ok {
			o = h
		}
		h, _, _ := strings.Cut(o, ":")
		return strings.ToLower(h)
	}
	parent, ex := host(sample), host(lookalike)
	if labels := strings.Split(parent, "."); len(labels) >= 3 {
		parent = strings.Join(labels[1:], ".")
	}
	return ex != parent && !strings.HasSuffix(ex, "."+parent)
}

// anchor wraps a pattern in ^...$ where it lacks them.
func anchor(src string) string {
	if !strings.HasPrefix(src, "^") {
		src = "^" + src
	}
	if !strings.HasSuffix(src, "$") || strings.HasSuffix(src, `\$`) {
		src += "$"
	}
	return src
}

// escapeDots escapes the "." that are not escaped, in a class, or followed
// by a repetition (".*", ".+").
func escapeDots(src string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		ch := src[i]
		switch {
		case ch == '\\' && i+1 < len(src):
			b.WriteByte(ch)
			b.WriteByte(src[i+1])
			i++
			continue
		case ch == '[':
			inClass = true
		case ch == ']':
			inClass = false
		case ch == '.' && !inClass && (i+1 >= len(src) || !strings.ContainsRune("*+?{", rune(src[i+1]))):
			b.WriteString(`\.`)
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// outboundNeverMatches reports an outbound rule that sets an
// Access-Control-* header whose <match pattern> the iis package finds
// does not accept the header's current value — empty, as nothing else
// sets it — so the rule never runs: URL Rewrite tests the pattern of
// <match serverVariable="RESPONSE_..."> against that response header, not
// the URL. A GET from an origin the conditions accept, sent through the
// emulation, confirms that no such header comes back.
func (l *linter) outboundNeverMatches() {
	for _, name := range corsHeaderNames {
		for _, r := range outboundSetting(l.cfg, name) {
			if ok, _ := r.Match.Match(""); ok || !r.Match.Compiled() || len(l.layersSetting(name)) > 1 {
				continue
			}
			origin := l.origins[0]
			for _, c := range originConditions(l.cfg, r) {
				if s := sampleOrigin(c); s != "" && gateAccepts(l.cfg, r, l.path, s) {
					origin = s
				}
			}
			ex := l.emu.Send(http.MethodGet, l.path, http.Header{"Origin": {origin}})
			if ex.Header.Get(name) != "" {
				continue
			}
			f := Finding{Line: r.Line, Rule: RuleOutboundNeverMatches,
				Message: fmt.Sprintf("the rule \"%s\" tests <match pattern=\"%s\"> against the response header %s itself (serverVariable=\"%s\"), not the URL; nothing else sends that header, so its value is empty, the pattern does not match it, and the rule never sets it (the emulation sends a GET from %s and gets no %s)", r.Name, r.Match.Source, name, r.ServerVariable, origin, name),
				Fix:     fmt.Sprintf("write <match serverVariable=\"%s\" pattern=\".*\"/> and move the URL test to a condition, e.g. <add input=\"{REQUEST_FILENAME}\" pattern=\"%s\"/>", r.ServerVariable, r.Match.Source)}
			if name == acao {
				f.Verdict = "MissingAllowOriginHeader"
			}
			l.add(f)
		}
	}
}
