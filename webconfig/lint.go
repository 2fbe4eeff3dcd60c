// Package webconfig lints an IIS web.config for CORS mistakes (those the
// lab teaches, lab/catalogue.go, and those real files show,
// testdata/corpus) and derives a corsgate policy from it. The IIS
// behaviour it relies on is documented in docs/iis-behaviours.md. It knows no IIS semantics of its own: the iis package
// reads and compiles the configuration (patterns, handler selection,
// <location> merging), and where a question is "what would a browser
// see", lint sends the request through the iis emulation in-process and
// judges the responses by the Fetch rules (emulate.go, with the
// predicates of the fetchspec package).
package webconfig

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
)

// Finding is one mistake in a web.config.
type Finding struct {
	// Line is the line of the element at fault (0 when the file has none).
	Line int
	// Rule is the kebab-case id of the mistake, e.g. "duplicate-allow-origin".
	Rule string
	// Message says why it breaks: the browser rule.
	Message string
	// Fix says what to change.
	Fix string
	// Example is optional: a concrete origin the mistake lets in.
	Example string
	// Verdict is Chrome's CorsError for the failure the mistake causes, as
	// the emulation shows it where it was sent through it; "" when no
	// request fails (a security hole, a lost cache, a note).
	Verdict string
	// Location is the path of the <location> whose configuration the
	// finding is about; "" for the site itself.
	Location string
	// Note marks a finding that is information, not a mistake: a harmless
	// oddity or a construct the emulation cannot run.
	Note bool
}

// The rule ids.
const (
	RuleDuplicateAllowOrigin   = "duplicate-allow-origin"
	RuleDuplicateCORSHeader    = "duplicate-cors-header"
	RuleOriginHasPath          = "origin-has-path"
	RuleWildcardCredentials    = "wildcard-with-credentials"
	RuleWindowsAuthPreflight   = "windows-auth-preflight"
	RuleOptionsDenied          = "options-denied-by-request-filtering"
	RuleOptionsNotHandled      = "options-not-handled"
	RuleOptionsToApplication   = "options-to-application"
	RuleMaxAgeAboveCap         = "max-age-above-chrome-cap"
	RuleUnanchoredOrigin       = "unanchored-origin-pattern"
	RuleUnescapedDotOrigin     = "unescaped-dot-origin-pattern"
	RuleEchoWithoutVary        = "echo-without-vary"
	RuleFailUnlistedSameOrigin = "fail-unlisted-same-origin"
	RuleOriginRuleIncomplete   = "origin-rule-incomplete"
	RuleMethodNotAllowed       = "served-method-not-allowed"
	RuleMisspeltHeader         = "misspelt-header-name"
	RuleExposeCORSHeader       = "expose-lists-cors-header"
	RuleForbiddenHeaderListed  = "forbidden-header-listed"
	RuleIISConfigError         = "iis-configuration-error"
	RuleNotEmulated            = "emulation-note"
	RuleReverseProxy           = "reverse-proxy"
	RuleOutboundNeverMatches   = "outbound-rule-never-matches"
	RuleSeveralOrigins         = "allow-origin-lists-several"
	RuleCredentialsValue       = "allow-credentials-not-true"
	RuleSimpleOnly             = "simple-requests-only"
	RuleNoAllowOrigin          = "no-allow-origin"
)

