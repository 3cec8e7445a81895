package engine

import (
	"fmt"
	"strings"

	"github.com/jessy-llm/jessy"
)

// The range of ChooseThoughts.
const (
	MinAutoThoughts = 4
	MaxAutoThoughts = 12
)

// constraintWords mark a requirement the answer must meet.
var constraintWords = map[string]bool{
	"must": true, "should": true, "without": true, "only": true, "exactly": true,
	"unless": true, "except": true, "given": true, "assume": true, "assuming": true,
	"within": true, "least": true, "most": true, "never": true, "always": true,
	"require": true, "requires": true, "constraint": true, "constraints": true,
	"limit": true, "budget": true, "compare": true, "versus": true, "vs": true,
	"tradeoff": true, "trade-off": true, "tradeoffs": true, "trade-offs": true,
}

// subQuestionWords open a sub-question inside a sentence.
var subQuestionWords = map[string]bool{
	"why": true, "how": true, "what": true, "which": true, "when": true, "where": true, "who": true,
}

// ChooseThoughts returns how many thoughts (MinAutoThoughts to
// MaxAutoThoughts) a question deserves, and why, from its length, its
// sub-questions and its constraints. It is a pure function.
//
// It starts from 4 and adds: 1 for every 25 words beyond the first 15 (at
// most 3); 1 for every sub-question beyond the first (the larger of the
// question marks and the clauses joined by ";" or "and why/how/what...", at
// most 3); 1 for every two constraint
// words such as "must", "without", "at most", "compare" (at most 2); and 1
// for a numbered or bulleted list of at least three items.
func ChooseThoughts(question string) (int, string) {
	words := jessy.Words(question)
	n := MinAutoThoughts
	var why []string
	add := func(k int, format string, a ...any) {
		if k > 0 {
			n += k
			why = append(why, fmt.Sprintf(format+" (+%d)", append(a, k)...))
		}
	}
	add(min((len(words)-15+24)/25, 3), "%d words", len(words))

	joined := 1 + strings.Count(question, ";")
	for i := 1; i < len(words); i++ {
		if subQuestionWords[words[i]] && (words[i-1] == "and" || words[i-1] == "also") {
			joined++
		}
	}
	subs := max(strings.Count(question, "?"), joined)
	add(min(subs-1, 3), "%d sub-questions", subs)

	constraints := 0
	for _, w := range words {
		if constraintWords[w] {
			constraints++
		}
	}
	add(min(constraints/2, 2), "%d constraint words", constraints)

	items := 0
	for _, line := range strings.Split(question, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ") || len(l) > 2 && l[0] >= '1' && l[0] <= '9' && (l[1] == '.' || l[1] == ')') {
			items++
		}
	}
	if items >= 3 {
		add(1, "a list of %d items", items)
	}
	n = min(n, MaxAutoThoughts)
	if len(why) == 0 {
		return n, fmt.Sprintf("%d thoughts: a short, single question", n)
	}
	return n, fmt.Sprintf("%d thoughts: %s", n, strings.Join(why, ", "))
}
