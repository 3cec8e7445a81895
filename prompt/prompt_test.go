package prompt

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func render(msgs []jessy.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("--- " + string(m.Role) + "\n" + m.Content + "\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./prompt -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

var conv = []jessy.Message{
	{Role: jessy.RoleUser, Content: "Is a hot dog a sandwich?"},
	{Role: jessy.RoleAssistant, Content: "It depends on the definition."},
	{Role: jessy.RoleUser, Content: "Decide, then."},
}

func thoughts() []jessy.Thought {
	a := DefaultAngles()
	return []jessy.Thought{
		{Index: 0, Phase: a[0].Phase, Angle: a[0].Question, Call: jessy.Call{Text: " Bread around a filling.\n"}},
		{Index: 3, Phase: a[3].Phase, Angle: a[3].Question, Call: jessy.Call{Text: "Hinged bread is common."}},
	}
}

func TestGolden(t *testing.T) {
	var s Set
	a := s.AnglesFor(10)
	tests := []struct {
		name string
		msgs []jessy.Message
	}{
		{"thought_parallel", s.Thought(conv, a[2], 2, 8, nil)},
		{"thought_sequential", s.Thought(conv, a[4], 4, 8, thoughts())},
		{"thought_sample", s.Thought(conv[:1], jessy.Angle{Phase: jessy.PhaseSample}, 0, 5, nil)},
		{"synthesis", s.Synthesis(conv, thoughts(), 8)},
		{"flatten", []jessy.Message{{Role: jessy.RoleUser, Content: Flatten(s.Thought(conv[:1], a[0], 0, 8, nil))}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { golden(t, tt.name, render(tt.msgs)) })
	}
}

func TestAnglesFor(t *testing.T) {
	def := DefaultAngles()
	if len(def) != 8 {
		t.Fatalf("default set has %d angles, want 8", len(def))
	}
	var s Set
	got := s.AnglesFor(10)
	for i, a := range got {
		if a != def[i%8] {
			t.Errorf("angle %d = %v, want %v", i, a, def[i%8])
		}
	}
	phases := map[jessy.Phase]int{}
	for _, a := range def {
		phases[a.Phase]++
	}
	if phases[jessy.PhaseExploration] != 3 || phases[jessy.PhaseRefinement] != 3 || phases[jessy.PhaseCrystallization] != 2 {
		t.Errorf("phases = %v, want 3 exploration, 3 refinement, 2 crystallization", phases)
	}
	custom := Set{Angles: []jessy.Angle{{Phase: "x", Question: "q1"}, {Phase: "y", Question: "q2"}}}
	if got := custom.AnglesFor(3); got[2].Question != "q1" || got[1].Question != "q2" {
		t.Errorf("custom AnglesFor(3) = %v", got)
	}
}

// The N thought prompts of a run must share everything but their ending, so
// prefix caches can reuse the shared part.
func TestThoughtPromptsSharePrefix(t *testing.T) {
	var s Set
	angles := s.AnglesFor(8)
	first := render(s.Thought(conv, angles[0], 0, 8, nil))
	shared := render(conv[:2]) + "--- user\n" + conv[2].Content
	for i, a := range angles {
		p := render(s.Thought(conv, a, i, 8, nil))
		if !strings.Contains(p, shared) {
			t.Fatalf("thought %d does not contain the conversation and question", i)
		}
		if i > 0 && commonPrefix(first, p) < strings.Index(first, shared)+len(shared) {
			t.Errorf("thought %d diverges from thought 0 before the end of the question", i)
		}
		if !strings.HasSuffix(strings.TrimSpace(p), "in 2-3 sentences.") || !strings.Contains(p, a.Question) {
			t.Errorf("thought %d does not end with its angle: %q", i, p)
		}
	}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestWithLastUserWithoutUser(t *testing.T) {
	msgs := withLastUser("sys", []jessy.Message{{Role: jessy.RoleSystem, Content: "be brief"}}, "q")
	if len(msgs) != 3 || msgs[1].Content != "be brief" || msgs[2].Role != jessy.RoleUser || msgs[2].Content != "q" {
		t.Errorf("got %+v", msgs)
	}
}
