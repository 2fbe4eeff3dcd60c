package webconfig

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fixtures/iis"
)

// This file holds the checks the emulation decides: a request is sent
// through the iis emulation and the finding fires only when the response
// shows the failure; the configuration is read only to name the line at
// fault.

// preflightHeaders are a browser's preflight for a PUT with a JSON body
// from origin.
func preflightHeaders(origin, method string, headers ...string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if len(headers) > 0 {
		h.Set("Access-Control-Request-Headers", strings.ToLower(strings.Join(headers, ",")))
	}
	return h
}

// layer is one part of the configuration that sets a response header.
type layer struct {
	what string
	line int
}

// layersSetting lists the parts of the configuration that set header name.
func (l *linter) layersSetting(name string) []layer {
	var out []layer
	for _, h := range customHeaders(l.cfg, name) {
		out = append(out, layer{"customHeaders", h.Line})
	}
	if corsModuleOn(l.cfg) && l.moduleSets(name) {
		out = append(out, layer{"the IIS CORS Module (<cors>)", l.cfg.CORS.Line})
	}
	for _, r := range outboundSetting(l.cfg, name) {
		if r.Action.Value != "" {
			out = append(out, layer{fmt.Sprintf("the outbound rewrite rule \"%s\"", r.Name), r.Line})
		}
	}
	return out
}

// moduleSets reports whether an allowed CORS Module rule emits header name
// (iis CORSModule: origin always; the others when configured).
func (l *linter) moduleSets(name string) bool {
	for _, r := range l.cfg.CORS.Rules {
		if !r.Allowed {
			continue
		}
		switch name {
		case acao:
			return true
		case acac:
			if r.AllowCredentials {
				return true
			}
		case acam:
			if len(r.AllowMethods) > 0 {
				return true
			}
		case acah:
			if len(r.AllowHeaders) > 0 || r.AllowAllRequestedHeaders {
				return true
			}
		case aceh:
			if len(r.ExposeHeaders) > 0 {
				return true
			}
		case acma:
			if r.MaxAge >= 0 {
				return true
			}
		}
	}
	return false
}

// duplicates reports each Access-Control-* header that reaches the browser
// twice in the emulation (a preflight and a GET from each sample origin),
// naming the layers that set it.
func (l *linter) duplicates() {
	twice := map[string]bool{}
	for _, o := range l.origins {
		for _, ex := range []*Exchange{
			l.emu.Send(http.MethodOptions, l.path, preflightHeaders(o, "PUT", "Content-Type")),
			l.emu.Send(http.MethodGet, l.path, http.Header{"Origin": {o}}),
		} {
			for _, n := range corsHeaderNames {
				if len(ex.Header.Values(n)) > 1 {
					twice[n] = true
				}
			}
		}
	}
	for _, n := range corsHeaderNames {
		if !twice[n] {
			continue
		}
		ls := l.layersSetting(n)
		if len(ls) < 2 {
			continue // the emulation duplicates it for a reason the layers do not show
		}
		var parts []string
		for _, x := range ls {
			parts = append(parts, fmt.Sprintf("%s (line %d)", x.what, x.line))
		}
		at := ls[0]
		f := Finding{Line: at.line, Rule: RuleDuplicateCORSHeader,
			Message: fmt.Sprintf("%s is sent by %s; each layer adds its own line, never merged, and the browser reads the lines joined by \", \": ", n, strings.Join(parts, " and ")),
			Fix:     fmt.Sprintf("keep one layer: remove %s from %s", n, ls[0].what)}
		switch n {
		case acao:
			f.Rule, f.Verdict = RuleDuplicateAllowOrigin, "MultipleAllowOriginValues"
			f.Message += "\"a, b\" matches no origin, so the CORS check fails (https://fetch.spec.whatwg.org/#cors-check)"
		case acac:
			f.Verdict = "InvalidAllowCredentials"
			f.Message += "\"true, true\" is not \"true\", so every credentialed request fails the CORS check (https://fetch.spec.whatwg.org/#cors-check, step 7)"
		case acma:
			f.Message += "\"600, 600\" is not a number, so the browser ignores it and caches the preflight for 5 s"
		default:
			f.Message += "the browser allows the union of both lists, so what one layer restricts (per origin, in the CORS Module) the other widens for every origin, and the two drift apart"
		}
		if strings.HasPrefix(ls[0].what, "customHeaders") && len(ls) > 1 {
			f.Fix = fmt.Sprintf("remove %s from customHeaders and let %s send it", n, ls[1].what)
		}
		l.add(f)
	}
}

