// Package prompt builds the messages of a run: the default angle set, the
// thought prompts and the synthesis prompt.
//
// Every thought prompt of a run starts with the same text (the system text,
// then the conversation, then the question) and ends with its angle, so that
// servers with prefix caching (Ollama, llama.cpp, vLLM) compute the shared
// part once.
package prompt

import (
	"fmt"
	"strings"

	"github.com/jessy-llm/jessy"
)

// defaultAngles is the default angle set; DefaultAngles returns a copy.
var defaultAngles = [...]jessy.Angle{
	{Phase: jessy.PhaseExploration, Question: "What do we know?"},
	{Phase: jessy.PhaseExploration, Question: "What don't we know?"},
	{Phase: jessy.PhaseExploration, Question: "What assumptions are we making?"},
	{Phase: jessy.PhaseRefinement, Question: "What patterns emerge?"},
	{Phase: jessy.PhaseRefinement, Question: "What connections exist?"},
	{Phase: jessy.PhaseRefinement, Question: "What contradictions appear?"},
	{Phase: jessy.PhaseCrystallization, Question: "What is the essence?"},
	{Phase: jessy.PhaseCrystallization, Question: "What is the simplest form?"},
}

// DefaultAngles is the default angle set: three exploration, three
// refinement and two crystallization angles.
func DefaultAngles() []jessy.Angle {
	return append([]jessy.Angle(nil), defaultAngles[:]...)
}

// DefaultThoughtSystem is the system text shared by every thought call.
const DefaultThoughtSystem = "You are one of several analysts thinking about the same question at the same time, " +
	"each from a different angle. Another writer will combine your insights into the final answer. " +
	"Stay on your angle and be concrete."

// DefaultSynthesisSystem is the system text of the synthesis call.
const DefaultSynthesisSystem = "You write the final answer to a question from insights that several analysts " +
	"wrote from different angles. Use what is right in them, resolve their contradictions, and ignore what is " +
	"off topic. Start with the conclusion, then give the reasoning."

// Set is the text that shapes a run's prompts. The zero Set uses the
// defaults.
type Set struct {
	Angles          []jessy.Angle
	ThoughtSystem   string
	SynthesisSystem string
}

// angles returns the set's angles, which the caller must not modify.
func (s Set) angles() []jessy.Angle {
	if len(s.Angles) == 0 {
		return defaultAngles[:]
	}
	return s.Angles
}

// Angles returns the angles of n thoughts: the set's angles in order,
// starting again from the first beyond the end of the set.
func (s Set) AnglesFor(n int) []jessy.Angle {
	set := s.angles()
	out := make([]jessy.Angle, n)
	for i := range out {
		out[i] = set[i%len(set)]
	}
	return out
}

// Thought returns the messages of thought index (0-based) of n. conv is the
// conversation, ending with the user's question; earlier holds thoughts the
// call should see (sequential mode) and is nil in parallel mode.
func (s Set) Thought(conv []jessy.Message, angle jessy.Angle, index, n int, earlier []jessy.Thought) []jessy.Message {
	system := s.ThoughtSystem
	if system == "" {
		system = DefaultThoughtSystem
	}
	var b strings.Builder
	b.WriteString(lastUser(conv))
	sep := "\n\n"
	if len(earlier) > 0 {
		b.WriteString("\n\nInsights so far:\n")
		writeThoughts(&b, earlier)
		sep = "\n"
	}
	b.WriteString(sep)
	if angle.Phase == jessy.PhaseSample {
		b.WriteString("Answer the question in a few sentences.")
	} else {
		fmt.Fprintf(&b, "Your angle (%s, %d of %d): %s\n", angle.Phase, index+1, n, angle.Question)
		b.WriteString("Give one focused insight from this angle in 2-3 sentences.")
	}
	return withLastUser(system, conv, b.String())
}

// Synthesis returns the messages of the synthesis call. thoughts are the
// successful thoughts; total is how many were asked for.
func (s Set) Synthesis(conv []jessy.Message, thoughts []jessy.Thought, total int) []jessy.Message {
	system := s.SynthesisSystem
	if system == "" {
		system = DefaultSynthesisSystem
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nInsights (%d of %d analysts answered):\n", lastUser(conv), len(thoughts), total)
	writeThoughts(&b, thoughts)
	b.WriteString("\nWrite the answer to the question: the conclusion first, then the reasoning.")
	return withLastUser(system, conv, b.String())
}

// writeThoughts writes each thought as "[<index>] <phase>: <angle>" (just
// "[<index>]" for a sample), then its trimmed text, each on its own line.
func writeThoughts(b *strings.Builder, thoughts []jessy.Thought) {
	for _, t := range thoughts {
		if t.Phase == jessy.PhaseSample {
			fmt.Fprintf(b, "[%d]\n", t.Index+1)
		} else {
			fmt.Fprintf(b, "[%d] %s: %s\n", t.Index+1, t.Phase, t.Angle)
		}
		fmt.Fprintf(b, "%s\n", strings.TrimSpace(t.Text))
	}
}

// lastUser is the content of the conversation's last user message.
func lastUser(conv []jessy.Message) string { return jessy.LastUserContent(conv) }

// withLastUser returns system text, then conv with its last user message
// replaced by content. System messages of conv are kept after the system
// text, in order. A conversation without a user message gets content as a
// new user message at the end.
func withLastUser(system string, conv []jessy.Message, content string) []jessy.Message {
	out := make([]jessy.Message, 0, len(conv)+1)
	out = append(out, jessy.Message{Role: jessy.RoleSystem, Content: system})
	last := -1
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Role == jessy.RoleUser {
			last = i
			break
		}
	}
	for i, m := range conv {
		if i == last {
			m.Content = content
		}
		out = append(out, m)
	}
	if last < 0 {
		out = append(out, jessy.Message{Role: jessy.RoleUser, Content: content})
	}
	return out
}

// Flatten renders messages as one plain-text prompt, for servers that take a
// prompt string rather than a conversation (batched completions).
func Flatten(msgs []jessy.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		switch m.Role {
		case jessy.RoleSystem:
			b.WriteString(m.Content)
		case jessy.RoleUser:
			b.WriteString("\n\nUser: ")
			b.WriteString(m.Content)
		case jessy.RoleAssistant:
			b.WriteString("\n\nAssistant: ")
			b.WriteString(m.Content)
		}
	}
	b.WriteString("\n\nAssistant:")
	return strings.TrimLeft(b.String(), "\n")
}
