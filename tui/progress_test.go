package tui

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

func thought(i int, st jessy.Status, text string, err error) *jessy.Thought {
	th := &jessy.Thought{Index: i, Phase: jessy.PhaseExploration, Angle: "What do we know?"}
	th.Status, th.Text, th.Err, th.Duration = st, text, err, 1500*time.Millisecond
	return th
}

func feed(p *Progress) {
	p.Handle(jessy.Event{Type: jessy.EventThoughtStarted, Index: 0, Thought: thought(0, "", "", nil)})
	p.Handle(jessy.Event{Type: jessy.EventThoughtStarted, Index: 1, Thought: thought(1, "", "", nil)})
	p.Handle(jessy.Event{Type: jessy.EventThoughtDelta, Index: 0, Text: "first words\n"})
	p.Handle(jessy.Event{Type: jessy.EventThoughtDelta, Index: 0, Text: "then more"})
	p.Handle(jessy.Event{Type: jessy.EventThoughtDone, Index: 0, Thought: thought(0, jessy.StatusOK, "first words\nthen more", nil)})
	p.Handle(jessy.Event{Type: jessy.EventThoughtFailed, Index: 1, Thought: thought(1, jessy.StatusFailed, "", errors.New("HTTP 500: boom")), Err: errors.New("HTTP 500: boom")})
	p.Handle(jessy.Event{Type: jessy.EventSynthesisStarted, Index: -1, Synthesis: &jessy.Call{Backend: "ollama", Model: "m"}})
}

func TestPlainProgress(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, Options{})
	feed(p)
	p.Close()
	want := "thought 1 exploration: What do we know? ...\n" +
		"thought 2 exploration: What do we know? ...\n" +
		"thought 1 ok in 1.50s\n" +
		"thought 2 failed after 1.50s: HTTP 500: boom\n" +
		"synthesis from 1 of 2 thoughts (ollama/m)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestLiveProgressRedrawsInPlace(t *testing.T) {
	var b bytes.Buffer
	now := time.Unix(0, 0)
	p := New(&b, Options{Live: true, Width: 120, Now: func() time.Time { return now }})
	feed(p)
	p.Close()
	out := b.String()
	if !strings.Contains(out, "\x1b[2A") {
		t.Error("live view never moved the cursor up over its two lines")
	}
	frames := strings.Split(out, "\x1b[2A")
	last := frames[len(frames)-1]
	if !strings.Contains(last, "✓  1 exploration") || !strings.Contains(last, "first words then more") {
		t.Errorf("final frame lacks the done thought and its text:\n%q", last)
	}
	if !strings.Contains(last, "✗  2") || !strings.Contains(last, "HTTP 500: boom") {
		t.Errorf("final frame lacks the failed thought:\n%q", last)
	}
	if strings.Count(out, "synthesis from 1 of 2 thoughts") != 1 {
		t.Error("synthesis line missing or repeated")
	}
	// After the synthesis starts the region is frozen: Close redraws nothing.
	n := b.Len()
	p.Close()
	if b.Len() != n {
		t.Error("redrew after the synthesis started")
	}
}

func TestTailKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", 10)
	if got := tail(s, 5); got != "éé" {
		t.Errorf("tail = %q", got)
	}
}

func TestSummary(t *testing.T) {
	res := &jessy.Result{Thoughts: []jessy.Thought{*thought(0, jessy.StatusOK, "a", nil), *thought(1, jessy.StatusFailed, "", errors.New("x"))}}
	res.Timings = jessy.Timings{Thinking: time.Second, Synthesis: time.Second, Total: 2 * time.Second, SequentialEquivalent: 8 * time.Second}
	var b bytes.Buffer
	Summary(&b, res)
	for _, want := range []string{"1 of 2 thoughts answered (1 failed)", "thinking phase", "2.00s", "calls, summed             8.00s\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "x)") {
		t.Errorf("summary infers a speedup from summed call times:\n%s", b.String())
	}

	res.Err = errors.New("synthesis: boom")
	b.Reset()
	Summary(&b, res)
	if !strings.Contains(b.String(), "run failed after          2.00s") || strings.Contains(b.String(), "thinking phase") {
		t.Errorf("a failed run's summary reads like a success:\n%s", b.String())
	}
}

func TestFallbackLine(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, Options{})
	p.Handle(jessy.Event{Type: jessy.EventSynthesisFallback, Index: -1, Err: errors.New("HTTP 500: boom"),
		Synthesis: &jessy.Call{Backend: "local", Model: "qwen3:8b"}})
	p.Close()
	if want := "synthesis failed: HTTP 500: boom; fallback local/qwen3:8b takes over\n"; !strings.Contains(b.String(), want) {
		t.Errorf("output %q lacks %q", b.String(), want)
	}
}
