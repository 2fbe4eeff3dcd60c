// Package webconfig lints an IIS web.config for the CORS mistakes of the
// field guide (docs/peers-and-iis-reference.md §4) and derives a corsgate
// policy from it. The web.config is read by the iis package, which records
// the line of every element and handles what files in the field hold: a
// UTF-8 BOM, CRLF line ends, comments, <location path=".">, and <clear/> and
// <remove> in collections.
package webconfig

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
)

// Finding is one mistake in a web.config.
type Finding struct {
	// Line is the line of the element at fault.
	Line int
	// Rule is the kebab-case id of the mistake, e.g. "duplicate-allow-origin".
	Rule string
	// Message says why it breaks: the browser rule.
	Message string
	// Fix says what to change.
	Fix string
	// Example is optional: a concrete origin the mistake lets in.
	Example string
}

// The rule ids.
const (
	RuleDuplicateAllowOrigin   = "duplicate-allow-origin"
	RuleOriginHasPath          = "origin-has-path"
	RuleWildcardCredentials    = "wildcard-with-credentials"
	RuleWindowsAuthPreflight   = "windows-auth-preflight"
	RuleOptionsDenied          = "options-denied-by-request-filtering"
	RuleOptionsNotHandled      = "options-not-handled"
	RuleMaxAgeAboveCap         = "max-age-above-chrome-cap"
	RuleUnanchoredOrigin       = "unanchored-origin-pattern"
	RuleUnescapedDotOrigin     = "unescaped-dot-origin-pattern"
	RuleEchoWithoutVary        = "echo-without-vary"
	RuleFailUnlistedSameOrigin = "fail-unlisted-same-origin"
)

// titles are the one-line summaries Format prints before why and fix.
var titles = map[string]string{
	RuleDuplicateAllowOrigin:   "Access-Control-Allow-Origin is set twice",
	RuleOriginHasPath:          "an allowed origin has a path or a trailing slash",
	RuleWildcardCredentials:    `"*" is combined with credentials`,
	RuleWindowsAuthPreflight:   "Windows Authentication challenges the preflight",
	RuleOptionsDenied:          "request filtering denies OPTIONS",
	RuleOptionsNotHandled:      "no handler answers OPTIONS",
	RuleMaxAgeAboveCap:         "Access-Control-Max-Age is above Chrome's cap",
	RuleUnanchoredOrigin:       "the origin pattern is not anchored",
	RuleUnescapedDotOrigin:     "the origin pattern has an unescaped dot",
	RuleEchoWithoutVary:        "the echoed origin is sent without Vary: Origin",
	RuleFailUnlistedSameOrigin: "failUnlistedOrigins refuses the site's own origin unless it is listed",
}

// Header names, and their URL Rewrite server variables.
const (
	acao = "Access-Control-Allow-Origin"
	acac = "Access-Control-Allow-Credentials"
	acam = "Access-Control-Allow-Methods"
	acah = "Access-Control-Allow-Headers"
	aceh = "Access-Control-Expose-Headers"
	acma = "Access-Control-Max-Age"
)

// Lint reports the CORS mistakes of cfg, sorted by line, then rule.
func Lint(cfg *iis.Config) []Finding {
	var fs []Finding
	add := func(line int, rule, msg, fix string) *Finding {
		fs = append(fs, Finding{Line: line, Rule: rule, Message: msg, Fix: fix})
		return &fs[len(fs)-1]
	}
	lintDuplicates(cfg, add)
	lintOriginPaths(cfg, add)
	lintWildcardCredentials(cfg, add)
	lintWindowsAuth(cfg, add)
	lintOptions(cfg, add)
	lintMaxAge(cfg, add)
	lintPatterns(cfg, &fs)
	lintVary(cfg, add)
	lintFailUnlisted(cfg, add)
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return fs
}

type adder func(line int, rule, msg, fix string) *Finding

// customHeaders returns the customHeaders entries called name.
func customHeaders(cfg *iis.Config, name string) []iis.Header {
	var out []iis.Header
	for _, h := range cfg.CustomHeaders {
		if strings.EqualFold(strings.TrimSpace(h.Name), name) {
			out = append(out, h)
		}
	}
	return out
}

// outboundSetting returns the enabled outbound rules that rewrite response
// header name.
func outboundSetting(cfg *iis.Config, name string) []iis.Rule {
	want := "RESPONSE_" + strings.ReplaceAll(name, "-", "_")
	var out []iis.Rule
	for _, r := range cfg.OutboundRules {
		if strings.EqualFold(r.ServerVariable, want) && strings.EqualFold(r.Action.Type, "Rewrite") {
			out = append(out, r)
		}
	}
	return out
}

