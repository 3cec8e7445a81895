package providertest

import (
	"testing"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/prompt"
)

func TestRunScriptsThoughtsAndSynthesis(t *testing.T) {
	var s prompt.Set
	conv := []jessy.Message{{Role: jessy.RoleUser, Content: "q, with a comma"}}
	angles := s.AnglesFor(8)
	script := Run(func(i int) Reply { return Text(string(rune('a' + i))) }, Text("synth"))
	for i, a := range angles {
		req := Request{Messages: s.Thought(conv, a, i, 8, nil)}
		if got := ThoughtIndex(req); got != i {
			t.Errorf("ThoughtIndex of thought %d = %d", i, got)
		}
		if r := script(0, req); r.Chunks[0] != string(rune('a'+i)) {
			t.Errorf("thought %d got %q", i, r.Chunks)
		}
	}
	synth := Request{Messages: s.Synthesis(conv, nil, 8)}
	if !IsSynthesis(synth) || ThoughtIndex(synth) != -1 || script(0, synth).Chunks[0] != "synth" {
		t.Error("the synthesis is not recognised")
	}
	if !IsSynthesis(Request{System: prompt.DefaultSynthesisSystem}) {
		t.Error("a synthesis with the system text in the system field is not recognised")
	}
}