// options sends a browser's preflight (PUT with a JSON body) from an
// allowed origin through the emulation and reports what stops it before
// any CORS handling: request filtering (404.6), Windows Authentication
// (401), no handler (405), or the application answering it while the file
// sends only part of the CORS headers.
func (l *linter) options() {
	headerLine := corsHeaderLine(l.cfg)
	o := l.origins[0]
	pf := l.emu.Send(http.MethodOptions, l.path, preflightHeaders(o, "PUT", "Content-Type"))
	verdict, _ := preflightCheck(pf.Status, pf.Header, o, "PUT", []string{"Content-Type"}, false)
	if headerLine == 0 && !corsModuleOn(l.cfg) {
		// The application may do CORS itself: only what stops its
		// preflight before it runs is reported.
		if pf.Status != http.StatusUnauthorized {
			return
		}
		verdict = "PreflightInvalidStatus"
	}
	switch {
	case pf.Status == http.StatusNotFound && l.filteringDenies("OPTIONS"):
		line, why, fix := l.filteringLine("OPTIONS")
		l.add(Finding{Line: line, Rule: RuleOptionsDenied, Verdict: verdict,
			Message: why + ", so IIS answers every preflight 404.6 before any CORS handling runs; the browser fails a preflight that is not 2xx (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7)",
			Fix:     fix})
	case pf.Status == http.StatusUnauthorized:
		l.add(Finding{Line: l.cfg.Auth.Line, Rule: RuleWindowsAuthPreflight, Verdict: verdict,
			Message: "Windows Authentication is on and anonymous authentication off, and nothing answers the preflight before authentication runs (no CORS Module rule for the origin, no inbound rewrite rule for OPTIONS); a browser never sends credentials on a preflight, so it gets 401, and only a 2xx preflight passes (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7)",
			Fix:     "install the IIS CORS Module and configure <cors enabled=\"true\">, which answers preflights before authentication, or enable anonymous authentication and require Windows login for the other verbs (URL Authorization <allow verbs=\"OPTIONS\" users=\"?\"/>)"})
	case pf.Status == http.StatusMethodNotAllowed:
		l.optionsNotHandled(pf, verdict, headerLine)
	case pf.FromApp && pf.Status >= 200 && pf.Status <= 299 && !corsModuleOn(l.cfg) && !proxies(l.cfg):
		// (A proxied preflight is the reverse-proxy note's subject.)
		l.optionsToApplication(verdict, headerLine)
	}
}

// filteringDenies reports whether request filtering denies method, read
// from the configuration (verbs compare case-sensitively, RL16 in
// docs/iis-behaviours.md) — only to word the finding; the emulated 404
// decided it.
func (l *linter) filteringDenies(method string) bool {
	f := l.cfg.Filtering
	allowed := f.AllowUnlisted
	for _, v := range f.Verbs {
		if iis.VerbMatches(v.Verb, method) {
			allowed = v.Allowed
		}
	}
	return !allowed
}

// filteringLine names the requestFiltering entry that denies method.
func (l *linter) filteringLine(method string) (line int, why, fix string) {
	f := l.cfg.Filtering
	for _, v := range f.Verbs {
		if iis.VerbMatches(v.Verb, method) && !v.Allowed {
			return v.Line, fmt.Sprintf("requestFiltering denies the %s verb", method),
				fmt.Sprintf("remove <add verb=\"%s\" allowed=\"false\"/> from requestFiltering/verbs", v.Verb)
		}
	}
	if len(f.Verbs) > 0 {
		line = f.Verbs[0].Line
	}
	return line, fmt.Sprintf("requestFiltering has allowUnlisted=\"false\" and does not list %s", method),
		fmt.Sprintf("add <add verb=\"%s\" allowed=\"true\"/> to requestFiltering/verbs", method)
}

