package webconfig_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/corsgate/corsgate/fixtures/iis"
	"github.com/corsgate/corsgate/webconfig"
)

// The corpus: web.config files that configure CORS, collected from public
// repositories and kept byte for byte (secrets replaced, see the README).
// Each is run through the code paths of `make lint` and `make policy`
// (cmd/corsgate-iis) and compared with its golden output; the README beside
// the files gives each one's provenance and the hand judgement the goldens
// were checked against.
const corpusDir = "testdata/corpus"

// noCORS are the corpus files whose CORS lives outside the file (commented
// out, in code, or in appSettings keys) or that send a CORS header but no
// Access-Control-Allow-Origin: make policy must say "configures no CORS" for
// them, and nothing else may be refused.
var noCORS = map[string]string{
	"appsettings-cors-keys-not-headers":         "appSettings keys named like the headers are read by the application, not sent by IIS",
	"h5bp-cors-commented-out":                   "the customHeaders Access-Control-Allow-Origin is inside a comment",
	"json-folder-methods-without-origin":        "only Access-Control-Allow-Methods is sent, no Access-Control-Allow-Origin",
	"webapi-cors-in-code-headers-commented-out": "the customHeaders are commented out; the application enables CORS in code",
	"webapi-template-cors-commented-out":        "the customHeaders are commented out; the application enables CORS in code",
}

func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.config"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("corpus: only %d files in %s, want at least 20", len(files), corpusDir)
	}
	return files
}

// lintOutput is what `corsgate-iis lint FILE` prints, and its exit status.
func lintOutput(file string, cfg *iis.Config) string {
	fs := webconfig.Lint(cfg)
	status := 0
	if webconfig.Failing(fs) {
		status = 1
	}
	return webconfig.Format(file, fs) + fmt.Sprintf("# exit status %d\n", status)
}

// policyOutput is what `corsgate-iis policy FILE` prints, and the error
// behind a "no policy" answer.
func policyOutput(file string, cfg *iis.Config) (string, error) {
	p, notes, err := webconfig.DerivePolicy(cfg)
	var b strings.Builder
	fmt.Fprintf(&b, "# corsgate policy derived from %s\n", file)
	for _, n := range notes {
		fmt.Fprintf(&b, "# note: %s\n", n)
	}
	if err != nil {
		fmt.Fprintf(&b, "# no policy: %v\n# exit status 1\n", err)
		return b.String(), err
	}
	b.WriteString(p.Redacted())
	b.WriteString("# exit status 0\n")
	return b.String(), nil
}

// corpusGolden compares a corpus file's output with its golden file.
func corpusGolden(t *testing.T, path, got string) {
	t.Helper()
	webconfig.Golden(t, path, got, "check the findings against testdata/corpus/README.md, then run go test ./webconfig -run Corpus -update")
}

// TestCorpusGolden fails on any refusal of a real file (it is not read, or
// make policy finds no policy in a file that configures CORS) and on any
// change of the lint findings or the derived policy.
func TestCorpusGolden(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".config")
		file := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			cfg, err := iis.Load(path)
			if err != nil {
				t.Fatalf("corpus: %s refused by iis.Load: %v", file, err)
			}
			cfg.Name = file
			corpusGolden(t, filepath.Join(corpusDir, name+".lint.golden"), lintOutput(file, cfg))
			out, err := policyOutput(file, cfg)
			why, none := noCORS[name]
			switch {
			case err != nil && !none:
				t.Errorf("corpus: %s configures CORS, yet make policy derives none: %v", file, err)
			case err == nil && none:
				t.Errorf("corpus: %s configures no CORS (%s), yet make policy derives one", file, why)
			case err != nil && !strings.Contains(err.Error(), "configures no CORS"):
				t.Errorf("corpus: %s: make policy fails for another reason than no CORS: %v", file, err)
			}
			corpusGolden(t, filepath.Join(corpusDir, name+".policy.golden"), out)
		})
	}
}

