package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

var question = []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}

// TestUnreachableBackendFailsFastNamingAddress is the issue's "an
// unreachable backend fails in well under the run timeout with a message
// naming the address", with the default retry policy and the CLI's default
// timeouts.
func TestUnreachableBackendFailsFastNamingAddress(t *testing.T) {
	for _, fm := range formats() {
		t.Run(fm.name, func(t *testing.T) {
			addr := deadAddr(t)
			opts := engine.Options{Timeout: 10 * time.Minute, ThoughtTimeout: 2 * time.Minute, Retry: engine.DefaultRetryPolicy()}
			e := engine.New(engine.Target{Backend: fm.name, Provider: fm.provider(t, addr), Model: "m"}, opts)
			start := time.Now()
			res, err := e.Run(t.Context(), question, nil)
			took := time.Since(start)
			host := strings.TrimPrefix(addr, "http://")
			if jessy.KindOf(err) != jessy.KindUnreachable || !strings.Contains(err.Error(), host) {
				t.Fatalf("err = %v, want unreachable naming %s", err, host)
			}
			// Two retries of at most 0.5 s and 1 s of backoff, plus dialling.
			if took > 3*time.Second {
				t.Errorf("took %v, want well under the run timeout", took)
			}
			if res.Tally() != "0 of 8 thoughts answered" || len(res.Thoughts[0].Attempts) != 3 {
				t.Errorf("%s, %d attempts", res.Tally(), len(res.Thoughts[0].Attempts))
			}
		})
	}
}

// TestWireCancelMidPhase cancels a run from the caller while every call of
// one phase is streaming over the wire, and checks the run ends at once,
// with nothing left in flight at the server.
func TestWireCancelMidPhase(t *testing.T) {
	slow := providertest.Reply{Chunks: providertest.SplitWords("one two three four five six seven"), ChunkDelay: 500 * time.Millisecond}
	for _, fm := range formats() {
		for _, phase := range []string{"thinking", "synthesis"} {
			t.Run(fm.name+"/"+phase, func(t *testing.T) {
				t.Parallel()
				s := fm.server(t, providertest.PerCall(func(key, _ int) providertest.Reply {
					if (key == -1) == (phase == "synthesis") {
						return slow
					}
					return answer(fmt.Sprintf("insight %d", key))
				}))
				e := engine.New(engine.Target{Backend: fm.name, Provider: fm.provider(t, s.URL), Model: "m"}, wireOptions)
				e.ThoughtTimeout, e.SynthesisTimeout = time.Minute, time.Minute
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				sawDelta := make(chan struct{}, 1)
				time.AfterFunc(5*time.Second, cancel) // backstop
				var res *jessy.Result
				var err error
				done := make(chan struct{})
				go func() {
					defer close(done)
					res, err = e.Run(ctx, question, func(ev jessy.Event) {
						if ev.Type == jessy.EventSynthesisDelta || (phase == "thinking" && ev.Type == jessy.EventThoughtDelta) {
							select {
							case sawDelta <- struct{}{}:
							default:
							}
						}
					})
				}()
				select {
				case <-sawDelta:
				case <-done:
					t.Fatalf("the run ended before any output streamed: %v", err)
				case <-time.After(10 * time.Second):
					t.Fatal("no output streamed within 10s")
				}
				cancel()
				start := time.Now()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("the run did not end within 10s of the cancel")
				}
				if took := time.Since(start); took > time.Second {
					t.Errorf("run ended %v after the cancel", took)
				}
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
				if !s.WaitIdle(2 * time.Second) {
					t.Errorf("%d calls still in flight at the server", s.InFlight())
				}
				if phase == "synthesis" && res.Succeeded() != 8 {
					t.Errorf("thoughts lost: %s", res.Tally())
				}
			})
		}
	}
}
