package webconfig

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/lint and testdata/policy")

const fixtures = "../fixtures/iis/testdata"

// inputs are the web.config files the golden tests run on: the iis
// fixtures and this package's own files (the field guide's mistakes; a
// <location path="api"> with a Wildcard echo and an IsFile SPA rule).
func inputs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtures, "*.config"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtures, err)
	}
	own, err := filepath.Glob(filepath.Join("testdata", "*.config"))
	if err != nil || len(own) < 2 {
		t.Fatalf("want field-guide.config and location-spa.config in testdata: %v", err)
	}
	return append(files, own...)
}

func load(t *testing.T, path string) *iis.Config {
	t.Helper()
	cfg, err := iis.Load(path)
	if err != nil {
		t.Fatalf("iis.Load(%s): %v", path, err)
	}
	return cfg
}

// parse reads an inline web.config.
func parse(t *testing.T, text string) *iis.Config {
	t.Helper()
	cfg, err := iis.Parse("web.config", []byte(text))
	if err != nil {
		t.Fatalf("iis.Parse: %v", err)
	}
	return cfg
}

// goldenFix is the failure's advice for the lab and sample goldens.
const goldenFix = "check the change, then run go test ./webconfig -update"

// golden compares got with the golden file at path; -update rewrites it.
// fix is what the failure tells the reader to do before updating.
func golden(t *testing.T, path, got, fix string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./webconfig -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs; %s:\n--- got\n%s--- want\n%s", path, fix, got, want)
	}
}

func name(path string) string { return strings.TrimSuffix(filepath.Base(path), ".config") }