// optionsNotHandled reports a 405 to the preflight: the file removed
// OPTIONSVerbHandler or mapped OPTIONS to a handler that refuses it.
func (l *linter) optionsNotHandled(pf *Exchange, verdict string, headerLine int) {
	sel := l.cfg.Handler(http.MethodOptions, l.path, iis.Options{})
	line, cause, fix := headerLine, "", ""
	for _, rm := range l.cfg.HandlerRemovals {
		if rm.Clear || strings.EqualFold(rm.Name, "OPTIONSVerbHandler") {
			line = rm.Line
			if rm.Clear {
				cause = fmt.Sprintf("<clear/> in <handlers> (line %d) drops the OPTIONSVerbHandler a stock IIS inherits", rm.Line)
				fix = "after the <clear/>, add back <add name=\"OPTIONSVerbHandler\" path=\"*\" verb=\"OPTIONS\" modules=\"ProtocolSupportModule\" requireAccess=\"None\"/> ahead of StaticFile, or answer OPTIONS with an inbound rewrite rule (CustomResponse 200), or use the IIS CORS Module"
			} else {
				cause = fmt.Sprintf("<remove name=\"%s\"/> (line %d) drops the OPTIONSVerbHandler a stock IIS inherits", rm.Name, rm.Line)
				fix = fmt.Sprintf("delete the <remove name=\"%s\"/> on line %d (a stock IIS then answers OPTIONS 200 itself), or use the IIS CORS Module, which answers preflights before any handler", rm.Name, rm.Line)
			}
			break
		}
	}
	if sel.Found && !sel.Mapping.Inherited && sel.Mapping.Line > 0 {
		line = sel.Mapping.Line
		cause = fmt.Sprintf("the handler \"%s\" (line %d) takes OPTIONS for %s and refuses it", sel.Mapping.Name, sel.Mapping.Line, l.path)
		fix = fmt.Sprintf("limit the verb list of \"%s\" so OPTIONS reaches OPTIONSVerbHandler, or use the IIS CORS Module", sel.Mapping.Name)
	}
	if cause == "" {
		cause = "no handler in the effective <handlers> list takes OPTIONS"
		fix = "let OPTIONSVerbHandler answer OPTIONS (do not remove it), or use the IIS CORS Module, which answers preflights before any handler"
	}
	allow := pf.Header.Get("Allow")
	l.add(Finding{Line: line, Rule: RuleOptionsNotHandled, Verdict: verdict,
		Message: fmt.Sprintf("CORS headers come from customHeaders or a rewrite rule, but %s, so the preflight gets 405 Method Not Allowed (Allow: %s) and the browser fails a preflight that is not 2xx (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7)", cause, allow),
		Fix:     fix})
}

// optionsToApplication reports OPTIONS handed to the application while the
// file's own CORS headers lack Allow-Methods or Allow-Headers: the
// preflight then passes only if the application adds them, which
// corsgate cannot see.
func (l *linter) optionsToApplication(verdict string, headerLine int) {
	hasMethods := len(l.layersSetting(acam)) > 0
	hasHeaders := len(l.layersSetting(acah)) > 0
	sel := l.cfg.Handler(http.MethodOptions, l.path, iis.Options{})
	line, who := headerLine, "a handler"
	if sel.Found {
		who = fmt.Sprintf("the handler \"%s\"", sel.Mapping.Name)
		if !sel.Mapping.Inherited && sel.Mapping.Line > 0 {
			line = sel.Mapping.Line
			who += fmt.Sprintf(" (line %d)", sel.Mapping.Line)
		}
	}
	if hasMethods && hasHeaders {
		l.add(Finding{Line: line, Rule: RuleOptionsToApplication, Note: true,
			Message: fmt.Sprintf("%s hands OPTIONS to the application: the preflight passes only if the application answers it with a 2xx status, which corsgate cannot see (ASP.NET Web API answers 405 to an OPTIONS no action takes unless CORS is enabled in code or Application_BeginRequest ends OPTIONS; customHeaders go on that 405 too) (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7)%s", who, l.appAlsoCORS()),
			Fix:     "check with make check against the real site; " + l.keepOptionsHandler()})
		return
	}
	var missing []string
	if !hasMethods {
		missing = append(missing, acam)
	}
	if !hasHeaders {
		missing = append(missing, acah)
	}
	l.add(Finding{Line: line, Rule: RuleOptionsToApplication, Verdict: verdict,
		Message: fmt.Sprintf("%s hands OPTIONS to the application, and the file itself sends no %s: a preflight (a PUT, a JSON POST, an Authorization header) passes only if the application adds them to its OPTIONS answer, which corsgate cannot see (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 8)%s", who, strings.Join(missing, " or "), l.appAlsoCORS()),
		Fix:     fmt.Sprintf("send %s from the same layer as Access-Control-Allow-Origin, or let the application do all of CORS and remove the customHeaders entries", strings.Join(missing, " and "))})
}