// titles are the one-line summaries Format prints before why and fix.
var titles = map[string]string{
	RuleDuplicateAllowOrigin:   "Access-Control-Allow-Origin is set twice",
	RuleDuplicateCORSHeader:    "an Access-Control-* header is set by two layers",
	RuleOriginHasPath:          "an allowed origin has a path or a trailing slash",
	RuleWildcardCredentials:    `"*" is combined with credentials`,
	RuleWindowsAuthPreflight:   "Windows Authentication challenges the preflight",
	RuleOptionsDenied:          "request filtering denies OPTIONS",
	RuleOptionsNotHandled:      "no handler answers OPTIONS",
	RuleOptionsToApplication:   "the application answers OPTIONS (corsgate cannot see its answer)",
	RuleMaxAgeAboveCap:         "Access-Control-Max-Age is above Chrome's cap",
	RuleUnanchoredOrigin:       "the origin pattern is not anchored",
	RuleUnescapedDotOrigin:     "the origin pattern has an unescaped dot",
	RuleEchoWithoutVary:        "the echoed origin is sent without Vary: Origin",
	RuleFailUnlistedSameOrigin: "failUnlistedOrigins refuses the site's own origin unless it is listed",
	RuleOriginRuleIncomplete:   "a CORS Module origin rule lacks what the other rules allow",
	RuleMethodNotAllowed:       "the site serves a method its Allow-Methods leaves out",
	RuleMisspeltHeader:         "a header name is misspelt",
	RuleExposeCORSHeader:       "exposeHeaders lists an Access-Control-* header",
	RuleForbiddenHeaderListed:  "an allow list names a header page JavaScript cannot set",
	RuleIISConfigError:         "IIS refuses this configuration",
	RuleNotEmulated:            "what the IIS emulation says about this construct (not run, or run on an assumption)",
	RuleReverseProxy:           "requests are proxied to another server",
	RuleOutboundNeverMatches:   "an outbound rule meant to send a CORS header never fires",
	RuleSeveralOrigins:         "Access-Control-Allow-Origin lists several origins",
	RuleCredentialsValue:       `Access-Control-Allow-Credentials is not exactly "true"`,
	RuleSimpleOnly:             "only simple requests can pass: nothing sends Allow-Methods or Allow-Headers",
	RuleNoAllowOrigin:          "Access-Control-* headers without Access-Control-Allow-Origin",
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

// corsHeaderNames are the response headers of the CORS protocol.
var corsHeaderNames = []string{acao, acac, acam, acah, aceh, acma}

// Lint reports the CORS mistakes of cfg, and of each <location> with its
// merged configuration, sorted by line, then rule. A finding of a location
// that the site's own configuration already has is reported once, for the
// site.
func Lint(cfg *iis.Config) []Finding {
	fs := lintConfig(cfg, cfg, "")
	seen := map[string]bool{}
	for _, f := range fs {
		seen[findingKey(f)] = true
	}
	for _, loc := range cfg.Locations {
		for _, f := range lintConfig(cfg, loc.Config, loc.Path) {
			if k := findingKey(f); !seen[k] {
				seen[k] = true
				f.Location = loc.Path
				fs = append(fs, f)
			}
		}
	}
	// A location's configuration error is also a note of the site's
	// configuration; the finding says it once.
	fatal := map[int]bool{}
	for _, f := range fs {
		if f.Rule == RuleIISConfigError {
			fatal[f.Line] = true
		}
	}
	fs = slices.DeleteFunc(fs, func(f Finding) bool { return f.Rule == RuleNotEmulated && fatal[f.Line] })
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Rule != b.Rule {
			return strings.Compare(a.Rule, b.Rule)
		}
		return strings.Compare(a.Location, b.Location)
	})
	return fs
}

// findingKey identifies a finding across the site and its locations: the
// same rule on the same line is one mistake, whatever path it was probed on.
func findingKey(f Finding) string {
	return fmt.Sprintf("%d\x00%s", f.Line, f.Rule)
}

// Failing reports whether any finding is a mistake rather than a note.
func Failing(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return !f.Note })
}

// linter lints one configuration: the site's, or a location's merged one.
type linter struct {
	cfg *iis.Config
	emu *Emulator
	// path is a URL path the configuration serves, an extensionless API
	// route.
	path string
	// origins are concrete origins the configuration means to allow, from
	// the derived policy; a placeholder when it allows none.
	origins []string
	fs      []Finding
}

func (l *linter) add(f Finding) *Finding {
	l.fs = append(l.fs, f)
	return &l.fs[len(l.fs)-1]
}

// lintConfig lints cfg, served by site's emulation under prefix.
func lintConfig(site, cfg *iis.Config, prefix string) []Finding {
	l := &linter{cfg: cfg, emu: NewEmulator(site), path: servedPath(site, prefix)}
	l.origins = sampleOrigins(cfg)
	l.configNotes()
	l.duplicates()
	l.originPaths()
	l.wildcardCredentials()
	l.options()
	l.originRules()
	l.servedMethods()
	l.simpleOnly()
	l.noAllowOrigin()
	l.names()
	l.maxAge()
	l.patterns()
	l.outboundNeverMatches()
	l.vary()
	l.failUnlisted()
	return l.fs
}

// servedPath picks an API route that the configuration of location prefix
// ("" for the site) serves: one no deeper <location> takes.
func servedPath(site *iis.Config, prefix string) string {
	base := "/"
	if prefix != "" {
		base = "/" + strings.Trim(prefix, "/") + "/"
	}
	for _, p := range []string{base + "api/orders", base + "orders", base + "corsgate-probe"} {
		if site.For(p).Path == prefix {
			return p
		}
	}
	return strings.TrimSuffix(base, "/")
}