// corsModuleOn reports whether the CORS Module is enabled with at least one
// allowed rule, i.e. sends Access-Control-Allow-Origin and answers
// preflights.
func corsModuleOn(cfg *iis.Config) bool {
	if !cfg.CORS.Enabled {
		return false
	}
	for _, r := range cfg.CORS.Rules {
		if r.Allowed {
			return true
		}
	}
	return false
}

func lintDuplicates(cfg *iis.Config, add adder) {
	hs := customHeaders(cfg, acao)
	if len(hs) == 0 {
		return
	}
	const why = "customHeaders are added to every response, never merged, so the response carries two Access-Control-Allow-Origin lines; the browser joins them into \"a, b\", which matches no origin, and fails the CORS check (Chrome: MultipleAllowOriginValues)"
	if corsModuleOn(cfg) {
		add(hs[0].Line, RuleDuplicateAllowOrigin,
			fmt.Sprintf("the IIS CORS Module (<cors> line %d) also sets it; %s", cfg.CORS.Line, why),
			"remove the Access-Control-* entries from customHeaders and let the CORS Module send them")
	}
	if rs := outboundSetting(cfg, acao); len(rs) > 0 {
		add(hs[0].Line, RuleDuplicateAllowOrigin,
			fmt.Sprintf("the outbound rewrite rule \"%s\" (line %d) also sets it; %s", rs[0].Name, rs[0].Line, why),
			"remove the Access-Control-Allow-Origin entry from customHeaders and keep the rewrite rule")
	}
	for _, h := range hs[1:] {
		add(h.Line, RuleDuplicateAllowOrigin,
			fmt.Sprintf("customHeaders already add it on line %d (IIS itself answers 500.19 for two entries of one name); %s", hs[0].Line, why),
			"keep one entry; for several origins use the IIS CORS Module, which echoes the matching one")
	}
}

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

func lintOriginPaths(cfg *iis.Config, add adder) {
	const why = "a browser's Origin header is scheme://host[:port] with no path and no trailing slash, and the CORS check compares it with Access-Control-Allow-Origin character for character"
	for _, h := range customHeaders(cfg, acao) {
		for _, v := range strings.Split(h.Value, ",") {
			if p, fixed := originProblem(v); p != "" {
				add(h.Line, RuleOriginHasPath,
					fmt.Sprintf("customHeaders Access-Control-Allow-Origin \"%s\" has %s; %s, so \"%s\" never matches", strings.TrimSpace(v), p, why, fixed),
					fmt.Sprintf("write value=\"%s\"", fixed))
			}
		}
	}
	for _, r := range cfg.CORS.Rules {
		if p, fixed := originProblem(r.Origin); p != "" {
			add(r.Line, RuleOriginHasPath,
				fmt.Sprintf("<cors> origin \"%s\" has %s; %s, and the CORS Module does not normalise rule origins, so no browser origin matches the rule", r.Origin, p, why),
				fmt.Sprintf("write origin=\"%s\"", fixed))
		}
	}
}

func lintWildcardCredentials(cfg *iis.Config, add adder) {
	credHeader := false
	for _, h := range customHeaders(cfg, acac) {
		if strings.EqualFold(strings.TrimSpace(h.Value), "true") {
			credHeader = true
		}
	}
	if credHeader {
		for _, h := range customHeaders(cfg, acao) {
			if strings.TrimSpace(h.Value) == "*" {
				add(h.Line, RuleWildcardCredentials,
					"customHeaders send Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true; browsers refuse \"*\" on a credentialed request (cookies, Authorization), so every fetch with credentials: 'include' fails (Chrome: WildcardOriginNotAllowed)",
					"list the exact origin instead of \"*\" (for several origins use the IIS CORS Module), or drop Access-Control-Allow-Credentials if the API needs no credentials")
			}
		}
	}
	if !cfg.CORS.Enabled {
		return
	}
	onlyStar := len(cfg.CORS.Rules) == 1 && cfg.CORS.Rules[0].Origin == "*"
	for _, r := range cfg.CORS.Rules {
		if r.Origin != "*" || !r.Allowed || !r.AllowCredentials {
			continue
		}
		if onlyStar {
			add(r.Line, RuleWildcardCredentials,
				"with \"*\" as its only rule the CORS Module sends Access-Control-Allow-Origin: *, and browsers refuse \"*\" together with Access-Control-Allow-Credentials: true on a credentialed request, so every fetch with credentials: 'include' fails (Chrome: WildcardOriginNotAllowed)",
				"add a rule per origin that needs credentials (allowCredentials=\"true\") and set allowCredentials=\"false\" on the \"*\" rule")
		} else {
			add(r.Line, RuleWildcardCredentials,
				"next to other rules the CORS Module echoes the request origin, so origin=\"*\" with allowCredentials=\"true\" lets every site read credentialed responses (the browser check passes because the origin is echoed, not \"*\")",
				"set allowCredentials=\"false\" on the \"*\" rule and give credentials only to the origins listed exactly")
		}
	}
}

