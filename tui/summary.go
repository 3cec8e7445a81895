package tui

import (
	"fmt"
	"io"
	"strings"

	"github.com/jessy-llm/jessy"
)

// Thoughts writes the text of every thought, with its angle, and the error
// of every failed one.
func Thoughts(w io.Writer, thoughts []jessy.Thought) {
	for _, t := range thoughts {
		fmt.Fprintf(w, "── thought %d · %s · %s · %s\n", t.Index+1, t.Phase, t.Angle, t.Status)
		switch {
		case t.Status == jessy.StatusOK:
			fmt.Fprintln(w, strings.TrimSpace(t.Text))
		case t.Err != nil:
			fmt.Fprintf(w, "(%v)\n", t.Err)
		}
	}
}

// Answered is the count line of a run, e.g. "7 of 8 thoughts answered".
func Answered(res *jessy.Result) string {
	s := res.Tally()
	var parts []string
	for _, st := range []jessy.Status{jessy.StatusFailed, jessy.StatusCanceled, jessy.StatusSkipped} {
		if c := count(res, st); c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, st))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func count(res *jessy.Result, st jessy.Status) int {
	c := 0
	for _, t := range res.Thoughts {
		if t.Status == st {
			c++
		}
	}
	return c
}

// Summary writes the closing lines of res: thoughts answered, then for a
// run that answered the thinking phase, the synthesis, the total and the
// sum of every call's duration (named for what it is: with a server that
// queues calls it includes their waits, so no speedup is inferred from
// it; `jessy bench` measures one), and the tokens. A failed run gets no
// timing table that could read like a success: only how long it ran.
func Summary(w io.Writer, res *jessy.Result) {
	t := res.Timings
	fmt.Fprintf(w, "\n%s", Answered(res))
	if res.Note != "" {
		fmt.Fprintf(w, "; %s", res.Note)
	}
	fmt.Fprintln(w)
	if res.Err != nil {
		fmt.Fprintf(w, "  %-22s %8s\n", "run failed after", seconds(t.Total))
	} else {
		fmt.Fprintf(w, "  %-22s %8s\n", "thinking phase", seconds(t.Thinking))
		fmt.Fprintf(w, "  %-22s %8s\n", "synthesis", seconds(t.Synthesis))
		fmt.Fprintf(w, "  %-22s %8s\n", "total", seconds(t.Total))
		fmt.Fprintf(w, "  %-22s %8s\n", "calls, summed", seconds(t.SequentialEquivalent))
	}
	if u := res.Usage; u.Total() > 0 {
		fmt.Fprintf(w, "  %-22s %8d  (%d prompt, %d completion)\n", "tokens", u.Total(), u.PromptTokens, u.CompletionTokens)
	}
}