// sampleOrigins are up to three concrete origins of the policy cfg
// implies, or a placeholder when it implies none.
func sampleOrigins(cfg *iis.Config) []string {
	var out []string
	if p, _, err := DerivePolicy(cfg); err == nil {
		for _, o := range p.Origins {
			s := o.Sample()
			if o.Any {
				s = "https://any-site.corsgate.test"
			}
			if !slices.Contains(out, s) && len(out) < 3 {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"https://app.example.com"}
	}
	return out
}

// configNotes turns the iis package's notes into findings: a configuration
// IIS refuses (500.19 for every request) is a mistake; a construct the
// emulation does not run is a note.
func (l *linter) configNotes() {
	proxies := map[int]bool{}
	for _, r := range l.cfg.InboundRules {
		if strings.EqualFold(r.Action.Type, "Rewrite") && strings.Contains(r.Action.URL, "://") {
			proxies[r.Line], proxies[r.Action.Line] = true, true
		}
	}
	for _, n := range l.cfg.Notes {
		if n.Status == 0 && proxies[n.Line] {
			continue // the reverse-proxy note below says it for CORS
		}
		if n.Status != 0 {
			// The emulation answers as IIS does; the verdict is Chrome's on
			// that answer to a preflight.
			o := l.origins[0]
			pf := l.emu.Send(http.MethodOptions, l.path, preflightHeaders(o, "PUT", "Content-Type"))
			verdict, _ := fetchspec.PreflightCheck(pf.Status, pf.Header, fetchspec.PreflightRequest{Origin: o, Method: "PUT", Headers: []string{"Content-Type"}})
			why, fix := n.Split()
			if fix == "" {
				fix = "fix the configuration error IIS names (the emulation answers as IIS does)"
			}
			l.add(Finding{Line: n.Line, Rule: RuleIISConfigError, Verdict: verdict,
				Message: fmt.Sprintf("%s; IIS answers %d to every request in its scope, preflights included, so no CORS request succeeds", why, n.Status),
				Fix:     fix})
			continue
		}
		// A note that asks for a change (a pattern that is no regular
		// expression: "fix the expression") gives that change as the fix;
		// the others name a construct that is not wrong, only not emulated.
		why, fix := n.Split()
		if fix == "" {
			fix = "nothing to change in the file; the emulation does not run this part, so check what it does by hand"
		}
		l.add(Finding{Line: n.Line, Rule: RuleNotEmulated, Note: true, Message: why, Fix: fix})
	}
	for _, r := range l.cfg.InboundRules {
		if strings.EqualFold(r.Action.Type, "Rewrite") && strings.Contains(r.Action.URL, "://") {
			l.add(Finding{Line: r.Line, Rule: RuleReverseProxy, Note: true,
				Message: fmt.Sprintf("the rule \"%s\" sends matching requests to %s (with Application Request Routing installed; without it IIS answers 404.4): the response, and any CORS headers the application there sends, come from an application corsgate cannot see; customHeaders and outbound rules still apply on the way back%s", r.Name, r.Action.URL, l.appAlsoCORS()),
				Fix:     "check the proxied application's own CORS headers with make check against the real site"})
		}
	}
}

// customHeaders returns the customHeaders entries called name.
func customHeaders(cfg *iis.Config, name string) []iis.Header {
	var out []iis.Header
	for _, h := range cfg.CustomHeaders {
		if !h.Inherited && strings.EqualFold(strings.TrimSpace(h.Name), name) {
			out = append(out, h)
		}
	}
	return out
}

// outboundSetting returns the outbound rules that rewrite response header
// name.
func outboundSetting(cfg *iis.Config, name string) []iis.Rule {
	want := "RESPONSE_" + strings.ReplaceAll(name, "-", "_")
	var out []iis.Rule
	for _, r := range cfg.OutboundRules {
		// IIS takes RESPONSE_X-Y and RESPONSE_X_Y alike (the recipes write
		// both); the emulator's headerName does the same.
		sv := strings.ReplaceAll(r.ServerVariable, "-", "_")
		if strings.EqualFold(sv, want) && strings.EqualFold(r.Action.Type, "Rewrite") {
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

// corsHeaderLine returns the line of the first Access-Control-* customHeader
// or outbound rule setting one; 0 when CORS is not configured that way.
func corsHeaderLine(cfg *iis.Config) int {
	for _, h := range cfg.CustomHeaders {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Name)), "access-control-") {
			return h.Line
		}
	}
	for _, r := range cfg.OutboundRules {
		if strings.HasPrefix(strings.ToUpper(strings.ReplaceAll(r.ServerVariable, "-", "_")), "RESPONSE_ACCESS_CONTROL_") {
			return r.Line
		}
	}
	return 0
}

// Format renders findings, one block per finding, and a last line
// "N findings" or "no findings" (notes counted apart). name is the file
// name cited.
func Format(name string, fs []Finding) string {
	var b strings.Builder
	mistakes, notes := 0, 0
	for _, f := range fs {
		title := titles[f.Rule]
		if title == "" {
			title = f.Rule
		}
		kind := ""
		if f.Note {
			kind = "note: "
			notes++
		} else {
			mistakes++
		}
		where := ""
		if f.Location != "" {
			where = fmt.Sprintf(" (in <location path=\"%s\">)", f.Location)
		}
		fmt.Fprintf(&b, "%s:%d: %s%s: %s%s\n", name, f.Line, kind, f.Rule, title, where)
		fmt.Fprintf(&b, "    why: %s\n", f.Message)
		if f.Verdict != "" {
			fmt.Fprintf(&b, "    chrome: %s\n", f.Verdict)
		}
		if f.Example != "" {
			fmt.Fprintf(&b, "    lets in: %s\n", f.Example)
		}
		fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
	}
	switch mistakes {
	case 0:
		b.WriteString("no findings")
	case 1:
		b.WriteString("1 finding")
	default:
		fmt.Fprintf(&b, "%d findings", mistakes)
	}
	switch notes {
	case 0:
	case 1:
		b.WriteString(", 1 note")
	default:
		fmt.Fprintf(&b, ", %d notes", notes)
	}
	b.WriteString("\n")
	return b.String()
}