// appAlsoCORS is the sentence for an application that may do CORS too:
// its Access-Control-Allow-Origin and the file's would both be sent.
func (l *linter) appAlsoCORS() string {
	if len(customHeaders(l.cfg, acao)) == 0 {
		return ""
	}
	return "; if the application also sends Access-Control-Allow-Origin (CORS enabled in its code), the customHeaders one doubles it and the browser refuses every response (MultipleAllowOriginValues)"
}

// keepOptionsHandler is the fix that lets IIS answer OPTIONS itself: undo
// the file's removal of OPTIONSVerbHandler, or add it ahead of the
// file's own mappings that take OPTIONS.
func (l *linter) keepOptionsHandler() string {
	for _, rm := range l.cfg.HandlerRemovals {
		if strings.EqualFold(rm.Name, "OPTIONSVerbHandler") {
			return fmt.Sprintf("or delete the <remove name=\"%s\"/> on line %d so IIS answers OPTIONS 200 itself", rm.Name, rm.Line)
		}
	}
	return "or add <add name=\"OPTIONSVerbHandler\" path=\"*\" verb=\"OPTIONS\" modules=\"ProtocolSupportModule\" requireAccess=\"None\"/> first in <handlers> (the file's own mappings come before the inherited one and take OPTIONS) so IIS answers OPTIONS 200 itself"
}

// originRules checks each allowed CORS Module rule but "*" on its own: a preflight
// from its origin for every method and header the other rules allow is
// sent through the emulation; a rule that fails one lacks it.
func (l *linter) originRules() {
	c := l.cfg.CORS
	if !corsModuleOn(l.cfg) {
		return
	}
	var allowed []iis.OriginRule
	for _, r := range c.Rules {
		if p, _ := originProblem(r.Origin); r.Allowed && p == "" {
			allowed = append(allowed, r)
		}
	}
	if len(allowed) < 2 {
		return
	}
	var methods, headers []string
	for _, r := range allowed {
		methods = appendNames(methods, r.AllowMethods)
		headers = appendNames(headers, r.AllowHeaders)
	}
	methods = slices.DeleteFunc(methods, func(m string) bool {
		return strings.EqualFold(m, "OPTIONS") || m == "*" || !needsPreflight(strings.ToUpper(m), nil)
	})
	// Accept, Accept-Language and Content-Language are CORS-safelisted with
	// the values pages send (https://fetch.spec.whatwg.org/#cors-safelisted-request-header):
	// listing them asks for nothing a preflight checks.
	headers = slices.DeleteFunc(headers, func(h string) bool {
		switch strings.ToLower(h) {
		case "*", "accept", "accept-language", "content-language":
			return true
		}
		return forbiddenRequestHeader(h)
	})
	for _, r := range allowed {
		if r.Origin == "*" {
			continue // the public fallback is narrower than the listed origins by design
		}
		origin := ruleOrigin(r.Origin)
		var lackM, lackH []string
		verdict := ""
		refused := func(req Request) bool {
			out := l.emu.Fetch(req)
			if out.CorsError != "MethodDisallowedByPreflightResponse" && out.CorsError != "HeaderDisallowedByPreflightResponse" {
				return false
			}
			if verdict == "" {
				verdict = out.CorsError
			}
			return true
		}
		for _, m := range methods {
			if refused(Request{Origin: origin, Method: strings.ToUpper(m), Path: l.path}) {
				lackM = append(lackM, strings.ToUpper(m))
			}
		}
		for _, h := range headers {
			if refused(Request{Origin: origin, Method: http.MethodGet, Path: l.path, Headers: []string{h}}) {
				lackH = append(lackH, h)
			}
		}
		var lacks []string
		plural := func(one string, names []string) string {
			if len(names) > 1 {
				one += "s"
			}
			return one + " " + strings.Join(names, ", ")
		}
		if len(lackM) > 0 {
			lacks = append(lacks, plural("the method", lackM))
		}
		if len(lackH) > 0 {
			lacks = append(lacks, plural("the header", lackH))
		}
		if len(lacks) == 0 {
			continue
		}
		l.add(Finding{Line: r.Line, Rule: RuleOriginRuleIncomplete, Verdict: verdict,
			Message: fmt.Sprintf("the rule for \"%s\" lacks %s, which other rules allow: the CORS Module answers each origin from its own rule only, so in the emulation a preflight from %s asking for them is refused (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 8)", r.Origin, strings.Join(lacks, " and "), origin),
			Fix:     fmt.Sprintf("add them to the <allowMethods>/<allowHeaders> of the rule for \"%s\" (if that origin must not use them, this is deliberate and can stay)", r.Origin)})
	}
}

