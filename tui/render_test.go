package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

func TestRender(t *testing.T) {
	ok := jessy.Thought{Index: 0, Phase: jessy.PhaseExploration, Angle: "What do we know?",
		Call: jessy.Call{Status: jessy.StatusOK, Text: "an insight", Duration: time.Second}}
	answered := &jessy.Result{Thoughts: []jessy.Thought{ok}, Synthesis: jessy.Call{Status: jessy.StatusOK, Text: "the answer"}}
	failed := &jessy.Result{Thoughts: []jessy.Thought{ok}, Synthesis: jessy.Call{Status: jessy.StatusFailed, Err: errors.New("boom")}}
	for _, c := range []struct {
		name            string
		r               Render
		res             *jessy.Result
		out, err, notIn []string // in stdout, in stderr, in neither
	}{
		{"text", Render{}, answered, []string{"the answer\n"}, []string{"1 of 1 thought answered", "thinking phase"}, []string{"an insight"}},
		{"show thoughts", Render{ShowThoughts: true}, answered, []string{"the answer\n"}, []string{"an insight", "thought 1"}, nil},
		{"quiet", Render{Quiet: true}, answered, []string{"the answer\n"}, nil, []string{"thinking phase", "thought 1"}},
		{"json", Render{JSON: true}, answered, []string{`"answer": "the answer"`}, nil, []string{"thinking phase"}},
		{"synthesis failed keeps the thoughts", Render{}, failed, nil, []string{"an insight", "thinking phase"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			c.r.Out, c.r.Err = &out, &errw
			x := c.r.Start()
			x.Handle(jessy.Event{Type: jessy.EventThoughtDone, Index: 0, Thought: &ok})
			x.Handle(jessy.Event{Type: jessy.EventSynthesisStarted, Index: -1, Synthesis: &jessy.Call{}})
			if c.res.Synthesis.Text != "" {
				x.Handle(jessy.Event{Type: jessy.EventSynthesisDelta, Index: -1, Text: c.res.Synthesis.Text})
			}
			if err := x.Finish(c.res); err != nil {
				t.Fatal(err)
			}
			for _, s := range c.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout %q lacks %q", out.String(), s)
				}
			}
			for _, s := range c.err {
				if !strings.Contains(errw.String(), s) {
					t.Errorf("stderr %q lacks %q", errw.String(), s)
				}
			}
			for _, s := range c.notIn {
				if strings.Contains(out.String()+errw.String(), s) {
					t.Errorf("output has %q:\n%s\n%s", s, out.String(), errw.String())
				}
			}
			if c.r.JSON {
				var rep jessy.Report
				if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
					t.Errorf("stdout is not one JSON report: %v", err)
				}
			}
		})
	}
}
