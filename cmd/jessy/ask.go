package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/tui"
)

// askFlags are the flags of a question run.
type askFlags struct {
	provider, model, baseURL  string
	sequential                bool
	thoughts, concurrency     int
	maxTokens, synthMaxTokens int
	temperature               float64
	numCtx                    int
	keepAlive                 time.Duration
	timeout, thoughtTimeout   time.Duration
	retries, minThoughts      int
	showThoughts, jsonOut     bool
	quiet                     bool
}

type askCmd struct {
	io    stdio
	f     askFlags
	flags *pflag.FlagSet
}

func newAskCmd(io stdio) *askCmd {
	a := &askCmd{io: io, flags: pflag.NewFlagSet("ask", pflag.ContinueOnError)}
	fs, f := a.flags, &a.f
	fs.StringVar(&f.provider, "provider", "", "backend kind: ollama (env LLM_PROVIDER)")
	fs.StringVar(&f.model, "model", "", "model name (env LLM_MODEL)")
	fs.StringVar(&f.baseURL, "base-url", "", "backend address (env OLLAMA_HOST for ollama)")
	fs.BoolVar(&f.sequential, "sequential", false, "think one angle after another, each seeing the earlier ones (the baseline)")
	fs.IntVarP(&f.thoughts, "thoughts", "n", engine.DefaultThoughts, "number of thoughts")
	fs.IntVar(&f.concurrency, "concurrency", 0, "thoughts in flight at once (0: all of them)")
	fs.IntVar(&f.maxTokens, "max-tokens", engine.DefaultMaxTokens, "output cap per thought, in tokens")
	fs.IntVar(&f.synthMaxTokens, "synthesis-max-tokens", engine.DefaultSynthesisMaxTokens, "output cap of the answer, in tokens")
	fs.Float64Var(&f.temperature, "temperature", 0, "sampling temperature (default: the model's)")
	fs.IntVar(&f.numCtx, "num-ctx", 0, "Ollama context window in tokens (default: the model's)")
	fs.DurationVar(&f.keepAlive, "keep-alive", 0, "how long Ollama keeps the model loaded (default: the server's)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "deadline of the whole run (0: none)")
	fs.DurationVar(&f.thoughtTimeout, "thought-timeout", 2*time.Minute, "deadline of each thought, retries included (0: none)")
	fs.IntVar(&f.retries, "retries", 2, "retries of a call that failed before any output, for errors a retry may fix")
	fs.IntVar(&f.minThoughts, "min-thoughts", 1, "fewest successful thoughts the synthesis needs")
	fs.BoolVar(&f.showThoughts, "show-thoughts", false, "print every thought's text before the answer")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object with the answer, thoughts, timings and usage")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only the answer (no progress, no summary)")
	return a
}

// question reads the question from args, or from stdin when there are none.
func (a *askCmd) question(args []string) (string, error) {
	if len(args) > 0 {
		return strings.Join(args, " "), nil
	}
	if a.io.inTTY {
		return "", usagef("no question: give it as an argument or on standard input")
	}
	b, err := io.ReadAll(io.LimitReader(a.io.in, 1<<20))
	if err != nil {
		return "", fmt.Errorf("reading the question from standard input: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (a *askCmd) run(cmd *cobra.Command, args []string) error {
	q, err := a.question(args)
	if err != nil {
		return err
	}
	if q == "" {
		return usagef("the question is empty")
	}
	eng, err := buildEngine(cmd.Flags(), a.f, a.io.getenv)
	if err != nil {
		return err
	}
	_, err = a.answer(cmd.Context(), eng, []jessy.Message{{Role: jessy.RoleUser, Content: q}})
	return err
}

// runner runs a conversation; *engine.Engine is one.
type runner interface {
	Run(ctx context.Context, conv []jessy.Message, sink jessy.Sink) (*jessy.Result, error)
}

// answer runs conv on eng and renders the run: progress and the summary on
// stderr, the answer streamed to stdout (or the JSON report). A failed run
// returns runFailed after its error was printed.
func (a *askCmd) answer(ctx context.Context, eng runner, conv []jessy.Message) (*jessy.Result, error) {
	if a.f.timeout > 0 {
		var cancel func()
		ctx, cancel = contextWithTimeout(ctx, a.f.timeout)
		defer cancel()
	}
	out, errw := a.io.out, a.io.err
	var prog *tui.Progress
	if !a.f.quiet {
		prog = tui.New(errw, tui.Options{Live: a.io.errTTY, Color: a.io.errTTY && a.io.getenv("NO_COLOR") == "", Width: a.io.termWidth()})
	}
	var thoughts []jessy.Thought
	streamed := false
	sink := func(ev jessy.Event) {
		if prog != nil {
			prog.Handle(ev)
		}
		switch ev.Type {
		case jessy.EventThoughtDone, jessy.EventThoughtFailed:
			thoughts = append(thoughts, *ev.Thought)
		case jessy.EventSynthesisStarted:
			if prog != nil {
				prog.Close()
			}
			if a.f.showThoughts && !a.f.jsonOut {
				tui.Thoughts(errw, thoughts)
			}
		case jessy.EventSynthesisDelta:
			if !a.f.jsonOut && ev.Text != "" {
				streamed = true
				_, _ = io.WriteString(out, ev.Text)
			}
		}
	}
	res, runErr := eng.Run(ctx, conv, sink)
	if prog != nil {
		prog.Close()
	}
	if streamed {
		fmt.Fprintln(out)
	}
	if a.f.jsonOut {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res.Report()); err != nil {
			return res, err
		}
	} else if res.Synthesis.Status == jessy.StatusFailed && !a.f.showThoughts {
		// The synthesis failed: show what the thoughts gathered, so nothing
		// the run paid for is lost.
		fmt.Fprintln(errw)
		tui.Thoughts(errw, res.Thoughts)
	}
	if !a.f.quiet && !a.f.jsonOut {
		tui.Summary(errw, res)
	}
	if runErr != nil {
		if jessy.KindOf(runErr) == jessy.KindInvalid {
			return res, runErr
		}
		fmt.Fprintf(errw, "jessy: %s\n", describe(runErr))
		return res, runFailed{runErr}
	}
	return res, nil
}
