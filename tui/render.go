package tui

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/jessy-llm/jessy"
)

// Render is how the command line shows one run: the answer streamed to Out
// (or, with JSON, the run's report and nothing else), and on Err the
// progress, the thoughts when asked for or when the synthesis failed, and
// the closing summary unless Quiet.
type Render struct {
	Out, Err io.Writer
	// Live, Color and Width shape the progress (see Options).
	Live, Color bool
	Width       int
	// Quiet leaves only the answer; JSON prints the report instead of text;
	// ShowThoughts prints every thought before the answer.
	Quiet, JSON, ShowThoughts bool
}

// Rendering is one run being shown. Handle is the run's jessy.Sink; Finish
// must be called once the run returned. It is not safe for concurrent use
// beyond what jessy.Sink promises.
type Rendering struct {
	r        Render
	prog     *Progress
	thoughts []jessy.Thought
	streamed bool
}

// Start begins showing a run.
func (r Render) Start() *Rendering {
	x := &Rendering{r: r}
	if !r.Quiet {
		x.prog = New(r.Err, Options{Live: r.Live, Color: r.Color, Width: r.Width})
	}
	return x
}

// Handle shows one event of the run.
func (x *Rendering) Handle(ev jessy.Event) {
	if x.prog != nil {
		x.prog.Handle(ev)
	}
	switch ev.Type {
	case jessy.EventThoughtDone, jessy.EventThoughtFailed, jessy.EventThoughtCanceled:
		x.thoughts = append(x.thoughts, *ev.Thought)
	case jessy.EventSynthesisStarted:
		if x.prog != nil {
			x.prog.Close()
		}
		if x.r.ShowThoughts && !x.r.JSON {
			Thoughts(x.r.Err, x.thoughts)
		}
	case jessy.EventSynthesisDelta:
		if !x.r.JSON && ev.Text != "" {
			x.streamed = true
			_, _ = io.WriteString(x.r.Out, ev.Text)
		}
	}
}

// Finish shows the end of the run res: the report with JSON, else the
// thoughts when the synthesis failed (nothing the run paid for is lost),
// then the summary. It returns the error of writing the report.
func (x *Rendering) Finish(res *jessy.Result) error {
	if x.prog != nil {
		x.prog.Close()
	}
	if x.streamed {
		fmt.Fprintln(x.r.Out)
	}
	if x.r.JSON {
		enc := json.NewEncoder(x.r.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res.Report()); err != nil {
			return err
		}
	} else if res.Synthesis.Status == jessy.StatusFailed && !x.r.ShowThoughts {
		fmt.Fprintln(x.r.Err)
		Thoughts(x.r.Err, res.Thoughts)
	}
	if !x.r.Quiet && !x.r.JSON {
		Summary(x.r.Err, res)
	}
	return nil
}