// inboundAnswersOptions returns an inbound rule that answers OPTIONS with a
// CustomResponse before authentication, or nil.
func inboundAnswersOptions(cfg *iis.Config) *iis.Rule {
	for i, r := range cfg.InboundRules {
		if !strings.EqualFold(r.Action.Type, "CustomResponse") || r.Action.StatusCode < 200 || r.Action.StatusCode > 299 {
			continue
		}
		for _, c := range r.Conditions {
			if strings.EqualFold(c.Input, "{REQUEST_METHOD}") && !c.Negate {
				if p, ok := parseOriginPattern(c.Source, c.IgnoreCase); ok && p.matches("OPTIONS") {
					return &cfg.InboundRules[i]
				}
			}
		}
	}
	return nil
}

func lintWindowsAuth(cfg *iis.Config, add adder) {
	a := cfg.Auth
	if !a.WindowsEnabled || a.AnonymousEnabled || corsModuleOn(cfg) || inboundAnswersOptions(cfg) != nil {
		return
	}
	add(a.Line, RuleWindowsAuthPreflight,
		"Windows Authentication is on and anonymous authentication off, and nothing answers the preflight before authentication runs (no enabled CORS Module, no inbound rewrite rule for OPTIONS); a browser never sends credentials on a preflight, so it gets 401 and the browser fails it: only a 2xx preflight passes (Chrome: PreflightInvalidStatus)",
		"install the IIS CORS Module and configure <cors enabled=\"true\">, which answers preflights before authentication, or enable anonymous authentication and require Windows login for the other verbs (URL Authorization <allow verbs=\"OPTIONS\" users=\"?\"/>)")
}

// corsHeaderLine returns the line of the first Access-Control-* customHeader
// or outbound rule setting one; 0 when CORS is not configured that way.
func corsHeaderLine(cfg *iis.Config) int {
	for _, h := range cfg.CustomHeaders {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Name)), "access-control-") {
			return h.Line
		}
	}
	for _, r := range cfg.OutboundRules {
		if strings.HasPrefix(strings.ToUpper(r.ServerVariable), "RESPONSE_ACCESS_CONTROL_") {
			return r.Line
		}
	}
	return 0
}

func verbListHas(list, verb string) bool {
	for _, v := range strings.Split(list, ",") {
		if v = strings.TrimSpace(v); v == "*" || strings.EqualFold(v, verb) {
			return true
		}
	}
	return false
}

