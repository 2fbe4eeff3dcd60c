package webconfig

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
	"github.com/corsgate/corsgate/fixtures/iis"
)

// This file holds what stops a preflight before any CORS handling, or
// hands it to the application, as the emulation shows it: request
// filtering, Windows Authentication, no handler for OPTIONS, OPTIONS to
// the application; and the file whose CORS allows only simple requests.

// options sends a browser's preflight (PUT with a JSON body) from an
// allowed origin through the emulation and reports what stops it before
// any CORS handling: request filtering (404.6), Windows Authentication
// (401), no handler (405), or the application answering it while the file
// sends only part of the CORS headers.
func (l *linter) options() {
	headerLine := corsHeaderLine(l.cfg)
	o := l.origins[0]
	pf := l.emu.Send(http.MethodOptions, l.path, preflightHeaders(o, "PUT", "Content-Type"))
	verdict, _ := fetchspec.PreflightCheck(pf.Status, pf.Header, fetchspec.PreflightRequest{Origin: o, Method: "PUT", Headers: []string{"Content-Type"}})
	if headerLine == 0 && !corsModuleOn(l.cfg) {
		// The application may do CORS itself: only what stops its
		// preflight before it runs is reported.
		if pf.Status != http.StatusUnauthorized {
			return
		}
		verdict = "PreflightInvalidStatus"
	}
	optionsDenied, line, why, fix := l.filteringDenial(http.MethodOptions)
	switch {
	case pf.Status == http.StatusNotFound && optionsDenied:
		l.add(Finding{Line: line, Rule: RuleOptionsDenied, Verdict: verdict,
			Message: why + ", so IIS answers every preflight 404.6 before any CORS handling runs; the browser fails a preflight that is not 2xx (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7)",
			Fix:     fix})
	case pf.Status == http.StatusUnauthorized:
		l.add(Finding{Line: l.cfg.Auth.Line, Rule: RuleWindowsAuthPreflight, Verdict: verdict,
			Message: "Windows Authentication is on and anonymous authentication off, and nothing answers the preflight before authentication runs (no CORS Module rule for the origin, no inbound rewrite rule for OPTIONS); a browser never sends credentials on a preflight, so it gets 401, and only a 2xx preflight passes (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step 7)",
			Fix:     "install the IIS CORS Module and configure <cors enabled=\"true\">, which answers preflights before authentication, or enable anonymous authentication and require Windows login for the other verbs (URL Authorization <allow verbs=\"OPTIONS\" users=\"?\"/>)"})
	case pf.Status == http.StatusMethodNotAllowed:
		l.optionsNotHandled(pf, verdict, headerLine)
	case pf.FromApp && pf.Status >= 200 && pf.Status <= 299 && !corsModuleOn(l.cfg) && !l.cfg.Proxies():
		// (A proxied preflight is the reverse-proxy note's subject.)
		l.optionsToApplication(verdict, headerLine)
	}
}

// filteringDenial asks the emulator's request filtering (iis
// Filtering.Allows, the code that answered the 404.6) whether it denies
// method, and words the finding: the <verbs> row that denies it, or
// allowUnlisted="false" when no row names it.
func (l *linter) filteringDenial(method string) (denied bool, line int, why, fix string) {
	f := l.cfg.For(l.path).Filtering
	allowed, line := f.Allows(method)
	if allowed {
		return false, 0, "", ""
	}
	if line != 0 {
		return true, line, fmt.Sprintf("requestFiltering denies the %s verb", method),
			fmt.Sprintf("remove <add verb=\"%s\" allowed=\"false\"/> from requestFiltering/verbs", method)
	}
	if len(f.Verbs) > 0 {
		line = f.Verbs[0].Line
	}
	return true, line, fmt.Sprintf("requestFiltering has allowUnlisted=\"false\" and no <add verb=\"%s\" allowed=\"true\"/> (a row names one verb, exactly: \"*\" or a comma list is no match, RL16)", method),
		fmt.Sprintf("add <add verb=\"%s\" allowed=\"true\"/> to requestFiltering/verbs", method)
}

// optionsNotHandled reports a 405 to the preflight: the file removed
// OPTIONSVerbHandler or mapped OPTIONS to a handler that refuses it.
func (l *linter) optionsNotHandled(pf *Exchange, verdict string, headerLine int) {
	sel := l.cfg.Handler(http.MethodOptions, l.path, iis.SiteOptions(l.cfg))
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
	sel := l.cfg.Handler(http.MethodOptions, l.path, iis.SiteOptions(l.cfg))
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

// noAllowOrigin notes a file that sends Access-Control-* headers but no
// Access-Control-Allow-Origin: every cross-origin read fails the CORS check
// (https://fetch.spec.whatwg.org/#cors-check, step 2) unless the
// application adds the origin itself, which corsgate cannot see. A GET
// through the emulation confirms the origin is missing.
func (l *linter) noAllowOrigin() {
	if configuresCORS(l.cfg) {
		return
	}
	line, name := 0, ""
	for _, n := range corsHeaderNames[1:] {
		if ls := l.layersSetting(n); len(ls) > 0 && (line == 0 || ls[0].line < line) {
			line, name = ls[0].line, n
		}
	}
	if line == 0 {
		return
	}
	o := l.origins[0]
	if ex := l.emu.Send(http.MethodGet, l.path, http.Header{"Origin": {o}}); ex.Header.Get(acao) != "" {
		return
	}
	l.add(Finding{Line: line, Rule: RuleNoAllowOrigin, Note: true, Verdict: "MissingAllowOriginHeader",
		Message: fmt.Sprintf("the file sends %s but nothing sends Access-Control-Allow-Origin, so in the emulation a GET from %s is refused: the browser checks Access-Control-Allow-Origin first and the other headers do nothing alone (https://fetch.spec.whatwg.org/#cors-check); unless the application adds Access-Control-Allow-Origin itself, no origin can read the responses", name, o),
		Fix:     "add Access-Control-Allow-Origin next to it (the origin allowed, or \"*\" for a public resource), or remove the entry if no cross-origin page reads this"})
}
