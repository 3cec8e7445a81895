package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/tui"
)

// askFlags are the flags of a question run.
type askFlags struct {
	settingsFlags
	showThoughts, jsonOut bool
	quiet                 bool
}

type askCmd struct {
	io    stdio
	f     askFlags
	flags *pflag.FlagSet
}

func newAskCmd(io stdio) *askCmd {
	a := &askCmd{io: io, flags: pflag.NewFlagSet("ask", pflag.ContinueOnError)}
	fs, f := a.flags, &a.f
	f.register(fs)
	fs.BoolVar(&f.showThoughts, "show-thoughts", false, "print every thought's text before the answer")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object with the answer, thoughts, timings and usage")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only the answer (no progress, no summary)")
	return a
}

// build resolves the settings and builds the engine of the command's runs.
func (a *askCmd) build(fs *pflag.FlagSet) (*engine.Engine, error) {
	e, _, err := a.f.engine(fs, a.io)
	return e, err
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
	eng, err := a.build(cmd.Flags())
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
	errw := a.io.err
	show := tui.Render{Out: a.io.out, Err: errw, Live: a.io.errTTY, Color: a.io.errTTY && a.io.getenv("NO_COLOR") == "",
		Width: a.io.termWidth(), Quiet: a.f.quiet, JSON: a.f.jsonOut, ShowThoughts: a.f.showThoughts}.Start()
	res, runErr := eng.Run(ctx, conv, show.Handle)
	a.f.saveAdaptive(func(w string) { fmt.Fprintf(errw, "jessy: warning: %s\n", w) })
	if err := show.Finish(res); err != nil {
		return res, err
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
