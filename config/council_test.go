package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const councilFile = `
backends:
  - {name: local, kind: ollama}
  - {name: cloud, kind: openai, base_url: "http://127.0.0.1:8000/v1"}
  - {name: spare, kind: ollama, base_url: "http://127.0.0.1:11500"}
defaults: {backend: local, model: base}
thinkers:
  - {model: a}
  - {backend: cloud, model: b}
  - {backend: cloud}
synthesizer: {backend: cloud, model: chair}
fallbacks:
  - {model: fb}
profiles:
  short:
    models: [s1, s2]
  chair:
    synthesizer: {model: local-chair}
  plain:
    defaults: {thoughts: 2}
`

func TestCouncils(t *testing.T) {
	f := mustParse(t, councilFile)
	fileThinkers := []Target{{"local", "a"}, {"cloud", "b"}, {"cloud", "base"}}
	tests := []struct {
		name        string
		profile     string
		env         map[string]string
		flags       Overrides
		thinkers    []Target
		synthesizer Target
		fallbacks   []Target
		used        []string
	}{
		{name: "the file's council, blanks filled from the defaults",
			thinkers: fileThinkers, synthesizer: Target{"cloud", "chair"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud"}},
		{name: "a profile's models replace the thinkers, keep the synthesizer", profile: "short",
			thinkers: []Target{{"local", "s1"}, {"local", "s2"}}, synthesizer: Target{"cloud", "chair"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud"}},
		{name: "a profile's synthesizer keeps the thinkers", profile: "chair",
			thinkers: fileThinkers, synthesizer: Target{"local", "local-chair"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud"}},
		{name: "a profile without council fields keeps the file's", profile: "plain",
			thinkers: fileThinkers, synthesizer: Target{"cloud", "chair"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud"}},
		{name: "LLM_MODEL fills blanks only, keeps explicit models", env: map[string]string{EnvModel: "env"},
			thinkers: []Target{{"local", "a"}, {"cloud", "b"}, {"cloud", "env"}}, synthesizer: Target{"cloud", "chair"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud"}},
		{name: "--model replaces the council", flags: Overrides{Model: ptr("one")},
			thinkers: []Target{{"local", "one"}}, synthesizer: Target{"local", "one"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local"}},
		{name: "--backend replaces the council", flags: Overrides{Backend: ptr("spare")},
			thinkers: []Target{{"spare", "base"}}, synthesizer: Target{"spare", "base"}, fallbacks: []Target{{"spare", "fb"}},
			used: []string{"spare"}},
		{name: "--models replace the thinkers", flags: Overrides{Models: []string{"m1", "m2"}},
			thinkers: []Target{{"local", "m1"}, {"local", "m2"}}, synthesizer: Target{"cloud", "chair"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud"}},
		{name: "--model with --synthesis-model", flags: Overrides{Model: ptr("one"), SynthesisModel: ptr("big")},
			thinkers: []Target{{"local", "one"}}, synthesizer: Target{"local", "big"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local"}},
		{name: "--synthesis-backend alone", flags: Overrides{SynthesisBackend: ptr("spare")},
			thinkers: fileThinkers, synthesizer: Target{"spare", "base"}, fallbacks: []Target{{"local", "fb"}},
			used: []string{"local", "cloud", "spare"}},
		{name: "a council on a backend the file does not define", flags: Overrides{Models: []string{"x"}, Backend: ptr("anthropic")},
			thinkers: []Target{{"anthropic", "x"}}, synthesizer: Target{"anthropic", "base"}, fallbacks: []Target{{"anthropic", "fb"}},
			used: []string{"anthropic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustResolve(t, f, tt.profile, tt.env, tt.flags)
			if diff := cmp.Diff(tt.thinkers, s.Thinkers); diff != "" {
				t.Errorf("thinkers (-want +got):\n%s", diff)
			}
			if s.Synthesizer != tt.synthesizer {
				t.Errorf("synthesizer = %v, want %v", s.Synthesizer, tt.synthesizer)
			}
			if diff := cmp.Diff(tt.fallbacks, s.Fallbacks); diff != "" {
				t.Errorf("fallbacks (-want +got):\n%s", diff)
			}
			var used []string
			for _, b := range s.Backends {
				if b.Used {
					used = append(used, b.Name)
				}
			}
			if diff := cmp.Diff(tt.used, used); diff != "" {
				t.Errorf("used backends (-want +got):\n%s", diff)
			}
		})
	}
}

// Every backend of the file is in Settings, used or not, so that the doctor
// can check each; backends from the environment only when referred to.
func TestBackendsListed(t *testing.T) {
	s := mustResolve(t, mustParse(t, councilFile), "", nil, Overrides{Model: ptr("m")})
	var names []string
	for _, b := range s.Backends {
		names = append(names, b.Name)
	}
	if diff := cmp.Diff([]string{"local", "cloud", "spare"}, names); diff != "" {
		t.Errorf("backends (-want +got):\n%s", diff)
	}
	if b := s.Backend("spare"); b.Used || b.FromEnv {
		t.Errorf("spare = %+v, want unused and from the file", b)
	}
}

func TestAnglesAndPrompts(t *testing.T) {
	f := mustParse(t, `
angles:
  - {phase: exploration, question: "Q1?"}
  - {phase: critique, question: "Q2?"}
  - {phase: crystallization, question: "Q3?"}
prompts: {thought_system: "T", synthesis_system: "S"}
profiles:
  p:
    angles: [{phase: exploration, question: "P1?"}]
    prompts: {synthesis_system: "PS"}
`)
	s := mustResolve(t, f, "", nil, Overrides{})
	if len(s.Run.Angles) != 3 || s.Run.Angles[1].Phase != "critique" || s.Run.Thoughts != 3 {
		t.Errorf("custom angle set: angles %v, thoughts %d; want 3 angles and 3 thoughts", s.Run.Angles, s.Run.Thoughts)
	}
	if s.Run.ThoughtSystem != "T" || s.Run.SynthesisSystem != "S" {
		t.Errorf("prompts = %q, %q", s.Run.ThoughtSystem, s.Run.SynthesisSystem)
	}
	p := mustResolve(t, f, "p", nil, Overrides{})
	if len(p.Run.Angles) != 1 || p.Run.Angles[0].Question != "P1?" || p.Run.Thoughts != 1 {
		t.Errorf("profile angles = %v, thoughts %d", p.Run.Angles, p.Run.Thoughts)
	}
	if p.Run.ThoughtSystem != "T" || p.Run.SynthesisSystem != "PS" {
		t.Errorf("profile prompts = %q, %q; want T (file) and PS (profile)", p.Run.ThoughtSystem, p.Run.SynthesisSystem)
	}
}