func lintOptions(cfg *iis.Config, add adder) {
	headerLine := corsHeaderLine(cfg)
	if headerLine == 0 && !corsModuleOn(cfg) {
		return
	}
	// Request filtering runs first, before the CORS Module too.
	f := cfg.Filtering
	denied, line := !f.AllowUnlisted, 0
	for _, v := range f.Verbs {
		if strings.EqualFold(v.Verb, "OPTIONS") {
			denied, line = !v.Allowed, v.Line
		}
	}
	if denied {
		if line == 0 && len(f.Verbs) > 0 {
			line = f.Verbs[0].Line
		}
		why := "requestFiltering denies the OPTIONS verb"
		fix := "remove <add verb=\"OPTIONS\" allowed=\"false\"/> from requestFiltering/verbs"
		if !f.AllowUnlisted && line != 0 && !strings.EqualFold(verbAt(f, line), "OPTIONS") {
			why = "requestFiltering has allowUnlisted=\"false\" and does not list OPTIONS"
			fix = "add <add verb=\"OPTIONS\" allowed=\"true\"/> to requestFiltering/verbs"
		}
		add(line, RuleOptionsDenied,
			why+", so IIS answers every preflight 404.6 before any CORS handling runs; the browser fails a preflight that is not 2xx (Chrome: PreflightInvalidStatus)", fix)
	}
	if headerLine == 0 || corsModuleOn(cfg) || inboundAnswersOptions(cfg) != nil || denied {
		return
	}
	// Who answers OPTIONS to an extensionless URL (an API route)?
	for _, h := range cfg.Handlers {
		if h.Path != "" && h.Path != "*" && h.Path != "*." {
			continue
		}
		if !verbListHas(h.Verb, "OPTIONS") {
			continue
		}
		if strings.EqualFold(h.Name, "StaticFile") || strings.Contains(h.Modules, "StaticFileModule") {
			break
		}
		return // OPTIONSVerbHandler or the application answers
	}
	add(headerLine, RuleOptionsNotHandled,
		"CORS headers come from customHeaders or a rewrite rule, but no handler takes OPTIONS: the default ExtensionlessUrlHandler-Integrated-4.0 serves only GET, HEAD, POST and DEBUG, so the preflight gets 405 Method Not Allowed, and the browser fails a preflight that is not 2xx (Chrome: PreflightInvalidStatus)",
		"add <handlers><remove name=\"OPTIONSVerbHandler\"/><add name=\"OPTIONSVerbHandler\" path=\"*\" verb=\"OPTIONS\" modules=\"ProtocolSupportModule\" requireAccess=\"None\"/></handlers>, an inbound rewrite rule answering OPTIONS with a CustomResponse 200, or use the IIS CORS Module, which answers preflights itself")
}

func verbAt(f iis.Filtering, line int) string {
	for _, v := range f.Verbs {
		if v.Line == line {
			return v.Verb
		}
	}
	return ""
}

func lintMaxAge(cfg *iis.Config, add adder) {
	const why = "Chrome caps the preflight cache at 7200 s (2 h) and Firefox at 86400 s, so the value promises a cache the browser does not keep; preflights come back every 2 h"
	for _, h := range customHeaders(cfg, acma) {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value)); err == nil && n > fetchspec.ChromeMaxAge {
			add(h.Line, RuleMaxAgeAboveCap, fmt.Sprintf("Access-Control-Max-Age is %d; %s", n, why), `set value="7200" (or less)`)
		}
	}
	if !cfg.CORS.Enabled {
		return
	}
	for _, r := range cfg.CORS.Rules {
		if r.MaxAge > fetchspec.ChromeMaxAge {
			add(r.Line, RuleMaxAgeAboveCap, fmt.Sprintf("maxAge is %d; %s", r.MaxAge, why), `set maxAge="7200" (or less)`)
		}
	}
}

// echoesOrigin reports whether an outbound value echoes the request origin
// or a condition's match.
func echoesOrigin(v string) bool {
	l := strings.ToUpper(v)
	return strings.Contains(l, "{HTTP_ORIGIN}") || strings.Contains(l, "{C:")
}

// originConditions returns the non-negated conditions on {HTTP_ORIGIN}.
func originConditions(r iis.Rule) []iis.Condition {
	var out []iis.Condition
	for _, c := range r.Conditions {
		if strings.EqualFold(strings.TrimSpace(c.Input), "{HTTP_ORIGIN}") && !c.Negate {
			out = append(out, c)
		}
	}
	return out
}

func lintPatterns(cfg *iis.Config, fs *[]Finding) {
	rules := append(slices.Clone(cfg.InboundRules), cfg.OutboundRules...)
	seen := map[int]bool{}
	for _, r := range rules {
		capture := strings.Contains(strings.ToUpper(r.Action.Value), "{C:")
		for _, c := range originConditions(r) {
			if seen[c.Line] {
				continue
			}
			seen[c.Line] = true
			*fs = append(*fs, patternFindings(c, capture)...)
		}
	}
}