// TestCorpusProvenance checks that README.md has a row for every corpus
// file, naming its repository, its path there and the 40-hex commit it was
// taken from, and a section with its hand judgement; and no row for a file
// that is not there.
func TestCorpusProvenance(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(corpusDir, "README.md"))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	// | `name.config` | owner/repo | `path` | commit | ...
	row := regexp.MustCompile("(?m)^\\| `([^`]+\\.config)` \\| ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+) \\| `([^`]+)` \\| ([0-9a-f]+) \\|")
	rows := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		file, commit := m[1], m[4]
		if rows[file] {
			t.Errorf("corpus: README.md has two rows for %s", file)
		}
		rows[file] = true
		if len(commit) != 40 {
			t.Errorf("corpus: README.md row for %s: commit %q is not 40 hex digits", file, commit)
		}
		if _, err := os.Stat(filepath.Join(corpusDir, file)); err != nil {
			t.Errorf("corpus: README.md has a row for %s, which is not in %s", file, corpusDir)
		}
	}
	for _, path := range corpusFiles(t) {
		file := filepath.Base(path)
		if !rows[file] {
			t.Errorf("corpus: %s has no row in README.md (| `%s` | owner/repo | `path` | 40-hex commit | ...)", file, file)
		}
		if name := strings.TrimSuffix(file, ".config"); !strings.Contains(string(readme), "\n### "+name+"\n") {
			t.Errorf("corpus: %s has no hand judgement in README.md (a section \"### %s\")", file, name)
		}
	}
	for name := range noCORS {
		if !rows[name+".config"] {
			t.Errorf("corpus: noCORS names %s.config, which has no README.md row", name)
		}
	}
}

// finding is a lint finding the hand judgement (README.md) requires: its rule
// at one of lines (any line when lines is empty), a mistake unless note.
type finding struct {
	rule  string
	lines []int
	note  bool
}

// corpusMust are the mistakes, judged by hand, that lint finds today and
// must keep finding, whatever -update writes into the goldens.
var corpusMust = map[string][]finding{
	"coldfusion-star-credentials":           {{webconfig.RuleWildcardCredentials, []int{7, 10}, false}, {webconfig.RuleMethodNotAllowed, []int{8, 20}, false}},
	"corsmodule-and-customheaders-misspelt": {{webconfig.RuleMisspeltHeader, []int{56}, false}, {webconfig.RuleDuplicateCORSHeader, []int{16, 25, 56}, false}},
	"corsmodule-wildcard-subdomain-proxy":   {{webconfig.RuleOriginRuleIncomplete, []int{17}, false}, {webconfig.RuleExposeCORSHeader, []int{37, 38, 39, 40}, true}},
	"json-folder-methods-without-origin":    {{webconfig.RuleNoAllowOrigin, []int{6}, true}},
	"php-star-isfile-rewrite":               {{webconfig.RuleSimpleOnly, []int{19}, true}},
	"mvc-star-location-crossdomain":         {{webconfig.RuleSimpleOnly, []int{20}, true}},
	"outbound-echo-precondition-locations":  {{webconfig.RuleEchoWithoutVary, []int{82, 102}, false}},
	"webapi-isapi-verb-list-star":           {{webconfig.RuleOptionsToApplication, []int{73}, false}},
	"aspnetcore-release-transform-star":     {{webconfig.RuleOptionsToApplication, []int{22, 23}, true}},
	"webapi-star-credentials-extra-header":  {{webconfig.RuleWildcardCredentials, []int{29, 32}, false}},
}

// corpusMustNot are the false alarms, judged by hand, lint must never raise
// on a file (as a mistake; a note is fine); "*" stands for every rule: the
// file has no mistake lint could know of. A rule ending in "@site" is only
// refused for the site itself, not for a <location>.
var corpusMustNot = map[string][]string{
	"appsettings-cors-keys-not-headers":         {"*"},
	"aspnetcore-release-transform-star":         {webconfig.RuleWildcardCredentials, webconfig.RuleOptionsNotHandled},
	"cdn-customheaders-and-outbound-star":       {"*"},
	"cdn-star-headers-star-spa-isfile":          {"*"},
	"fonts-folder-star":                         {"*"},
	"h5bp-cors-commented-out":                   {"*"},
	"h5bp-derived-star-live":                    {"*"},
	"mvc-star-location-crossdomain":             {webconfig.RuleOptionsNotHandled, webconfig.RuleDuplicateAllowOrigin},
	"mvc-star-stock-options-handler":            {webconfig.RuleOptionsNotHandled, webconfig.RuleOptionsToApplication, webconfig.RuleForbiddenHeaderListed},
	"odata-location-dot-get-only":               {"*"},
	"php-star-isfile-rewrite":                   {webconfig.RuleOptionsNotHandled, webconfig.RuleNotEmulated},
	"proxy-exact-origin-credentials":            {webconfig.RuleWildcardCredentials, webconfig.RuleDuplicateAllowOrigin, webconfig.RuleOptionsNotHandled},
	"spa-customresponse-options-isfile":         {webconfig.RuleOptionsNotHandled, webconfig.RuleDuplicateAllowOrigin},
	"static-star-redirect-rules":                {"*"},
	"webapi-cors-in-code-headers-commented-out": {"*"},
	"webapi-exact-origin-credentials":           {"*"},
	"webapi-star-content-type-only":             {webconfig.RuleMethodNotAllowed, webconfig.RuleOptionsNotHandled},
	"webapi-star-content-type-routing":          {webconfig.RuleOptionsNotHandled},
	"webapi-template-cors-commented-out":        {"*"},
	"outbound-echo-precondition-locations":      {webconfig.RuleWildcardCredentials, webconfig.RuleUnanchoredOrigin, webconfig.RuleEchoWithoutVary + "@site"},
	"corsmodule-and-customheaders-misspelt":     {webconfig.RuleFailUnlistedSameOrigin, webconfig.RuleExposeCORSHeader, webconfig.RuleDuplicateAllowOrigin, webconfig.RuleOptionsNotHandled},
	"corsmodule-wildcard-subdomain-proxy":       {webconfig.RuleFailUnlistedSameOrigin, webconfig.RuleExposeCORSHeader, webconfig.RuleDuplicateAllowOrigin, webconfig.RuleOptionsNotHandled},
}

