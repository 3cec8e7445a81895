package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/jessy-llm/jessy"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // the run failed
	exitUsage  = 2 // the command line or configuration is wrong
	// exitInterrupted is the shell's status for a process ended by SIGINT
	// (128 + 2): the run was stopped by Ctrl-C or SIGTERM.
	exitInterrupted = 130
)

// stdio is the process's environment as the commands see it, so tests can
// drive run with buffers and a fake environment.
type stdio struct {
	in        io.Reader
	out, err  io.Writer
	getenv    func(string) string
	inTTY     bool
	errTTY    bool
	termWidth func() int
	// interrupts routes Ctrl-C to an interactive session until stop.
	interrupts func() (sig <-chan os.Signal, stop func())
}

func newStdio() stdio {
	return stdio{
		in: os.Stdin, out: os.Stdout, err: os.Stderr,
		getenv:     os.Getenv,
		interrupts: interrupts,
		inTTY:      term.IsTerminal(int(os.Stdin.Fd())),
		errTTY:     term.IsTerminal(int(os.Stderr.Fd())),
		termWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
}

// usageError marks an error the user made on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// runFailed marks a run that failed after its outcome was already reported
// (for example as JSON), so run only sets the exit status.
type runFailed struct{ err error }

func (e runFailed) Error() string { return e.err.Error() }
func (e runFailed) Unwrap() error { return e.err }

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, io stdio) int {
	root := newRootCmd(io)
	root.SetArgs(args)
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(io.err, "jessy: interrupted")
		return exitInterrupted
	}
	var rf runFailed
	if errors.As(err, &rf) {
		return exitFailed
	}
	var ue usageError
	if errors.As(err, &ue) || jessy.KindOf(err) == jessy.KindInvalid || isFlagError(err) {
		fmt.Fprintf(io.err, "jessy: %s\n", describe(err))
		fmt.Fprintln(io.err, "Run 'jessy --help' for usage.")
		return exitUsage
	}
	fmt.Fprintf(io.err, "jessy: %s\n", describe(err))
	return exitFailed
}

// describe turns err into words for the user, with its hint when it has one.
func describe(err error) string {
	msg := err.Error()
	if h := jessy.HintOf(err); h != "" {
		msg += "\n  hint: " + h
	}
	return msg
}

// flagError wraps errors from cobra's flag parsing.
type flagError struct{ error }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

func newRootCmd(io stdio) *cobra.Command {
	root := &cobra.Command{
		Use:   "jessy [question]",
		Short: "Think about a question from several angles at once, then answer from all of them",
		Long: `jessy asks a language model about your question from several angles at once
(8 "thoughts" by default), then writes one answer from all of them.

The question comes from the arguments, or from standard input.
The answer goes to standard output; progress goes to standard error.

Environment (flags win over it, and it wins over the config file):
  LLM_PROVIDER        backend kind: ollama (default), openai or anthropic
  LLM_MODEL           model name
  OLLAMA_HOST         Ollama's address (default http://127.0.0.1:11434)
  OPENAI_BASE_URL     an OpenAI-compatible server (default https://api.openai.com/v1)
  OPENAI_API_KEY      its key (not needed by local servers)
  ANTHROPIC_BASE_URL  Anthropic's address (default https://api.anthropic.com)
  ANTHROPIC_API_KEY   its key`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	root.Version = version()
	root.SetVersionTemplate("jessy {{.Version}}\n")
	ask := newAskCmd(io)
	root.Flags().AddFlagSet(ask.flags)
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if name, ok := mistypedCommand(root, args, cmd.ArgsLenAtDash()); ok {
			return usagef("%q is not a command; did you mean %s? (to ask it as a question: jessy -- %s)", args[0], name, args[0])
		}
		return ask.run(cmd, args)
	}
	root.AddCommand(newChatCmd(io))
	root.AddCommand(newInfoCmds(io)...)
	root.AddCommand(newServeCmd(io))
	root.AddCommand(newBenchCmd(io))
	root.AddCommand(newVersionCmd(io))
	return root
}