// ruleOrigin is a concrete origin a CORS Module rule origin allows.
func ruleOrigin(o string) string {
	switch {
	case o == "*":
		return "https://any-site.corsgate.test"
	case strings.Contains(o, "://*"):
		if strings.HasSuffix(o, "://*") {
			return strings.Replace(o, "*", "app.example.com", 1)
		}
		return strings.Replace(o, "*", "app", 1)
	}
	return o
}

// servedMethods checks the allow lists against the methods the file
// itself enables — allowed by name in requestFiltering, or named in the
// verb list of one of its own handler mappings (a verb="*" mapping hands
// every method to the application, which alone knows which it serves): a
// request without Origin shows whether the application answers the
// method; if it does, a preflight for it from an allowed origin must pass.
func (l *linter) servedMethods() {
	if corsHeaderLine(l.cfg) == 0 && !corsModuleOn(l.cfg) {
		return
	}
	if slices.ContainsFunc(l.fs, func(f Finding) bool {
		return f.Rule == RuleOptionsToApplication || f.Rule == RuleOptionsNotHandled || f.Rule == RuleOptionsDenied || f.Rule == RuleWindowsAuthPreflight
	}) {
		return // every preflight fails already, or the application answers it
	}
	enabled := map[string]string{} // method -> where the file enables it
	filtered := map[string]bool{}  // enabled by name in requestFiltering
	var order []string
	enable := func(m, where string) {
		m = strings.TrimSpace(m)
		// DEBUG is Visual Studio's remote-debugging verb, not one pages send;
		// TRACE and TRACK are forbidden methods
		// (https://fetch.spec.whatwg.org/#forbidden-method).
		switch strings.ToUpper(m) {
		case "", "*", "OPTIONS", "DEBUG", "TRACE", "TRACK", "CONNECT":
			return
		}
		if !needsPreflight(m, nil) {
			return
		}
		if _, ok := enabled[m]; !ok {
			order = append(order, m)
			enabled[m] = where
		}
	}
	for _, v := range l.cfg.Filtering.Verbs {
		if v.Allowed {
			enable(v.Verb, fmt.Sprintf("requestFiltering allows it on line %d", v.Line))
			filtered[strings.TrimSpace(v.Verb)] = true
		}
	}
	for _, h := range l.cfg.Handlers {
		if !h.Inherited && h.Verb != "*" {
			for _, m := range strings.Split(h.Verb, ",") {
				enable(m, fmt.Sprintf("the handler \"%s\" on line %d lists it", h.Name, h.Line))
			}
		}
	}
	o := l.origins[0]
	var missing, why []string
	for _, m := range order {
		// A verb the file lets through request filtering by name is one the
		// site serves, whatever handler the server adds (ColdFusion, PHP);
		// one a handler lists must reach the application in the emulation.
		if ex := l.emu.Send(m, l.path, http.Header{}); !ex.FromApp && !filtered[m] {
			continue
		}
		if out := l.emu.Fetch(Request{Origin: o, Method: m, Path: l.path}); out.CorsError == "MethodDisallowedByPreflightResponse" {
			missing = append(missing, m)
			why = append(why, fmt.Sprintf("%s (%s)", m, enabled[m]))
		}
	}
	if len(missing) == 0 {
		return
	}
	line, where := l.allowMethodsLine(o)
	if line == 0 {
		line = l.cfg.CORS.Line
	}
	l.add(Finding{Line: line, Rule: RuleMethodNotAllowed, Verdict: "MethodDisallowedByPreflightResponse",
		Message: fmt.Sprintf("the site serves %s, but %s does not list it, so from %s it fails at the preflight in the emulation (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 8)", strings.Join(why, "; "), where, o),
		Fix:     fmt.Sprintf("add %s to %s (or stop enabling what no page may call)", strings.Join(missing, ", "), where)})
}

