package playground

// Every use of the IIS emulation's parser is in this file (serve runs the
// parsed config through iis.NewSite).

import (
	"regexp"
	"strconv"

	"github.com/corsgate/corsgate/fixtures/iis"
)

// ConfigError is a web.config the IIS emulation's parser refuses, with the
// line it names (0 when it names none).
type ConfigError struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

// lineIn finds the line a parser error names: "line 7:" (fixtures/iis) or
// "XML syntax error on line 7" (encoding/xml).
var lineIn = regexp.MustCompile(`\bline (\d+)\b`)

// parse runs text through the same strict parser the lab and make lint use.
func parse(text string) (*iis.Config, *ConfigError) {
	cfg, err := iis.Parse("web.config", []byte(text))
	if err != nil {
		e := &ConfigError{Text: err.Error()}
		if m := lineIn.FindStringSubmatch(e.Text); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
		}
		return nil, e
	}
	return cfg, nil
}
