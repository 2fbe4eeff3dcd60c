package playground

// Every use of the web.config linter is in this file.

import (
	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/webconfig"
)

// Finding is one lint finding beside the editor.
type Finding struct {
	Line    int    `json:"line"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	Example string `json:"example,omitempty"`
	// Verdict is Chrome's CorsError the mistake causes, as the emulation
	// shows it; Location the <location path> it is in; Note marks
	// information rather than a mistake.
	Verdict  string `json:"verdict,omitempty"`
	Location string `json:"location,omitempty"`
	Note     bool   `json:"note,omitempty"`
}

// lint is make lint's verdict on cfg (webconfig.Lint).
func lint(cfg *iis.Config) []Finding {
	var out []Finding
	for _, f := range webconfig.Lint(cfg) {
		out = append(out, Finding{Line: f.Line, Rule: f.Rule, Message: f.Message, Fix: f.Fix, Example: f.Example,
			Verdict: f.Verdict, Location: f.Location, Note: f.Note})
	}
	return out
}
