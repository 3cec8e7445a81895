package eval

import (
	"math/big"
	"regexp"
	"strings"
)

// The extraction rule, the one way a final number is read from free text:
//
//  1. If the text contains a marker — "####", "answer is" or "answer:"
//     (case-insensitive) — the first number after the last marker is the
//     answer.
//  2. Otherwise (or when no number follows the last marker) the last
//     number in the text is the answer.
//
// A number is a run of digits with an optional decimal part (".5" alone
// also counts), thousands grouped by commas ("1,234,567"; "12,34" is two
// numbers), an optional "$" before it, and a minus sign ("-" or "−") that
// counts only when it does not follow a digit, letter or closing bracket
// (so "10-3" reads 10 and 3, not -3). Units, "%" and trailing
// punctuation are not part of the number and are ignored: "The answer is
// 42." gives 42, "$1,234.50" gives 1234.5, "50%" gives 50.
var (
	numberRE = regexp.MustCompile(`([-−]?)\$?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)`)
	markerRE = regexp.MustCompile(`(?i)####|answer\s+is|answer\s*:`)
)

// ExtractNumber applies the extraction rule to text and returns the
// number in canonical form, or ok false when text holds no number.
// It is a pure function, safe for concurrent use, and never panics.
func ExtractNumber(text string) (number string, ok bool) {
	if locs := markerRE.FindAllStringIndex(text, -1); len(locs) > 0 {
		after := locs[len(locs)-1][1]
		if m := findNumbers(text[after:], text, after); len(m) > 0 {
			return m[0], true
		}
	}
	if m := findNumbers(text, text, 0); len(m) > 0 {
		return m[len(m)-1], true
	}
	return "", false
}

// findNumbers returns the canonical numbers of s in order; s starts at
// byte off of full, which decides whether a leading minus is a sign.
func findNumbers(s, full string, off int) []string {
	var out []string
	for _, m := range numberRE.FindAllStringSubmatchIndex(s, -1) {
		start := m[0]
		digits := s[m[4]:m[5]]
		neg := m[3] > m[2]
		if neg && off+start > 0 && !signAllowedAfter(full[:off+start]) {
			neg = false
		}
		c, ok := Canonical(strings.ReplaceAll(digits, ",", ""))
		if !ok {
			continue
		}
		if neg && c != "0" {
			c = "-" + c
		}
		out = append(out, c)
	}
	return out
}

// signAllowedAfter reports whether a minus after prefix is a sign rather
// than a subtraction or a hyphen.
func signAllowedAfter(prefix string) bool {
	r := []rune(prefix)
	p := r[len(r)-1]
	switch {
	case p >= '0' && p <= '9', p >= 'a' && p <= 'z', p >= 'A' && p <= 'Z', p == ')', p == ']':
		return false
	}
	return true
}

// Canonical returns the canonical decimal form of a plain number: an
// optional leading "-", digits, an optional "." and digits, no commas.
// The canonical form has no leading zeros, no trailing fractional zeros,
// no "." without digits after it and no "-0": "018.00" gives "18",
// "-0.50" gives "-0.5", ".5" gives "0.5". ok is false for anything else.
// Two numbers are equal exactly when their canonical forms are equal.
func Canonical(s string) (string, bool) {
	if !plainNumber(s) {
		return "", false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	return ratString(r), true
}

// plainNumber reports whether s is -?digits(.digits)? or -?.digits.
func plainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" || intPart == "" && frac == "" {
		return false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}

// ratString formats r as an exact decimal when it has one (every value
// parsed from a decimal has), otherwise as the fraction "a/b".
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// r = a/b has a finite decimal expansion iff b = 2^i 5^j.
	d := new(big.Int).Set(r.Denom())
	digits := 0
	two, five, ten := big.NewInt(2), big.NewInt(5), big.NewInt(10)
	m := new(big.Int)
	for d.Cmp(big.NewInt(1)) != 0 {
		switch {
		case m.Mod(d, ten).Sign() == 0:
			d.Quo(d, ten)
		case m.Mod(d, two).Sign() == 0:
			d.Quo(d, two)
		case m.Mod(d, five).Sign() == 0:
			d.Quo(d, five)
		default:
			return r.RatString()
		}
		digits++
	}
	s := r.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Numbers scores free text by the extraction rule and compares the
// extracted number with the item's gold answer exactly. It is the
// Scorer of GSM8K files and of the arithmetic task.
type Numbers struct{}

// Extract implements Scorer with ExtractNumber.
func (Numbers) Extract(text string) (string, bool) { return ExtractNumber(text) }

// Correct implements Scorer: the canonical forms of answer and the gold
// answer are equal.
func (Numbers) Correct(item Item, answer string) bool {
	a, ok1 := Canonical(answer)
	g, ok2 := Canonical(item.Answer)
	return ok1 && ok2 && a == g
}