// allowMethodsLine names the allow list the origin's preflight reads.
func (l *linter) allowMethodsLine(origin string) (int, string) {
	if corsModuleOn(l.cfg) {
		for _, r := range l.cfg.CORS.Rules {
			if r.Allowed && ruleOrigin(r.Origin) == origin {
				return r.Line, fmt.Sprintf("the <allowMethods> of the rule for \"%s\"", r.Origin)
			}
		}
		return l.cfg.CORS.Line, "<cors>"
	}
	if hs := customHeaders(l.cfg, acam); len(hs) > 0 {
		return hs[0].Line, "customHeaders Access-Control-Allow-Methods"
	}
	if rs := outboundSetting(l.cfg, acam); len(rs) > 0 {
		return rs[0].Line, fmt.Sprintf("the outbound rule \"%s\"", rs[0].Name)
	}
	return 0, "the configuration (it sends no Access-Control-Allow-Methods)"
}

// simpleOnly notes a file whose CORS headers come from customHeaders or
// rewrite rules with Access-Control-Allow-Origin alone, while IIS answers
// the preflight itself: only simple requests (GET, HEAD, a form POST) can
// pass; a JSON POST, a PUT or an Authorization header fails at the
// preflight, as the emulation shows.
func (l *linter) simpleOnly() {
	if corsModuleOn(l.cfg) || len(l.layersSetting(acao)) == 0 || len(l.layersSetting(acam)) > 0 || len(l.layersSetting(acah)) > 0 {
		return
	}
	if slices.ContainsFunc(l.fs, func(f Finding) bool {
		return strings.HasPrefix(f.Rule, "options-") || f.Rule == RuleWindowsAuthPreflight
	}) {
		return
	}
	o := l.origins[0]
	out := l.emu.Fetch(Request{Origin: o, Method: http.MethodPost, Path: l.path, Headers: []string{"Content-Type"}})
	if out.CorsError != "HeaderDisallowedByPreflightResponse" || out.Preflight == nil || out.Preflight.FromApp {
		return
	}
	ls := l.layersSetting(acao)
	l.add(Finding{Line: ls[0].line, Rule: RuleSimpleOnly, Note: true, Verdict: out.CorsError,
		Message: fmt.Sprintf("Access-Control-Allow-Origin comes from %s (line %d) and nothing sends Access-Control-Allow-Methods or -Headers, so only simple requests (GET, HEAD, a form POST) can pass: in the emulation a JSON POST from %s fails at the preflight (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 8); fine for a read-only public resource", ls[0].what, ls[0].line, o),
		Fix:     "nothing for simple requests; for JSON, PUT, DELETE or an Authorization header add Access-Control-Allow-Methods and Access-Control-Allow-Headers next to Access-Control-Allow-Origin"})
}