// patternFindings checks one {HTTP_ORIGIN} condition pattern. Every
// example is checked against the pattern with Go's regexp.
func patternFindings(c iis.Condition, capture bool) []Finding {
	p, ok := parseOriginPattern(c.Source, c.IgnoreCase)
	if !ok {
		return nil
	}
	var out []Finding
	intended := intendedOrigins(p)
	isIntended := func(s string) bool {
		return slices.ContainsFunc(intended, func(o string) bool { return strings.EqualFold(o, s) })
	}
	result := "the rule echoes it in Access-Control-Allow-Origin, so that site can read the API's responses (with the user's cookies when credentials are allowed)"
	if capture {
		result = "with {C:0} the rule sends back only the matched part, which mismatches the origin, so the browser refuses it by accident (AllowOriginMismatch); the rule still accepts the lookalike and scanners report it"
	}
	if !anchoredStart(p.re) || !anchoredEnd(p.re) {
		sample := strings.ToLower(generate(p.re, -1))
		if len(intended) > 0 {
			sample = intended[0]
		}
		for _, ex := range lookalikes(sample) {
			if p.matches(ex) && !isIntended(ex) {
				out = append(out, Finding{Line: c.Line, Rule: RuleUnanchoredOrigin, Example: ex,
					Message: fmt.Sprintf("URL Rewrite patterns search the input, they are not anchored, so \"%s\" also matches the origin \"%s\" of a site an attacker can register; %s", c.Source, ex, result),
					Fix:     fmt.Sprintf("anchor the pattern: pattern=\"%s\"", anchor(c.Source))})
				break
			}
		}
	}
	for i := 0; i < bareDots(p.re); i++ {
		ex := strings.ToLower(generate(p.re, i))
		if p.matches(ex) && !isIntended(ex) && strings.Contains(ex, "://") {
			out = append(out, Finding{Line: c.Line, Rule: RuleUnescapedDotOrigin, Example: ex,
				Message: fmt.Sprintf("an unescaped \".\" in a regular expression matches any character, so \"%s\" also matches the origin \"%s\", a different domain anyone can register; %s", c.Source, ex, result),
				Fix:     fmt.Sprintf(`escape the dots: pattern="%s"`, escapeDots(c.Source))})
			break
		}
	}
	return out
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

// intendedOrigins lists the origins a pattern is meant to allow, "." read as
// a literal dot; nil when the set is infinite.
func intendedOrigins(p *originPattern) []string {
	out, ok := enumerate(p.re)
	if !ok {
		return nil
	}
	for i := range out {
		out[i] = strings.ToLower(out[i])
	}
	return out
}

func lintVary(cfg *iis.Config, add adder) {
	for _, h := range customHeaders(cfg, "Vary") {
		if v := strings.ToLower(h.Value); strings.Contains(v, "origin") || strings.TrimSpace(v) == "*" {
			return
		}
	}
	if len(outboundSetting(cfg, "Vary")) > 0 {
		return
	}
	for _, r := range outboundSetting(cfg, acao) {
		if echoesOrigin(r.Action.Value) {
			add(r.Line, RuleEchoWithoutVary,
				fmt.Sprintf("the outbound rule \"%s\" sets Access-Control-Allow-Origin from the request (%s) but nothing adds Vary: Origin, so a browser or proxy cache may serve the response cached for one origin to another, whose CORS check then fails on the mismatched origin (or one origin's data reaches another)", r.Name, r.Action.Value),
				`add <add name="Vary" value="Origin"/> to customHeaders, or an outbound rule setting RESPONSE_Vary to "Origin"`)
		}
	}
}

func lintFailUnlisted(cfg *iis.Config, add adder) {
	c := cfg.CORS
	if !c.Enabled || !c.FailUnlistedOrigins {
		return
	}
	var listed []string
	for _, r := range c.Rules {
		if !r.Allowed {
			continue
		}
		if r.Origin == "*" {
			return // every origin is listed
		}
		listed = append(listed, r.Origin)
	}
	add(c.Line, RuleFailUnlistedSameOrigin,
		fmt.Sprintf("warning: failUnlistedOrigins=\"true\" answers 403 to every request whose Origin no rule allows, and browsers send Origin on same-origin POSTs too (form posts, fetch POST), so the site's own pages get 403 unless the site's own origin is among the allowed origins (%s); this file cannot tell the site's origin", strings.Join(listed, ", ")),
		`add <add origin="https://<this site's host>"/> to <cors>, or set failUnlistedOrigins="false" (unlisted origins then get no CORS headers, which the browser refuses anyway)`)
}

// Format renders findings, one block per finding, and a last line
// "N findings" or "no findings". name is the file name cited.
func Format(name string, fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		title := titles[f.Rule]
		if title == "" {
			title = f.Rule
		}
		fmt.Fprintf(&b, "%s:%d: %s: %s\n", name, f.Line, f.Rule, title)
		fmt.Fprintf(&b, "    why: %s\n", f.Message)
		if f.Example != "" {
			fmt.Fprintf(&b, "    lets in: %s\n", f.Example)
		}
		fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
	}
	switch len(fs) {
	case 0:
		b.WriteString("no findings\n")
	case 1:
		b.WriteString("1 finding\n")
	default:
		fmt.Fprintf(&b, "%d findings\n", len(fs))
	}
	return b.String()
}
