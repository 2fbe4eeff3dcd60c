package webconfig

import (
	"slices"
	"testing"

	"github.com/corsgate/corsgate/fixtures/iis"
)

// TestSampledOrigins checks origin conditions RE2 cannot parse: their
// intended origins are sampled with the lookaround dropped, kept only when
// the pattern as iis runs it takes them, and lookalikes are judged by iis.
func TestSampledOrigins(t *testing.T) {
	cond := func(src string) iis.Condition {
		p, err := iis.CompilePattern(src, "ECMAScript", true, false)
		if err != nil {
			t.Fatalf("CompilePattern(%q): %v", src, err)
		}
		return iis.Condition{Input: "{HTTP_ORIGIN}", Pattern: p, MatchType: "Pattern", Line: 7}
	}
	anchored := cond(`^(?!https://evil)https://(a|evil)\.example$`)
	if got := intendedOrigins(anchored); !slices.Equal(got, []string{"https://a.example"}) {
		t.Errorf("intendedOrigins(%q) = %q; want [https://a.example] (the lookahead excludes evil)", anchored.Source, got)
	}
	if f := patternFindings(anchored, false); len(f) != 0 {
		t.Errorf("patternFindings(%q) = %v; want none (anchored)", anchored.Source, f)
	}
	unanchored := cond(`(?!https://evil\.)https://a\.example`)
	f := patternFindings(unanchored, false)
	if len(f) == 0 || f[0].Rule != RuleUnanchoredOrigin {
		t.Errorf("patternFindings(%q) = %v; want %s", unanchored.Source, f, RuleUnanchoredOrigin)
	}
}
