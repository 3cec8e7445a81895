package eval

import (
	"strings"
	"testing"
)

func TestParseExpr(t *testing.T) {
	tests := []struct {
		in, want string // want "" means an error
		nums     string
	}{
		{"1+2*3", "7", "1 2 3"},
		{"(1+2)*3", "9", "1 2 3"},
		{"8/3*3", "8", "8 3 3"},
		{"10-4-3", "3", "10 4 3"},
		{"12/4/3", "1", "12 4 3"},
		{" ( 6 + 4 ) × 2 ", "20", "6 4 2"},
		{"7 ÷ 2", "7/2", "7 2"},
		{"007+1", "8", "7 1"},
		{"-3+5", "", ""},
		{"3+", "", ""},
		{"(3+4", "", ""},
		{"3+4)", "", ""},
		{"5/(2-2)", "", ""},
		{"", "", ""},
		{"2^3", "", ""},
		{"3.5+1", "", ""},
		{strings.Repeat("(", 101) + "1" + strings.Repeat(")", 101), "", ""},
	}
	for _, tt := range tests {
		v, nums, err := ParseExpr(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseExpr(%q) = %v, want an error", tt.in, v)
			}
			continue
		}
		if err != nil || v.RatString() != tt.want || strings.Join(nums, " ") != tt.nums {
			t.Errorf("ParseExpr(%q) = %v %v %v; want %s %s", tt.in, v, nums, err, tt.want, tt.nums)
		}
	}
}

func TestCountdownScorer(t *testing.T) {
	it := Item{Meta: map[string]string{"numbers": "3 7 8 2", "target": "24"}}
	ds := Dataset{Scorer: Countdown{}}
	tests := []struct {
		text string
		want bool
	}{
		{"answer: 3*8", true},
		{"answer: (7 - 3) * (8 - 2)", true},
		{"(7+3-2)*3 = 24? no. answer: 8 × 3", true},
		{"We get 3 * 8 = 24.", true},
		{"8 * (7 - 3 - 2) + 8 = 24... I'll say answer: (7 + 8 - 3) * 2", true},
		{"answer: (8/2) * (7 - 3 + 2)", false}, // 2 used twice
		{"answer: 8*3*1", false},               // 1 is not given
		{"answer: 8*3+2-2", false},             // 2 used twice
		{"answer: 3*7+2", false},               // 23
		{"answer: 24", false},                  // no expression
		{"answer: 87/3-5", false},              // concatenation
		{"answer: 8/(3-3)", false},             // division by zero, 3 twice
		{"answer: 2*(7+8)-3", false},           // 27
		{"I cannot", false},
	}
	for _, tt := range tests {
		ex, got := ds.Score(it, tt.text)
		if got != tt.want {
			t.Errorf("Score(%q) = %v (extracted %q), want %v", tt.text, got, ex, tt.want)
		}
	}
	// Repeated given numbers may be used as often as given.
	it2 := Item{Meta: map[string]string{"numbers": "2 2 5 1", "target": "20"}}
	if _, ok := ds.Score(it2, "answer: 2*2*5"); !ok {
		t.Error("2*2*5 with two 2s rejected")
	}
}

func TestCountdownGenerated(t *testing.T) {
	ds, _ := Builtin("countdown", 5, 50)
	for _, it := range ds.Items {
		v, _, err := ParseExpr(it.Answer)
		if err != nil || v.RatString() != it.Meta["target"] {
			t.Errorf("%s: gold %q = %v, target %s", it.ID, it.Answer, v, it.Meta["target"])
		}
		if !strings.Contains(it.Question, it.Meta["target"]) {
			t.Errorf("%s: question lacks the target", it.ID)
		}
		// A near-miss: the gold expression plus one.
		if _, ok := ds.Score(it, "answer: ("+it.Answer+")+1"); ok && !strings.Contains(it.Meta["numbers"], "1") {
			t.Errorf("%s: gold+1 accepted", it.ID)
		}
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"1+2*3", "(7-3)*(8-2)", "8/(3-3)", "((", "2×3÷4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 200 {
			return
		}
		v, _, err := ParseExpr(s)
		if err == nil && v == nil {
			t.Fatal("nil value without error")
		}
		if ex, ok := (Countdown{}).Extract(s); ok {
			// An extracted expression extracts to itself.
			if again, ok2 := (Countdown{}).Extract(ex); !ok2 || again != ex {
				t.Fatalf("Extract(%q) = %q; again %q", s, ex, again)
			}
		}
	})
}
