package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are one line
// starting with "policy: ", and that a policy it accepts survives Redacted.
// go test runs the seeds only; fuzz with go test -fuzz=FuzzParse ./policy.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"origins: [\"*\"]\ncredentials: true\n",
		"origins: [https://*.example.com, https://app.example.com/]\n",
		"a: &a [1]\nb: *a\norigins: *a\n",
		"origins: &o [https://a.example.com]\nheaders: *o\n",
		"- x\n",
		"origins: [https://a.example.com]\nauth: {cookies: [{name: s, value: \"${SESSION}x${\"}]}\n",
		"origins:\n\t- x\n",
		"origins: [https://a.example.com]\n---\n",
		"orgins: []\n",
		"origins: [\"http://[::1]:3000\", \"https://*.localhost\"]\nendpoints: [{path: /, status: 404}]\n",
		"target: https://api.example.com\naddress: 127.0.0.1:8080\nthirdPartyCookies: allowed\norigins:\n  - {origin: \"*\", credentials: false}\n  - {origin: https://a.example.com, methods: [PUT], headers: []}\ncredentials: true\nendpoints:\n  - {path: /p, origins: [\"https://*.b.example.com\"], credentials: false, headers: [X-A], expose: [], maxAge: 0, unlisted: reject}\n",
		"origins: [https://a.example.com]\nauth: {cookies: [{name: s, value: v, sameSite: None, secure: true, partitioned: true, domain: .example.com, path: /x}], login: {method: POST, path: /login, body: x, contentType: text/plain}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data, testEnv)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "policy: ") || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("Parse(%q): got error %q; want one line starting with \"policy: \"", data, msg)
			}
			return
		}
		out := p.Redacted()
		back, err := Parse("fuzz.yaml", []byte(out), testEnv)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but Parse(Redacted()) failed: %v\nthe YAML:\n%s", data, err, out)
		}
		if back.Target != p.Target || len(back.Origins) != len(p.Origins) || len(back.Endpoints) != len(p.Endpoints) {
			t.Fatalf("Parse(%q): Parse(Redacted()) differs:\n%s", data, out)
		}
		for i, o := range p.Origins {
			if back.Origins[i].Value != o.Value || back.Origins[i].Sample() != o.Sample() {
				t.Fatalf("Parse(%q): Parse(Redacted()) origin %d is %q; want %q", data, i, back.Origins[i].Value, o.Value)
			}
			if s := o.Sample(); s != "" && !o.Matches(s) {
				t.Fatalf("Parse(%q): %s does not match its sample %s", data, o.Value, s)
			}
		}
	})
}
