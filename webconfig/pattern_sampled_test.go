package webconfig

import (
	"slices"
	"strings"
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

// TestSampledPolicy derives a policy from an echo rule whose origin
// condition has a lookahead: the origin the lookahead lets through is
// listed, the one it refuses is not, and a note says the list is sampled.
// The rule writes the variable with dashes, as recipes do.
func TestSampledPolicy(t *testing.T) {
	cfg, err := iis.Parse("lookahead.config", []byte(`<configuration><system.webServer><rewrite><outboundRules>
<rule name="echo"><match serverVariable="RESPONSE_Access-Control-Allow-Origin" pattern=".*"/>
<conditions><add input="{HTTP_ORIGIN}" pattern="^(?!https://evil)https://(app|evil)\.example\.com$"/></conditions>
<action type="Rewrite" value="{HTTP_ORIGIN}"/></rule>
</outboundRules></rewrite></system.webServer></configuration>`))
	if err != nil {
		t.Fatal(err)
	}
	p, notes, err := DerivePolicy(cfg)
	if err != nil {
		t.Fatalf("DerivePolicy: %v (notes %q)", err, notes)
	}
	var got []string
	for _, o := range p.Origins {
		got = append(got, o.Value)
	}
	if !slices.Equal(got, []string{"https://app.example.com"}) {
		t.Errorf("policy origins = %q; want [https://app.example.com]", got)
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "sampled") }) {
		t.Errorf("notes %q; want one saying the origins are sampled", notes)
	}
}
