package eval

import (
	"reflect"
	"strings"
	"testing"
)

func TestBuiltinDeterministic(t *testing.T) {
	for _, name := range Tasks {
		a, err := Builtin(name, 42, 30)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Builtin(name, 42, 30)
		if !reflect.DeepEqual(a.Items, b.Items) {
			t.Errorf("%s: same seed, different items", name)
		}
		c, _ := Builtin(name, 43, 30)
		if reflect.DeepEqual(a.Items, c.Items) {
			t.Errorf("%s: different seeds, same items", name)
		}
		short, _ := Builtin(name, 42, 5)
		if !reflect.DeepEqual(short.Items, a.Items[:5]) {
			t.Errorf("%s: the first 5 items depend on n", name)
		}
		seen := map[string]bool{}
		for _, it := range a.Items {
			if seen[it.ID] {
				t.Errorf("%s: duplicate ID %s", name, it.ID)
			}
			seen[it.ID] = true
			// The gold answer, stated as a model would, is right.
			for _, text := range []string{it.Answer, "Let me think.\nanswer: " + it.Answer, "The answer is " + it.Answer + "."} {
				if ex, ok := a.Score(it, text); !ok {
					t.Errorf("%s %s: gold %q in %q scored wrong (extracted %q)", name, it.ID, it.Answer, text, ex)
				}
			}
		}
	}
	if _, err := Builtin("chess", 1, 1); err == nil {
		t.Error("unknown task accepted")
	}
	if ds, _ := Builtin("letters", 1, 0); len(ds.Items) != DefaultTaskSize {
		t.Errorf("default size %d", len(ds.Items))
	}
}

func TestArithmeticNearMisses(t *testing.T) {
	ds, _ := Builtin("arithmetic", 3, 20)
	for _, it := range ds.Items {
		g, _ := Canonical(it.Answer)
		for _, miss := range []string{"#### " + g + "1", "#### " + g + ".5", "#### -" + g + "7"} {
			if _, ok := ds.Score(it, miss); ok {
				t.Errorf("%s: near-miss %q accepted for %s", it.ID, miss, g)
			}
		}
		if !strings.Contains(it.Question, "Start with") {
			t.Errorf("question %q", it.Question)
		}
	}
}

func TestLetters(t *testing.T) {
	it := Item{Answer: "aeg"}
	tests := []struct {
		text string
		want bool
	}{
		{"answer: aeg", true},
		{"The answer is \"AEG\".", true},
		{"Ada -> a, Grace -> e, ... so: aeg", true},
		{"answer: ae", false},
		{"answer: aegg", false},
		{"answer: gea", false},
		{"answer: 123", false},
		{"", false},
	}
	for _, tt := range tests {
		if _, got := (Dataset{Scorer: Letters{}}).Score(it, tt.text); got != tt.want {
			t.Errorf("Score(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	ds, _ := Builtin("letters", 9, 10)
	for _, it := range ds.Items {
		if len(it.Answer) < 3 || len(it.Answer) > 5 {
			t.Errorf("gold %q", it.Answer)
		}
	}
}

func TestSelection(t *testing.T) {
	items := make([]Item, 20)
	for i := range items {
		items[i].ID = string(rune('a' + i))
	}
	ids := func(xs []Item) string {
		var b strings.Builder
		for _, x := range xs {
			b.WriteString(x.ID)
		}
		return b.String()
	}
	tests := []struct {
		sel  Selection
		want string
	}{
		{Selection{}, "abcdefghijklmnopqrst"},
		{Selection{Limit: 3}, "abc"},
		{Selection{Limit: 30}, "abcdefghijklmnopqrst"},
		{Selection{Limit: 3, Seed: 99}, "abc"},
	}
	for _, tt := range tests {
		if got := ids(tt.sel.Apply(items)); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.sel, got, tt.want)
		}
	}
	a := ids(Selection{Limit: 5, Seed: 1, Shuffle: true}.Apply(items))
	b := ids(Selection{Limit: 5, Seed: 1, Shuffle: true}.Apply(items))
	c := ids(Selection{Limit: 5, Seed: 2, Shuffle: true}.Apply(items))
	if a != b || a == c || a == "abcde" {
		t.Errorf("shuffle: %s %s %s", a, b, c)
	}
	if ids(items) != "abcdefghijklmnopqrst" {
		t.Error("Apply modified its input")
	}
}
