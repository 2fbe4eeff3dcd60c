package webconfig

import (
	"regexp/syntax"
	"strings"

	"github.com/corsgate/corsgate/fixtures/iis"
)

// maxEnum bounds the strings a pattern is enumerated into.
const maxEnum = 100

// parseRegexp parses an ECMAScript condition pattern into Go's syntax
// tree, only to enumerate the origins its author meant (below): whether a
// pattern matches an origin is always asked of the iis package.
//
// A pattern RE2 cannot parse (a lookaround, a back-reference) is parsed
// with its lookaround groups dropped: what that enumerates is only a
// sample, which callers check against the real pattern through iis (see
// intendedOrigins), since a lookahead may exclude some of it.
func parseRegexp(src string, ignoreCase bool) (*syntax.Regexp, bool) {
	if re, ok := parseRE2(src, ignoreCase); ok {
		return re, true
	}
	return parseRE2(dropLookarounds(src), ignoreCase)
}

// sampledPattern reports whether c is an ECMAScript pattern RE2 cannot
// parse, whose intended origins are therefore only sampled.
func sampledPattern(c iis.Condition) bool {
	if s := strings.ToLower(c.Syntax); s != "" && s != "ecmascript" {
		return false
	}
	_, ok := parseRE2(c.Source, c.IgnoreCase)
	return !ok
}

// dropLookarounds removes (?=...), (?!...), (?<=...) and (?<!...) groups
// from src, nested parentheses and escapes respected.
func dropLookarounds(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		if src[i] == '\\' && i+1 < len(src) {
			b.WriteString(src[i : i+2])
			i++
			continue
		}
		rest := src[i:]
		if strings.HasPrefix(rest, "(?=") || strings.HasPrefix(rest, "(?!") ||
			strings.HasPrefix(rest, "(?<=") || strings.HasPrefix(rest, "(?<!") {
			depth := 0
			for j := i; j < len(src); j++ {
				switch src[j] {
				case '\\':
					j++
				case '(':
					depth++
				case ')':
					depth--
				}
				if depth == 0 {
					i = j
					break
				}
			}
			if depth != 0 {
				return src
			}
			continue
		}
		b.WriteByte(src[i])
	}
	return b.String()
}

func parseRE2(src string, ignoreCase bool) (*syntax.Regexp, bool) {
	flags := syntax.Perl
	if ignoreCase {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(src, flags)
	if err != nil {
		return nil, false
	}
	return re.Simplify(), true
}

// enumerate lists the strings the pattern's body stands for, anchors read
// as empty and a bare "." (outside a repetition) read as the literal dot
// its author meant. ok is false when the set is infinite or too large.
func enumerate(re *syntax.Regexp) (out []string, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"."}, true
	case syntax.OpCharClass:
		var rs []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(rs) >= 10 {
					return nil, false
				}
				rs = append(rs, string(r))
			}
		}
		return dedupFold(rs), true
	case syntax.OpCapture:
		return enumerate(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := enumerate(re.Sub[0])
		if !ok {
			return nil, false
		}
		return append([]string{""}, sub...), true
	case syntax.OpConcat:
		out = []string{""}
		for _, s := range re.Sub {
			sub, ok := enumerate(s)
			if !ok || len(out)*len(sub) > maxEnum {
				return nil, false
			}
			var next []string
			for _, a := range out {
				for _, b := range sub {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			sub, ok := enumerate(s)
			if !ok || len(out)+len(sub) > maxEnum {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	}
	return nil, false
}

// dedupFold drops the case variants a case-folded class lists ([Aa]).
func dedupFold(rs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if l := strings.ToLower(r); !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// generate builds one string the pattern's body stands for: repetitions
// once, alternations their first branch, a bare "." the literal dot except
// the one numbered dotX (counting from 0), which becomes "x"; -1 for none.
func generate(re *syntax.Regexp, dotX int) string {
	var b strings.Builder
	n := 0
	var walk func(re *syntax.Regexp, inRep bool)
	walk = func(re *syntax.Regexp, inRep bool) {
		switch re.Op {
		case syntax.OpLiteral:
			b.WriteString(string(re.Rune))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			switch {
			case inRep:
				b.WriteString("app")
			case n == dotX:
				b.WriteByte('x')
				n++
			default:
				b.WriteByte('.')
				n++
			}
		case syntax.OpCharClass:
			b.WriteRune(classRune(re.Rune, inRep))
		case syntax.OpCapture:
			walk(re.Sub[0], inRep)
		case syntax.OpConcat:
			for _, s := range re.Sub {
				walk(s, inRep)
			}
		case syntax.OpAlternate:
			walk(re.Sub[0], inRep)
		case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
			if re.Op == syntax.OpRepeat && re.Max == 0 {
				return
			}
			walk(re.Sub[0], true)
			if re.Op == syntax.OpRepeat {
				for i := 1; i < re.Min; i++ {
					walk(re.Sub[0], true)
				}
			}
		}
	}
	walk(re, false)
	return b.String()
}

// bareDots counts the "." outside repetitions: unescaped dots meant as
// literal ones.
func bareDots(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		return 0
	}
	n := 0
	for _, s := range re.Sub {
		n += bareDots(s)
	}
	return n
}

// classRune picks a character of a class: a lower-case letter when it has
// one, else its first character.
func classRune(ranges []rune, inRep bool) rune {
	for _, want := range []rune{'a', 'x'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want
			}
		}
	}
	if len(ranges) == 0 {
		return 'a'
	}
	return ranges[0]
}
