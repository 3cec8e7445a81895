package eval

import (
	"math/rand/v2"
	"slices"
)

// Item is one question of an eval with its gold answer.
//
// ID is unique within a dataset and stable across runs with the same
// inputs (it keys resumed results). Answer is the gold answer in the
// canonical form of the dataset's Scorer (for numbers: see Canonical).
// Meta carries task data a Scorer needs (for countdown: the numbers and
// the target); it may be nil.
type Item struct {
	ID       string            `json:"id"`
	Question string            `json:"question"`
	Answer   string            `json:"answer"`
	Meta     map[string]string `json:"meta,omitempty"`
}

// Selection is what --limit, --seed and --shuffle ask of a dataset.
//
// Limit 0 (or less) keeps every item. Shuffle reorders the items with a
// permutation drawn from Seed before the limit applies, so that a limit
// with a shuffle takes a seeded random subset and a limit without one
// takes the first items of the file.
type Selection struct {
	Limit   int
	Seed    uint64
	Shuffle bool
}

// Apply returns the selected items as a new slice; items is not modified.
// The same items and the same Selection always give the same result.
func (s Selection) Apply(items []Item) []Item {
	out := slices.Clone(items)
	if s.Shuffle {
		out = Shuffle(out, s.Seed)
	}
	return Limit(out, s.Limit)
}

// Limit returns the first n items, or all of them when n <= 0 or n is at
// least len(items). It shares the backing array of items.
func Limit(items []Item, n int) []Item {
	if n <= 0 || n >= len(items) {
		return items
	}
	return items[:n:n]
}

// Shuffle returns a copy of items in an order that depends only on seed
// and len(items) (a Fisher-Yates shuffle driven by PCG seeded with seed).
func Shuffle(items []Item, seed uint64) []Item {
	out := slices.Clone(items)
	r := newRand(seed)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// newRand is the one seeded generator of the package, so that a seed
// means the same thing everywhere.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6a657373792d6576)) // "jessy-ev"
}