func TestLintGolden(t *testing.T) {
	for _, path := range inputs(t) {
		t.Run(name(path), func(t *testing.T) {
			fs := Lint(load(t, path))
			golden(t, filepath.Join("testdata", "lint", name(path)+".golden"), Format("web.config", fs), goldenFix)
			for i := 1; i < len(fs); i++ {
				a, b := fs[i-1], fs[i]
				if a.Line > b.Line || a.Line == b.Line && a.Rule > b.Rule {
					t.Errorf("findings not sorted: %d %s before %d %s", a.Line, a.Rule, b.Line, b.Rule)
				}
			}
			for _, f := range fs {
				if f.Line <= 0 || f.Rule == "" || f.Message == "" || f.Fix == "" || titles[f.Rule] == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

func TestPolicyGolden(t *testing.T) {
	for _, path := range inputs(t) {
		t.Run(name(path), func(t *testing.T) {
			cfg := load(t, path)
			cfg.Name = filepath.Base(path)
			p, notes, err := DerivePolicy(cfg)
			var b strings.Builder
			if err != nil {
				b.WriteString("# error: " + err.Error() + "\n")
			} else {
				// The returned policy is the parsed one: render it again and
				// parse it once more to be sure it round-trips.
				y := p.Redacted()
				if _, err := policy.Parse(cfg.Name, []byte(y), nil); err != nil {
					t.Fatalf("derived policy does not re-parse: %v\n%s", err, y)
				}
				b.WriteString(y)
				for _, n := range p.Notes {
					b.WriteString("# policy note: " + n + "\n")
				}
			}
			for _, n := range notes {
				b.WriteString("# note: " + n + "\n")
			}
			golden(t, filepath.Join("testdata", "policy", name(path)+".golden"), b.String(), goldenFix)
		})
	}
}

// TestRules checks that every rule fires on one config and not on another.
func TestRules(t *testing.T) {
	const (
		wrap = `<configuration><system.webServer>%s</system.webServer></configuration>`
		echo = `<rewrite>
<rules><rule name="pre" stopProcessing="true"><match url=".*"/><conditions><add input="{REQUEST_METHOD}" pattern="^OPTIONS$"/></conditions><action type="CustomResponse" statusCode="204"/></rule></rules>
<outboundRules><rule name="echo"><match serverVariable="RESPONSE_Access_Control_Allow_Origin" pattern=".*"/>
<conditions><add input="{HTTP_ORIGIN}" pattern="%s"/></conditions><action type="Rewrite" value="{HTTP_ORIGIN}"/></rule>%s</outboundRules></rewrite>`
	)
	inline := func(body string) string { return strings.Replace(wrap, "%s", body, 1) }
	echoCfg := func(pattern, extra string) string {
		return inline(strings.Replace(strings.Replace(echo, "%s", pattern, 1), "%s", extra, 1))
	}
	const customACAO = `<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/></customHeaders></httpProtocol>`
	// The ASP.NET Web API template: OPTIONS and every verb to the application.
	const webAPIHandlers = `<handlers><remove name="ExtensionlessUrlHandler-Integrated-4.0"/><remove name="OPTIONSVerbHandler"/><remove name="TRACEVerbHandler"/><add name="ExtensionlessUrlHandler-Integrated-4.0" path="*." verb="*" type="System.Web.Handlers.TransferRequestHandler" preCondition="integratedMode,runtimeVersionv4.0"/></handlers>`
	wildcardEcho := func(pattern string) string {
		return inline(`<rewrite><outboundRules><rule name="echo" patternSyntax="Wildcard"><match serverVariable="RESPONSE_Access_Control_Allow_Origin" pattern="*"/><conditions><add input="{HTTP_ORIGIN}" pattern="` + pattern + `"/></conditions><action type="Rewrite" value="{HTTP_ORIGIN}"/></rule><rule name="vary" patternSyntax="Wildcard"><match serverVariable="RESPONSE_Vary" pattern="*"/><action type="Rewrite" value="Origin"/></rule></outboundRules></rewrite>`)
	}
	vary := `<rule name="vary"><match serverVariable="RESPONSE_Vary" pattern=".*"/><action type="Rewrite" value="Origin"/></rule>`
	tests := []struct {
		rule       string
		fires, not string // fixture names or inline configs (starting with "<")
	}{
		{RuleDuplicateAllowOrigin, "cors-module-with-customheaders", "cors-module-exact-origins"},
		// An outbound rule sets (replaces) the header customHeaders added, so
		// the emulation sends one line: no duplicate.
		{RuleDuplicateAllowOrigin, inline(`<cors enabled="true"><add origin="https://a.example"/></cors><httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/></customHeaders></httpProtocol>`),
			inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/></customHeaders></httpProtocol>` + strings.Replace(strings.Replace(echo, "%s", `^https://b\.example$`, 1), "%s", vary, 1))},
		{RuleDuplicateCORSHeader, inline(`<cors enabled="true"><add origin="https://a.example"><allowHeaders><add header="Content-Type"/></allowHeaders></add></cors><httpProtocol><customHeaders><add name="Access-Control-Allow-Headers" value="Content-Type, Authorization"/></customHeaders></httpProtocol>`), "cors-module-exact-origins"},
		{RuleOriginHasPath, "customheaders-trailing-slash", "customheaders-exact-origin-options-handler"},
		{RuleOriginHasPath, inline(`<cors enabled="true"><add origin="https://app.example.com/api"/></cors>`), "cors-module-no-expose-headers"},
		{RuleWildcardCredentials, "customheaders-wildcard-with-credentials", "customheaders-wildcard"},
		{RuleWildcardCredentials, "cors-module-only-star-with-credentials", "cors-module-wildcard-subdomain"},
		{RuleWildcardCredentials, inline(`<cors enabled="true"><add origin="*" allowCredentials="true"/><add origin="https://a.example"/></cors>`), "cors-module-exact-origins"},
		{RuleWindowsAuthPreflight, "windows-auth-challenges-preflight", "windows-auth-cors-module"},
		{RuleWindowsAuthPreflight, "windows-auth-app-level-cors", "windows-auth-anonymous-allowed"},
		{RuleOptionsDenied, "request-filtering-denies-options", "customheaders-wildcard"},
		{RuleOptionsDenied, inline(`<cors enabled="true"><add origin="https://a.example"/></cors><security><requestFiltering><verbs allowUnlisted="false"><add verb="GET" allowed="true"/></verbs></requestFiltering></security>`), inline(`<security><requestFiltering><verbs allowUnlisted="true"><add verb="OPTIONS" allowed="false"/></verbs></requestFiltering></security>`)},
		// A <verbs> row names one verb exactly (RL16): verb="*" denies none.
		{RuleOptionsDenied, "request-filtering-denies-options", inline(customACAO + `<security><requestFiltering><verbs><add verb="*" allowed="false"/></verbs></requestFiltering></security>`)},
		// A stock IIS inherits OPTIONSVerbHandler: a plain customHeaders file
		// gets 200 to its preflight; only removing the handler gives 405.
		{RuleOptionsNotHandled, inline(customACAO + `<handlers><remove name="OPTIONSVerbHandler"/></handlers>`), "customheaders-wildcard"},
		{RuleOptionsNotHandled, inline(customACAO + `<handlers><clear/><add name="StaticFile" path="*" verb="*" modules="StaticFileModule"/></handlers>`), "customheaders-exact-origin-options-handler"},
		{RuleOptionsToApplication, inline(customACAO + webAPIHandlers), inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Methods" value="GET, POST, PUT"/><add name="Access-Control-Allow-Headers" value="Content-Type"/></customHeaders></httpProtocol>` + webAPIHandlers)},
		// The usual "enable PUT and DELETE" recipe, with an allow list left behind.
		{RuleMethodNotAllowed, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Methods" value="GET, POST"/><add name="Access-Control-Allow-Headers" value="Content-Type"/></customHeaders></httpProtocol><handlers><remove name="ExtensionlessUrlHandler-Integrated-4.0"/><add name="ExtensionlessUrlHandler-Integrated-4.0" path="*." verb="GET,HEAD,POST,PUT,DELETE" type="System.Web.Handlers.TransferRequestHandler"/></handlers>`),
			inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Methods" value="GET, POST"/><add name="Access-Control-Allow-Headers" value="Content-Type"/></customHeaders></httpProtocol>` + webAPIHandlers)},
		{RuleOriginRuleIncomplete, inline(`<cors enabled="true"><add origin="https://a.example"><allowHeaders><add header="Content-Type"/></allowHeaders><allowMethods><add method="PUT"/></allowMethods></add><add origin="https://b.example"/></cors>`),
			inline(`<cors enabled="true"><add origin="https://a.example"><allowHeaders><add header="Content-Type"/></allowHeaders></add><add origin="https://b.example"><allowHeaders><add header="content-type"/></allowHeaders></add></cors>`)},
		{RuleOriginRuleIncomplete, "cors-module-exact-origins-no-fail-unlisted", "cors-module-wildcard-subdomain"},
		{RuleMisspeltHeader, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Headers" value="Content-Type, Athorization"/></customHeaders></httpProtocol>`), "customheaders-exact-origin-options-handler"},
		{RuleMisspeltHeader, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Orgin" value="https://a.example"/></customHeaders></httpProtocol>`), "cors-module-no-expose-headers"},
		{RuleExposeCORSHeader, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Expose-Headers" value="Access-Control-Allow-Origin"/></customHeaders></httpProtocol>`), "cors-module-exact-origins"},
		{RuleForbiddenHeaderListed, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Headers" value="Origin, Content-Type"/></customHeaders></httpProtocol>`), "customheaders-exact-origin-options-handler"},
		{RuleIISConfigError, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="*"/><add name="access-control-allow-origin" value="https://a.example"/></customHeaders></httpProtocol>`), "customheaders-wildcard"},
		{RuleNotEmulated, inline(`<rewrite><outboundRules><rule name="body"><match filterByTags="A" pattern="x"/><action type="Rewrite" value="y"/></rule></outboundRules></rewrite>`), "rewrite-echo-anchored"},
		{RuleReverseProxy, inline(customACAO + `<rewrite><rules><rule name="proxy"><match url="api/(.*)"/><action type="Rewrite" url="http://localhost:3000/{R:1}"/></rule></rules></rewrite>`), "rewrite-echo-anchored"},
		{RuleMaxAgeAboveCap, "customheaders-exact-origin-options-handler", "windows-auth-cors-module"},
		{RuleMaxAgeAboveCap, "cors-module-exact-origins", "cors-module-wildcard-subdomain"},
		{RuleUnanchoredOrigin, "rewrite-echo-unanchored", "rewrite-echo-anchored"},
		{RuleUnanchoredOrigin, "rewrite-echo-capture-unanchored", echoCfg(`^https://[a-z]+\.example\.com$`, vary)},
		// Under patternSyntax="Wildcard" the pattern is the whole input.
		{RuleUnanchoredOrigin, echoCfg(`https://app\.example\.com`, vary), wildcardEcho(`https://app.example.com`)},
		{RuleUnescapedDotOrigin, echoCfg(`^https://app.example.com$`, vary), "rewrite-echo-unanchored"},
		{RuleUnescapedDotOrigin, echoCfg(`^https://app.example.com$`, vary), wildcardEcho(`https://*.example.com`)},
		// The match pattern of a RESPONSE_ rule is tested against the header, not the URL.
		{RuleOutboundNeverMatches, inline(`<rewrite><outboundRules><rule name="fonts"><match serverVariable="RESPONSE_Access_Control_Allow_Origin" pattern="\.(woff|ttf)$"/><conditions><add input="{HTTP_ORIGIN}" pattern="^https://a\.example$"/></conditions><action type="Rewrite" value="{HTTP_ORIGIN}"/></rule></outboundRules></rewrite>`), "rewrite-echo-anchored"},
		{RuleSimpleOnly, "customheaders-wildcard", "customheaders-exact-origin-options-handler"},
		{RuleNoAllowOrigin, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Methods" value="POST,GET"/></customHeaders></httpProtocol>`), "app-level-cors"},
		{RuleSeveralOrigins, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example, https://b.example"/></customHeaders></httpProtocol>`), "customheaders-trailing-slash"},
		{RuleCredentialsValue, inline(`<httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/><add name="Access-Control-Allow-Credentials" value="True"/></customHeaders></httpProtocol>`), "customheaders-wildcard-with-credentials"},
		{RuleEchoWithoutVary, "rewrite-echo-anchored", echoCfg(`^https://app\.example\.com$`, vary)},
		{RuleEchoWithoutVary, "rewrite-echo-capture-unanchored", "cors-module-exact-origins"},
		{RuleFailUnlistedSameOrigin, "cors-module-exact-origins", "cors-module-exact-origins-no-fail-unlisted"},
		{RuleFailUnlistedSameOrigin, "windows-auth-cors-module", "cors-module-wildcard-subdomain"},
	}
	get := func(t *testing.T, s string) *iis.Config {
		if strings.HasPrefix(s, "<") {
			return parse(t, s)
		}
		return load(t, filepath.Join(fixtures, s+".config"))
	}
	// A rule that is a mistake must not fire as one; its note form (the
	// application answers OPTIONS with the headers complete) may.
	noteRules := map[string]bool{RuleForbiddenHeaderListed: true, RuleNotEmulated: true, RuleReverseProxy: true, RuleExposeCORSHeader: true, RuleSimpleOnly: true, RuleNoAllowOrigin: true}
	has := func(fs []Finding, rule string) bool {
		return slices.ContainsFunc(fs, func(f Finding) bool { return f.Rule == rule && (!f.Note || noteRules[rule]) })
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.rule] = true
		if fs := Lint(get(t, tt.fires)); !has(fs, tt.rule) {
			t.Errorf("%s does not fire on %.60q:\n%s", tt.rule, tt.fires, Format("web.config", fs))
		}
		if fs := Lint(get(t, tt.not)); has(fs, tt.rule) {
			t.Errorf("%s fires on %.60q:\n%s", tt.rule, tt.not, Format("web.config", fs))
		}
	}
	for rule := range titles {
		if !covered[rule] {
			t.Errorf("rule %s has no test", rule)
		}
	}
}

// TestPatternExamples checks the examples against the patterns with Go's
// regexp, case-insensitively when ignoreCase.
func TestPatternExamples(t *testing.T) {
	tests := []struct {
		pattern    string
		ignoreCase bool
		rule, want string
	}{
		{`https://app\.example\.com`, true, RuleUnanchoredOrigin, "https://app.example.com.attacker.test"},
		{`^https://app\.example\.com`, false, RuleUnanchoredOrigin, "https://app.example.com.attacker.test"},
		{`https://app.example.com`, true, RuleUnescapedDotOrigin, "https://appxexample.com"},
		{`^https://app.example.com$`, false, RuleUnescapedDotOrigin, "https://appxexample.com"},
		{`example\.com$`, true, RuleUnanchoredOrigin, "https://attackerexample.com"},
		{`^https://(app|admin)\.example\.com$`, true, "", ""},
		{`^https://[a-z0-9-]+\.example\.com$`, true, "", ""},
	}
	for _, tt := range tests {
		pat, err := iis.CompilePattern(tt.pattern, "", tt.ignoreCase, false)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		fs := patternFindings(iis.Condition{Input: "{HTTP_ORIGIN}", Pattern: pat, Line: 1}, false)
		var got *Finding
		for i := range fs {
			if fs[i].Rule == tt.rule {
				got = &fs[i]
			}
		}
		if tt.rule == "" {
			if len(fs) > 0 {
				t.Errorf("%q: unexpected findings %+v", tt.pattern, fs)
			}
			continue
		}
		if got == nil {
			t.Errorf("%q: no %s finding in %+v", tt.pattern, tt.rule, fs)
			continue
		}
		if tt.want != "" && got.Example != tt.want {
			t.Errorf("%q: example %q, want %q", tt.pattern, got.Example, tt.want)
		}
		expr := tt.pattern
		if tt.ignoreCase {
			expr = "(?i)" + expr
		}
		if !regexp.MustCompile(expr).MatchString(got.Example) {
			t.Errorf("%q: example %q does not match", tt.pattern, got.Example)
		}
	}
}

func TestFieldGuideFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "field-guide.config"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "\xef\xbb\xbf") || !strings.Contains(string(data), "\r\n") ||
		!strings.Contains(string(data), `<location path=".">`) || !strings.Contains(string(data), "<clear />") ||
		!strings.Contains(string(data), "<remove ") || !strings.Contains(string(data), "<!--") {
		t.Fatal("field-guide.config lost its BOM, CRLF, comments, location, clear or remove")
	}
	fs := Lint(load(t, filepath.Join("testdata", "field-guide.config")))
	rules := map[string]bool{}
	for _, f := range fs {
		rules[f.Rule] = true
	}
	// The echo rule replaces the Access-Control-Allow-Origin customHeaders
	// and the CORS Module add, so the duplicate left is the credentials one;
	// the CORS Module adds Vary: Origin, so the echo is cached per origin.
	for _, want := range []string{RuleDuplicateCORSHeader, RuleOriginHasPath, RuleMaxAgeAboveCap, RuleOptionsDenied,
		RuleUnanchoredOrigin, RuleUnescapedDotOrigin, RuleFailUnlistedSameOrigin} {
		if !rules[want] {
			t.Errorf("field-guide.config: no %s finding", want)
		}
	}
	// The removed origin must not be reported or derived.
	for _, f := range fs {
		if strings.Contains(f.Message, "old.example.com") {
			t.Errorf("finding about the removed rule: %+v", f)
		}
	}
}

func TestNotAWebConfig(t *testing.T) {
	_, err := iis.Parse("web.config", []byte(`<?xml version="1.0"?><html><body/></html>`))
	if err == nil || !strings.Contains(err.Error(), "not a web.config") {
		t.Fatalf("err = %v, want iis's not-a-web.config error", err)
	}
}

func TestFormatEmpty(t *testing.T) {
	if got := Format("web.config", nil); got != "no findings\n" {
		t.Errorf("Format(nil) = %q", got)
	}
	got := Format("web.config", []Finding{{Line: 3, Rule: RuleOriginHasPath, Message: "m", Fix: "f", Example: "e"}})
	want := "web.config:3: origin-has-path: " + titles[RuleOriginHasPath] + "\n    why: m\n    lets in: e\n    fix: f\n1 finding\n"
	if got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func TestDerivePolicy(t *testing.T) {
	origins := func(p *policy.Policy) []string {
		var out []string
		for _, o := range p.Origins {
			out = append(out, o.Value)
		}
		return out
	}
	tests := []struct {
		file        string
		origins     []string
		credentials bool
		unlisted    policy.Unlisted
	}{
		{"cors-module-exact-origins", []string{"https://app.example.com", "https://admin.example.com"}, true, policy.UnlistedReject},
		{"cors-module-exact-origins-no-fail-unlisted", []string{"https://app.example.com", "https://admin.example.com"}, true, policy.UnlistedOmit},
		// "*" last: the CORS Module answers an origin by its most specific
		// rule, and a policy by its first matching wildcard or "*".
		{"cors-module-wildcard-subdomain", []string{"https://*.example.com", "*"}, true, policy.UnlistedReject},
		{"cors-module-only-star-with-credentials", []string{"*"}, false, policy.UnlistedOmit},
		{"customheaders-trailing-slash", []string{"https://app.example.com"}, false, policy.UnlistedOmit},
		{"customheaders-wildcard-with-credentials", []string{"*"}, false, policy.UnlistedOmit},
		{"rewrite-echo-anchored", []string{"https://app.example.com", "https://admin.example.com"}, false, policy.UnlistedOmit},
		{"rewrite-echo-unanchored", []string{"https://app.example.com"}, false, policy.UnlistedOmit},
	}
	for _, tt := range tests {
		p, notes, err := DerivePolicy(load(t, filepath.Join(fixtures, tt.file+".config")))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got := origins(p); !slices.Equal(got, tt.origins) {
			t.Errorf("%s: origins %q, want %q", tt.file, got, tt.origins)
		}
		if p.Credentials != tt.credentials || p.Unlisted != tt.unlisted {
			t.Errorf("%s: credentials %v unlisted %s, want %v %s", tt.file, p.Credentials, p.Unlisted, tt.credentials, tt.unlisted)
		}
		if p.Target != PlaceholderTarget || !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "TARGET=") }) {
			t.Errorf("%s: target %q, notes %q", tt.file, p.Target, notes)
		}
		if slices.Contains(p.Methods, "OPTIONS") {
			t.Errorf("%s: methods %q keep OPTIONS", tt.file, p.Methods)
		}
	}
	if _, _, err := DerivePolicy(load(t, filepath.Join(fixtures, "app-level-cors.config"))); err == nil {
		t.Error("app-level-cors: no error for a web.config without CORS")
	}
	// An infinite pattern is sampled.
	cfg := parse(t, `<configuration><system.webServer><rewrite><outboundRules><rule name="echo"><match serverVariable="RESPONSE_Access_Control_Allow_Origin" pattern=".*"/><conditions><add input="{HTTP_ORIGIN}" pattern="^https://[a-z0-9-]+\.example\.com$"/></conditions><action type="Rewrite" value="{HTTP_ORIGIN}"/></rule></outboundRules></rewrite></system.webServer></configuration>`)
	p, notes, err := DerivePolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := origins(p); len(got) != 1 || !regexp.MustCompile(`^https://[a-z0-9-]+\.example\.com$`).MatchString(got[0]) {
		t.Errorf("sampled origins %q", got)
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "infinite") }) {
		t.Errorf("no note about the infinite set: %q", notes)
	}
}

func TestMisspelling(t *testing.T) {
	tests := map[string]string{
		"Athorization":                "Authorization",
		"authorisation":               "Authorization",
		"Content-Typ":                 "Content-Type",
		"Acess-Control-Allow-Origin":  "Access-Control-Allow-Origin",
		"Access-Control-Allow-Orgin":  "Access-Control-Allow-Origin",
		"X-Requested-Wiht":            "X-Requested-With",
		"Authorization":               "",
		"content-type":                "",
		"X-Custom-Header":             "",
		"X-Api-Version":               "",
		"Accept":                      "",
		"If-Match":                    "",
		"X-Total-Pages":               "",
		"Access-Control-Allow-Origin": "",
	}
	for name, want := range tests {
		if got := misspelling(name); got != want {
			t.Errorf("misspelling(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestLocationFile: a <location path="api">, a Wildcard echo and an IsFile
// SPA rule are read, linted and derived, never refused; the location's
// finding names it, and the policy is the location's.
func TestLocationFile(t *testing.T) {
	cfg := load(t, filepath.Join("testdata", "location-spa.config"))
	fs := Lint(cfg)
	var misspelt, vary *Finding
	for i, f := range fs {
		switch f.Rule {
		case RuleMisspeltHeader:
			misspelt = &fs[i]
		case RuleEchoWithoutVary:
			vary = &fs[i]
		case RuleUnanchoredOrigin, RuleUnescapedDotOrigin:
			t.Errorf("a Wildcard pattern is anchored and has no regular-expression dot: %+v", f)
		}
	}
	if misspelt == nil || misspelt.Location != "api" || misspelt.Line != 39 || misspelt.Verdict != "HeaderDisallowedByPreflightResponse" {
		t.Errorf("misspelt Athorization: %+v, want line 39 in location api", misspelt)
	}
	if vary == nil || vary.Location != "" {
		t.Errorf("the site's echo without Vary: %+v, want it on the site (the api location adds Vary)", vary)
	}
	p, notes, err := DerivePolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p.Endpoints[0].Path != "/api" || len(p.Origins) != 1 || p.Origins[0].Value != "https://*.example.com" || !p.Origins[0].Wildcard {
		t.Errorf("policy endpoints %+v origins %+v, want /api and https://*.example.com", p.Endpoints, p.Origins)
	}
	if !slices.Contains(p.Headers, "Authorization") {
		t.Errorf("headers %q: the misspelt name should be the one meant", p.Headers)
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, `<location path="api">`) }) {
		t.Errorf("no note about the location: %q", notes)
	}
}

// TestDeriveNoOriginNamesWhy: when no origin of the file fits a policy, the
// error names each origin left out and the fix, not "see the notes".
func TestDeriveNoOriginNamesWhy(t *testing.T) {
	cfg, err := iis.Parse("inline.config", []byte(`<configuration><system.webServer><httpProtocol><customHeaders>
<add name="Access-Control-Allow-Origin" value="ftp://files.example.com"/>
</customHeaders></httpProtocol></system.webServer></configuration>`))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = DerivePolicy(cfg)
	if err == nil || !strings.Contains(err.Error(), `line 2: "ftp://files.example.com"`) || !strings.Contains(err.Error(), "by hand") || strings.Contains(err.Error(), "see the notes") {
		t.Errorf("Derive(ftp origin only): %v; want an error naming line 2's origin and the fix", err)
	}
}

// TestDerivePreConditionGrouping: the origins a rule's conditions propose
// are kept only where the iis package says the rule runs — its conditions
// and its preCondition each under their own logicalGrouping.
func TestDerivePreConditionGrouping(t *testing.T) {
	rule := func(grouping, pre string) string {
		return `<configuration><system.webServer><rewrite><outboundRules>
<rule name="echo" preCondition="pc"><match serverVariable="RESPONSE_Access_Control_Allow_Origin" pattern=".*"/>
<conditions><add input="{HTTP_ORIGIN}" pattern="^https://(a|b)\.example$"/></conditions>
<action type="Rewrite" value="{HTTP_ORIGIN}"/></rule>
<preConditions><preCondition name="pc" logicalGrouping="` + grouping + `">` + pre + `</preCondition></preConditions>
</outboundRules></rewrite></system.webServer></configuration>`
	}
	tests := []struct {
		name, config string
		want         []string
	}{
		{"MatchAll narrows", rule("MatchAll", `<add input="{HTTP_ORIGIN}" pattern="^https://a\.example$"/>`), []string{"https://a.example"}},
		{"MatchAny with a request test that holds", rule("MatchAny", `<add input="{HTTP_ORIGIN}" pattern="^https://a\.example$"/><add input="{REQUEST_METHOD}" pattern="^GET$"/>`), []string{"https://a.example", "https://b.example"}},
		{"MatchAll with a negated origin", rule("MatchAll", `<add input="{HTTP_ORIGIN}" pattern="^https://b\.example$" negate="true"/>`), []string{"https://a.example"}},
	}
	for _, tc := range tests {
		cfg, err := iis.Parse("inline.config", []byte(tc.config))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := DerivePolicy(cfg)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, o := range p.Origins {
			got = append(got, o.Value)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: origins %q; want %q", tc.name, got, tc.want)
		}
	}
}

// TestLintVerdicts: findings that used to carry no Chrome verdict take it
// from the emulated exchange.
func TestLintVerdicts(t *testing.T) {
	wrap := func(body string) *iis.Config {
		cfg, err := iis.Parse("inline.config", []byte(`<configuration><system.webServer>`+body+`</system.webServer></configuration>`))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	tests := []struct {
		name, body, rule, want string
	}{
		{"two Allow-Origin layers", `<cors enabled="true"><add origin="https://a.example"/></cors><httpProtocol><customHeaders><add name="Access-Control-Allow-Origin" value="https://a.example"/></customHeaders></httpProtocol>`,
			RuleDuplicateAllowOrigin, "MultipleAllowOriginValues"},
		{"two Allow-Credentials layers", `<cors enabled="true"><add origin="https://a.example" allowCredentials="true"/></cors><httpProtocol><customHeaders><add name="Access-Control-Allow-Credentials" value="true"/></customHeaders></httpProtocol>`,
			RuleDuplicateCORSHeader, "InvalidAllowCredentials"},
		{"echo without Vary", `<rewrite><outboundRules><rule name="echo"><match serverVariable="RESPONSE_Access_Control_Allow_Origin" pattern=".*"/><conditions><add input="{HTTP_ORIGIN}" pattern="^https://(a|b)\.example$"/></conditions><action type="Rewrite" value="{HTTP_ORIGIN}"/></rule></outboundRules></rewrite>`,
			RuleEchoWithoutVary, "AllowOriginMismatch"},
	}
	for _, tc := range tests {
		var got []string
		for _, f := range Lint(wrap(tc.body)) {
			if f.Rule == tc.rule {
				got = append(got, f.Verdict)
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: %s verdicts %q; want [%q]", tc.name, tc.rule, got, tc.want)
		}
	}
}