// corpusPolicy is what make policy must derive, judged by hand: the
// origins (as normalised policy values) and whether credentials are allowed.
var corpusPolicy = map[string]struct {
	origins     []string
	credentials bool
}{
	"coldfusion-star-credentials":           {[]string{"*"}, false},
	"corsmodule-and-customheaders-misspelt": {[]string{"https://*.europe.mittalco.com", "http://localhost:8080"}, true},
	"corsmodule-wildcard-subdomain-proxy":   {[]string{"https://*.europe.mittalco.com", "http://localhost:8080"}, true},
	"outbound-echo-precondition-locations":  {[]string{"https://make-pizza-info-www.azurewebsites.net", "https://make-pizza.info"}, true},
	"proxy-exact-origin-credentials":        {[]string{"http://localhost:8080"}, true},
	"webapi-exact-origin-credentials":       {[]string{"http://localhost:8100"}, true},
	"mvc-star-stock-options-handler":        {[]string{"*"}, false},
}

// TestCorpusJudgement holds lint and make policy to the hand judgement of
// README.md on the points the goldens alone would let -update overwrite: the
// mistakes found, the false alarms avoided and the policy's origins.
func TestCorpusJudgement(t *testing.T) {
	files := map[string]bool{}
	for _, path := range corpusFiles(t) {
		files[strings.TrimSuffix(filepath.Base(path), ".config")] = true
	}
	for _, tables := range []map[string]bool{keys(corpusMust), keys(corpusMustNot), keys(corpusPolicy)} {
		for name := range tables {
			if !files[name] {
				t.Errorf("corpus: the judgement names %s.config, which is not in %s", name, corpusDir)
			}
		}
	}
	for name := range files {
		t.Run(name, func(t *testing.T) {
			cfg, err := iis.Load(filepath.Join(corpusDir, name+".config"))
			if err != nil {
				t.Fatalf("corpus: %s.config refused: %v", name, err)
			}
			fs := webconfig.Lint(cfg)
			for _, want := range corpusMust[name] {
				if !hasFinding(fs, want) {
					t.Errorf("corpus: %s.config: lint no longer reports %s (note: %v) at line %v (judged right by hand)", name, want.rule, want.note, want.lines)
				}
			}
			for _, rule := range corpusMustNot[name] {
				rule, siteOnly := strings.CutSuffix(rule, "@site")
				for _, f := range fs {
					if !f.Note && (rule == "*" || f.Rule == rule) && (!siteOnly || f.Location == "") {
						t.Errorf("corpus: %s.config: lint reports %s at line %d, a false alarm by hand judgement (README.md): %s", name, f.Rule, f.Line, f.Message)
					}
				}
			}
			want, ok := corpusPolicy[name]
			if !ok {
				return
			}
			p, _, err := webconfig.DerivePolicy(cfg)
			if err != nil {
				t.Fatalf("corpus: %s.config: make policy derives nothing: %v", name, err)
			}
			var got []string
			for _, o := range p.Origins {
				got = append(got, o.Value)
			}
			if strings.Join(got, " ") != strings.Join(want.origins, " ") || p.Credentials != want.credentials {
				t.Errorf("corpus: %s.config: make policy derives origins %v, credentials %v; the hand judgement is %v, credentials %v",
					name, got, p.Credentials, want.origins, want.credentials)
			}
		})
	}
}

func hasFinding(fs []webconfig.Finding, want finding) bool {
	for _, f := range fs {
		if f.Note != want.note || f.Rule != want.rule {
			continue
		}
		if len(want.lines) == 0 || slices.Contains(want.lines, f.Line) {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
