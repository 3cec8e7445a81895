package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/jessy-llm/jessy"
)

// interrupts delivers Ctrl-C to an interactive session instead of ending the
// process, until stop is called.
func interrupts() (<-chan os.Signal, func()) {
	// Reset undoes main's handler, which would end the whole session.
	signal.Reset(os.Interrupt)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}

func newChatCmd(io stdio) *cobra.Command {
	a := newAskCmd(io)
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Talk with jessy: every question gets a full parallel-thinking run, with the conversation so far",
		Long: `chat reads one question per line. Each is answered by a full run (thoughts,
then synthesis) that sees the earlier questions and answers.

Ctrl-C cancels the run in progress and keeps the session; Ctrl-D (end of
input) leaves. /reset forgets the conversation; /exit leaves.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := a.build(cmd.Flags())
			if err != nil {
				return err
			}
			sig, stop := io.interrupts()
			defer stop()
			return a.chat(cmd.Context(), eng, sig)
		},
	}
	cmd.Flags().AddFlagSet(a.flags)
	return cmd
}

// chat runs the session loop until end of input or /exit. A signal on sig
// cancels the run in progress.
func (a *askCmd) chat(ctx context.Context, eng runner, sig <-chan os.Signal) error {
	var conv []jessy.Message
	in := bufio.NewScanner(a.io.in)
	in.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for {
		if a.io.inTTY {
			fmt.Fprint(a.io.err, "\n> ")
		}
		if !in.Scan() {
			if a.io.inTTY {
				fmt.Fprintln(a.io.err)
			}
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		switch line {
		case "":
			continue
		case "/exit", "/quit":
			return nil
		case "/reset":
			conv = nil
			fmt.Fprintln(a.io.err, "(conversation cleared)")
			continue
		}
		// A Ctrl-C pressed at the prompt must not cancel the next run.
		select {
		case <-sig:
		default:
		}
		turn := append(conv[:len(conv):len(conv)], jessy.Message{Role: jessy.RoleUser, Content: line})
		res, err := a.runTurn(ctx, eng, turn, sig)
		switch {
		case err == nil:
			conv = append(turn, jessy.Message{Role: jessy.RoleAssistant, Content: res.Answer()})
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(a.io.err, "(cancelled; ask again, or Ctrl-D to leave)")
		}
		// Other failures were reported by answer; the session goes on.
	}
}

// runTurn answers one turn; a signal on sig cancels it.
func (a *askCmd) runTurn(ctx context.Context, eng runner, conv []jessy.Message, sig <-chan os.Signal) (*jessy.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-sig:
			cancel()
		case <-done:
		}
	})
	defer func() {
		close(done)
		wg.Wait()
		cancel()
	}()
	return a.answer(ctx, eng, conv)
}
