package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadGSM8K(t *testing.T) {
	ds, err := LoadGSM8K("testdata/tiny.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, answer string }{{"line-1", "12"}, {"line-3", "6000"}, {"line-4", "-5"}}
	if len(ds.Items) != len(want) {
		t.Fatalf("got %d items, want %d", len(ds.Items), len(want))
	}
	for i, w := range want {
		if ds.Items[i].ID != w.id || ds.Items[i].Answer != w.answer {
			t.Errorf("item %d = %q %q, want %q %q", i, ds.Items[i].ID, ds.Items[i].Answer, w.id, w.answer)
		}
	}
	if !strings.HasPrefix(ds.Items[0].Question, "Ana has") {
		t.Errorf("question = %q", ds.Items[0].Question)
	}
	if p := ds.Prompt(ds.Items[0]); !strings.HasPrefix(p, ds.Items[0].Question+"\n\n") || !strings.HasSuffix(p, NumberInstruction) {
		t.Errorf("prompt = %q", p)
	}
	if b, _ := Builtin("letters", 1, 1); b.Prompt(b.Items[0]) != b.Items[0].Question {
		t.Error("a built-in task's prompt is not its question")
	}
}

func TestReadGSM8KErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"question": "q", "answer": "#### 1"}` + "\nnot json\n", "line 2: not a JSON object"},
		{`{"answer": "#### 1"}`, "line 1: missing \"question\""},
		{`{"question": "q"}`, "line 1: missing \"answer\""},
		{`{"question": "q", "answer": "it is 4"}`, "line 1: answer has no \"#### N\" line"},
		{"\n\n" + `{"question": "q", "answer": "#### four"}`, "line 3: gold answer \"four\" is not a number"},
		{`["q"]`, "line 1: not a JSON object"},
		{"", "no items"},
	}
	for _, tt := range tests {
		_, err := ReadGSM8K(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadGSM8K(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// gsm8kTestPath is GSM8K's test split kept outside the repository.
var gsm8kTestPath = filepath.Join("..", "..", "shared", "data", "gsm8k-test.jsonl")

// TestGSM8KTestSplit reads the real test split: every gold answer is
// canonical and reads back through the extraction rule from the
// reference solution itself, so the rule agrees with GSM8K's own lines.
func TestGSM8KTestSplit(t *testing.T) {
	f, err := os.Open(gsm8kTestPath)
	if err != nil {
		t.Skipf("GSM8K test split not found at %s (download it beside the repository as shared/data/gsm8k-test.jsonl): %v", gsm8kTestPath, err)
	}
	defer f.Close()
	items, err := ReadGSM8K(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1319 {
		t.Errorf("got %d items, want 1319", len(items))
	}
	raw, err := os.ReadFile(gsm8kTestPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i, it := range items {
		if c, ok := Canonical(it.Answer); !ok || c != it.Answer {
			t.Errorf("%s: gold %q not canonical", it.ID, it.Answer)
		}
		if got, ok := ExtractNumber(lines[i]); !ok || (Numbers{}).Correct(it, got) != true {
			// The raw line holds the JSON-escaped solution; its last
			// "#### N" is the gold answer.
			t.Errorf("%s: extraction from the reference solution gave %q, gold %q", it.ID, got, it.Answer)
		}
	}
	sel := Selection{Limit: 10, Seed: 7, Shuffle: true}
	a, b := sel.Apply(items), sel.Apply(items)
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Fatal("same seed gave different selections")
		}
	}
}

func FuzzReadGSM8K(f *testing.F) {
	f.Add(`{"question": "q", "answer": "x\n#### 1,000"}`)
	f.Add("{}\n")
	f.Add(`{"question": "q", "answer": "#### -2.50"}` + "\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		items, err := ReadGSM8K(strings.NewReader(s))
		if err != nil {
			if items != nil {
				t.Fatal("items with an error")
			}
			return
		}
		for _, it := range items {
			if c, ok := Canonical(it.Answer); !ok || c != it.Answer {
				t.Fatalf("gold %q not canonical", it.Answer)
			}
		}
	})
}
