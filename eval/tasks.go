package eval

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// DefaultTaskSize is how many items a built-in task generates when no
// limit is given.
const DefaultTaskSize = 100

// Tasks lists the names of the built-in tasks Builtin accepts.
var Tasks = []string{"arithmetic", "countdown", "letters"}

// Builtin generates n items of the named built-in task from seed
// (DefaultTaskSize when n <= 0) with the task's exact Scorer. The same
// name, seed and n always give the same items, and the first k items of
// a run with n >= k are the items of a run with n = k. It returns an
// error for an unknown name.
func Builtin(name string, seed uint64, n int) (Dataset, error) {
	if n <= 0 {
		n = DefaultTaskSize
	}
	var gen func(seed uint64, i int) Item
	var sc Scorer
	switch name {
	case "arithmetic":
		gen, sc = arithmeticItem, Numbers{}
	case "countdown":
		gen, sc = countdownItem, Countdown{}
	case "letters":
		gen, sc = lettersItem, Letters{}
	default:
		return Dataset{}, fmt.Errorf("unknown task %q (want one of %v)", name, Tasks)
	}
	items := make([]Item, n)
	for i := range items {
		items[i] = gen(seed, i)
		items[i].ID = fmt.Sprintf("%s-%d", name, i+1)
	}
	return Dataset{Name: name, Items: items, Scorer: sc}, nil
}

// itemRand is the generator of item i of a seeded task: each item has
// its own stream, so items do not depend on how many came before.
func itemRand(seed uint64, i int) *rand.Rand {
	return newRand(seed ^ (uint64(i)+1)*0x9e3779b97f4a7c15)
}

// arithmeticItem is a chain of 3 to 5 integer operations on a start
// value; divisions are exact, so the gold answer is an integer.
func arithmeticItem(seed uint64, i int) Item {
	r := itemRand(seed, i)
	v := 2 + r.IntN(49)
	q := fmt.Sprintf("Start with %d.", v)
	steps := 3 + r.IntN(3)
	for s := range steps {
		then := " Then"
		if s == 0 {
			then = ""
		}
		switch op := r.IntN(4); {
		case op == 0:
			k := 2 + r.IntN(98)
			v += k
			q += fmt.Sprintf("%s add %d.", then, k)
		case op == 1:
			k := 2 + r.IntN(98)
			v -= k
			q += fmt.Sprintf("%s subtract %d.", then, k)
		case op == 2:
			k := 2 + r.IntN(8)
			v *= k
			q += fmt.Sprintf("%s multiply by %d.", then, k)
		default:
			divs := divisors(v)
			if len(divs) == 0 {
				k := 2 + r.IntN(98)
				v += k
				q += fmt.Sprintf("%s add %d.", then, k)
				continue
			}
			k := divs[r.IntN(len(divs))]
			v /= k
			q += fmt.Sprintf("%s divide by %d.", then, k)
		}
	}
	q += " What is the result? End your reply with \"#### <number>\"."
	return Item{Question: q, Answer: fmt.Sprint(v)}
}

// divisors returns the divisors of v between 2 and 12.
func divisors(v int) []int {
	var out []int
	for k := 2; k <= 12; k++ {
		if v != 0 && v%k == 0 {
			out = append(out, k)
		}
	}
	return out
}

// letterWords are the words letters items are drawn from.
var letterWords = []string{
	"Ada", "Lovelace", "Alan", "Turing", "Grace", "Hopper", "Edsger",
	"Dijkstra", "Barbara", "Liskov", "Donald", "Knuth", "Ken", "Thompson",
	"Rob", "Pike", "Robert", "Griesemer", "Margaret", "Hamilton", "John",
	"McCarthy", "Frances", "Allen", "Niklaus", "Wirth", "Tony", "Hoare",
	"Leslie", "Lamport", "Radia", "Perlman", "Dennis", "Ritchie", "Karen",
	"Jones", "Claude", "Shannon", "Hedy", "Lamarr", "Katherine", "Johnson",
	"apple", "river", "stone", "cloud", "music", "garden", "window", "pencil",
}

// lettersItem asks for the last letters of 3 to 5 words, concatenated.
func lettersItem(seed uint64, i int) Item {
	r := itemRand(seed, i)
	n := 3 + r.IntN(3)
	words := make([]string, n)
	gold := make([]byte, n)
	for k := range words {
		w := letterWords[r.IntN(len(letterWords))]
		words[k] = w
		gold[k] = lower(w[len(w)-1])
	}
	q := fmt.Sprintf("Take the last letter of each word in %q and concatenate them in order. "+
		"End your reply with \"answer: <letters>\".", joinWords(words))
	return Item{Question: q, Answer: string(gold)}
}

func joinWords(w []string) string { return strings.Join(w, " ") }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
