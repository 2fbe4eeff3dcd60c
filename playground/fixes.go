package playground

import "strings"

// LabFix is the edit that applies a lab configuration's Fix (the lab's
// catalogue says it in words) to its web.config, for the page's one-click
// "apply the fix". The suite applies each one and runs the case again.
type LabFix struct {
	// Config is the lab configuration; Check the case whose verdict the
	// fix changes, and After what Chrome then decides, as lab.CheckReport
	// words it ("readable, status 200, ..." or "blocked: ...").
	Config string `json:"config"`
	Check  int    `json:"check"`
	After  string `json:"after"`
	// Edits apply in order; each Find must occur in the text. Alternatives
	// lists edit lists for other versions of the same file: the first
	// whose every Find occurs is applied.
	Alternatives [][]Edit `json:"alternatives"`
	// App, when set, switches the application behind IIS.
	App string `json:"app,omitempty"`
}

// Edit replaces the first occurrence of Find with Replace.
type Edit struct {
	Find    string `json:"find"`
	Replace string `json:"replace"`
}

// Fixes are the lab's fixes as edits.
var Fixes = []LabFix{
	{Config: "customheaders-wildcard-with-credentials", Check: 0, After: "readable",
		Alternatives: [][]Edit{{{`<add name="Access-Control-Allow-Origin" value="*" />`, `<add name="Access-Control-Allow-Origin" value="https://app.example.com" />`}}}},
	{Config: "customheaders-no-options-handler", Check: 0, After: "readable",
		// Keep the OPTIONSVerbHandler a stock IIS inherits.
		Alternatives: [][]Edit{{{"      <remove name=\"OPTIONSVerbHandler\" />\n", ""}}}},
	{Config: "app-level-cors", Check: 1, After: "readable", App: appPlain,
		Alternatives: [][]Edit{{{"    <handlers>", `    <httpProtocol>
      <customHeaders>
        <add name="Access-Control-Allow-Origin" value="https://app.example.com" />
        <add name="Access-Control-Allow-Credentials" value="true" />
      </customHeaders>
    </httpProtocol>
    <handlers>`}}}},
	{Config: "customheaders-trailing-slash", Check: 0, After: "readable",
		Alternatives: [][]Edit{{{`value="https://app.example.com/"`, `value="https://app.example.com"`}}}},
	{Config: "cors-module-with-customheaders", Check: 0, After: "readable",
		Alternatives: [][]Edit{{{"        <add name=\"Access-Control-Allow-Origin\" value=\"https://app.example.com\" />\n", ""}}}},
	{Config: "cors-module-no-expose-headers", Check: 0, After: "readable",
		Alternatives: [][]Edit{{{`<add origin="https://app.example.com" allowCredentials="true" />`, `<add origin="https://app.example.com" allowCredentials="true">
        <exposeHeaders>
          <add header="X-Request-Id" />
        </exposeHeaders>
      </add>`}}}},
	{Config: "cors-module-only-star-with-credentials", Check: 0, After: "readable",
		Alternatives: [][]Edit{{{`<add origin="*" allowCredentials="true" />`, `<add origin="https://app.example.com" allowCredentials="true" />
      <add origin="*" />`}}}},
	{Config: "windows-auth-challenges-preflight", Check: 0, After: "readable",
		Alternatives: [][]Edit{{{`<anonymousAuthentication enabled="false" />`, `<anonymousAuthentication enabled="true" />`}}}},
	{Config: "rewrite-echo-unanchored", Check: 1, After: "blocked",
		Alternatives: [][]Edit{{{`pattern="https://app\.example\.com"`, `pattern="^https://(app|admin)\.example\.com$"`}}}},
	{Config: "rewrite-echo-capture-unanchored", Check: 0, After: "blocked: MissingAllowOriginHeader",
		Alternatives: [][]Edit{{
			{`pattern="https://app\.example\.com"`, `pattern="^https://(app|admin)\.example\.com$"`},
			{`value="{C:0}"`, `value="{HTTP_ORIGIN}"`},
		}}},
	// Once request filtering lets OPTIONS through, the OPTIONSVerbHandler a
	// stock IIS inherits answers it 200 and the preflight meets the file's
	// next mistake: no Access-Control-Allow-Headers for the JSON
	// Content-Type. The page shows it: fixing one layer at a time.
	{Config: "request-filtering-denies-options", Check: 0, After: "blocked: HeaderDisallowedByPreflightResponse",
		Alternatives: [][]Edit{{{"          <add verb=\"OPTIONS\" allowed=\"false\" />\n", ""}}}},
}

// Apply returns text with the first alternative whose every Find occurs
// applied, and whether one did.
func (f LabFix) Apply(text string) (string, bool) {
	for _, edits := range f.Alternatives {
		out, ok := text, true
		for _, e := range edits {
			i := strings.Index(out, e.Find)
			if i < 0 {
				ok = false
				break
			}
			out = out[:i] + e.Replace + out[i+len(e.Find):]
		}
		if ok {
			return out, true
		}
	}
	return text, false
}
