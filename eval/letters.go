package eval

import (
	"regexp"
	"strings"
)

var wordRE = regexp.MustCompile(`[A-Za-z]+`)

// Letters scores the letters task. Its extraction rule mirrors the one
// for numbers: the first run of ASCII letters after the last marker
// ("####", "answer is", "answer:"), else the last run of letters in the
// text; it is lower-cased. The answer is right when it equals the gold
// letters exactly, so a missing, extra or swapped letter is wrong.
type Letters struct{}

// Extract implements Scorer.
func (Letters) Extract(text string) (string, bool) {
	if locs := markerRE.FindAllStringIndex(text, -1); len(locs) > 0 {
		if w := wordRE.FindString(text[locs[len(locs)-1][1]:]); w != "" {
			return strings.ToLower(w), true
		}
	}
	ws := wordRE.FindAllString(text, -1)
	if len(ws) == 0 {
		return "", false
	}
	return strings.ToLower(ws[len(ws)-1]), true
}

// Correct implements Scorer.
func (Letters) Correct(item Item, answer string) bool {
	return answer != "" && strings.ToLower(answer) == item.Answer
}
