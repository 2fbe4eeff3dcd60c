package webconfig

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/corsgate/corsgate/fetchspec"
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
	from := map[string]string{} // header -> the origin whose exchange showed it twice
	for _, o := range l.origins {
		for _, ex := range []*Exchange{
			l.emu.Send(http.MethodOptions, l.path, preflightHeaders(o, "PUT", "Content-Type")),
			l.emu.Send(http.MethodGet, l.path, http.Header{"Origin": {o}}),
		} {
			for _, n := range corsHeaderNames {
				if len(ex.Header.Values(n)) > 1 && !twice[n] {
					twice[n], from[n] = true, o
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
		// The verdict is Chrome's on the emulated exchange that shows the
		// duplicate: a simple GET for Allow-Origin, a credentialed GET for
		// Allow-Credentials, a JSON PUT (preflighted) for the others.
		req := Request{Origin: from[n], Path: l.path, Method: http.MethodPut, Headers: []string{"Content-Type"}}
		switch n {
		case acao:
			req.Method, req.Headers = http.MethodGet, nil
		case acac:
			req.Method, req.Headers, req.Credentials = http.MethodGet, nil, true
		}
		f.Verdict = l.emu.Fetch(req).CorsError
		switch n {
		case acao:
			f.Rule = RuleDuplicateAllowOrigin
			f.Message += "\"a, b\" matches no origin, so the CORS check fails (https://fetch.spec.whatwg.org/#cors-check)"
		case acac:
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
		return strings.EqualFold(m, "OPTIONS") || m == "*" || fetchspec.IsSafelistedMethod(strings.ToUpper(m))
	})
	// Accept, Accept-Language and Content-Language are CORS-safelisted with
	// the values pages send (https://fetch.spec.whatwg.org/#cors-safelisted-request-header):
	// listing them asks for nothing a preflight checks.
	headers = slices.DeleteFunc(headers, func(h string) bool {
		return h == "*" || fetchspec.SafelistedByName(h) || fetchspec.IsForbiddenRequestHeaderName(h)
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
		if fetchspec.IsSafelistedMethod(m) {
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
		if !h.Inherited && !h.AllVerbs() {
			for _, m := range h.Verbs() {
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
