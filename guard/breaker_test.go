package guard_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/providertest"
)

func TestBreakerStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := guard.NewBreaker(3, 30*time.Second)
		b.Record(refused())
		b.Record(refused())
		b.Record(&jessy.Error{Kind: jessy.KindBadRequest, Status: 400}) // the backend is up: not counted
		b.Record(&jessy.Error{Kind: jessy.KindProtocol})
		b.Record(&jessy.Error{Kind: jessy.KindServer, Status: 501}) // not retryable: not counted
		if err := b.Allow("x"); err != nil {
			t.Fatalf("open after 2 counted failures: %v", err)
		}
		b.Record(refused())
		err := b.Allow("ollama")
		if !errors.Is(err, jessy.ErrCoolingDown) || jessy.KindOf(err) != jessy.KindUnreachable || engine.Retryable(err) || jessy.RetryAfterOf(err) != 30*time.Second {
			t.Fatalf("err = %v, want an unreachable, unretryable cooling down", err)
		}
		for _, want := range []string{"ollama: ", "30s more", "until 00:00:30", "3 failures", "connection refused"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q lacks %q", err, want)
			}
		}
		time.Sleep(29 * time.Second)
		if !b.Open() {
			t.Error("closed before the cooldown ended")
		}
		time.Sleep(time.Second)
		if b.Open() || b.Allow("x") != nil {
			t.Fatal("still open after the cooldown")
		}
		b.Record(&jessy.Error{Kind: jessy.KindOverloaded, Status: 503})
		if err := b.Allow("x"); jessy.KindOf(err) != jessy.KindOverloaded {
			t.Fatalf("one failure after the cooldown: %v, want open again, overloaded", err)
		}
		time.Sleep(30 * time.Second)
		b.Record(&jessy.Error{Kind: jessy.KindUnreachable, Hint: "start Ollama"})
		if h := jessy.HintOf(b.Allow("x")); h != "start Ollama" {
			t.Errorf("hint %q, want the failure's own", h)
		}
		time.Sleep(30 * time.Second)
		b.Record(nil)
		b.Record(refused())
		b.Record(refused())
		if b.Open() {
			t.Error("a success did not reset the count")
		}
	})
}

func TestBreakerBenchesBackendAcrossRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var healed atomic.Bool
		f := providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
			if !healed.Load() {
				return providertest.Reply{Err: refused()}
			}
			return ok(fmt.Sprintf("insight %d", key), 0)
		}))
		p := guard.Wrap(f, "fake", guard.Options{Threshold: 3, Cooldown: 30 * time.Second})
		br := guard.Of(p).Breaker()
		e := engine.New(engine.Target{Backend: "fake", Provider: p, Model: "m"}, engine.Options{Thoughts: 2, Retry: engine.DefaultRetryPolicy()})

		res, err := e.Run(t.Context(), question, nil)
		if jessy.KindOf(err) != jessy.KindUnreachable || len(f.Requests()) != 3 {
			t.Fatalf("run 1: err %v after %d requests, want 3 then the breaker", err, len(f.Requests()))
		}
		// Both thoughts' last retries met the open breaker; each reports
		// the real failure before it, and its last attempt says why it
		// stopped.
		if strings.Contains(err.Error(), "cooling down") || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("run 1 error %q is not the real failure", err)
		}
		benched := 0
		for _, th := range res.Thoughts {
			if last := th.Attempts[len(th.Attempts)-1]; errors.Is(last.Err, jessy.ErrCoolingDown) {
				benched++
				if !strings.Contains(last.Err.Error(), "cooling down") || jessy.HintOf(last.Err) == "" {
					t.Errorf("benched attempt: %v (hint %q)", last.Err, jessy.HintOf(last.Err))
				}
			}
		}
		if benched != 2 {
			t.Errorf("%d thoughts met the open breaker, want both", benched)
		}
		elapsed := res.Timings.Total

		time.Sleep(10 * time.Second)
		res, err = e.Run(t.Context(), question, nil)
		if !errors.Is(err, jessy.ErrCoolingDown) || len(f.Requests()) != 3 || res.Timings.Total != 0 {
			t.Fatalf("run 2: err %v, %d requests, took %v; want a fast fail with no call", err, len(f.Requests()), res.Timings.Total)
		}
		if r := res.Thoughts[0].Attempts[0].Reason; r != "not retried: the backend is cooling down" {
			t.Errorf("reason %q", r)
		}

		healed.Store(true)
		time.Sleep(30*time.Second - elapsed)
		if _, err := e.Run(t.Context(), question, nil); err != nil || br.Open() {
			t.Fatalf("run 3 after the cooldown: %v (open %v)", err, br.Open())
		}
	})
}

func TestBreakerSendsSynthesisToFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := providertest.NewFake(providertest.Always(ok("from A", 0)))
		b := providertest.NewFake(providertest.Always(ok("from B", 0)))
		e := withSynth(thinkers(), faultOptions, a, b)
		e.Synthesizer.Provider = guard.Wrap(a, "A", guard.Options{Threshold: 1, Cooldown: time.Minute})
		guard.Of(e.Synthesizer.Provider).Breaker().Record(&jessy.Error{Kind: jessy.KindTimeout})
		res, err := e.Run(t.Context(), question, nil)
		if err != nil || res.Answer() != "from B" || len(a.Requests()) != 0 {
			t.Fatalf("err %v answer %q, %d calls to the benched A", err, res.Answer(), len(a.Requests()))
		}
	})
}

func TestBreakerCountsTimeoutsNotCancels(t *testing.T) {
	// Only the call's own timeout is the backend's fault; the caller's
	// cancel and the run's deadline are not.
	for _, end := range []string{"thought timeout", "cancel", "run timeout"} {
		t.Run(end, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := providertest.NewFake(providertest.Always(providertest.Reply{Hang: true}))
				p := guard.Wrap(f, "fake", guard.Options{Threshold: 1, Cooldown: time.Minute})
				br := guard.Of(p).Breaker()
				opts := engine.Options{Thoughts: 1, ThoughtTimeout: 5 * time.Second}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				switch end {
				case "cancel":
					time.AfterFunc(time.Second, cancel)
				case "run timeout":
					opts.Timeout = time.Second
				}
				e := engine.New(engine.Target{Backend: "fake", Provider: p, Model: "m"}, opts)
				_, _ = e.Run(ctx, question, nil)
				if want := end == "thought timeout"; br.Open() != want {
					t.Errorf("open = %v after a %s, want %v", br.Open(), end, want)
				}
			})
		})
	}
}

func TestBreakerGuardsBatchedThoughts(t *testing.T) {
	b := &batcher{Fake: providertest.NewFake(providertest.Always(ok("answer", 0)))}
	p := guard.Wrap(b, "vllm", guard.Options{Threshold: 1, Cooldown: time.Minute})
	guard.Of(p).Breaker().Record(refused())
	e := engine.New(engine.Target{Backend: "vllm", Provider: p, Model: "m"}, engine.Options{Batch: true})
	res, err := e.Run(t.Context(), question, nil)
	if !errors.Is(err, jessy.ErrCoolingDown) || b.batches.Load() != 0 || res.Succeeded() != 0 {
		t.Errorf("err %v after %d batches, want a fast cooling-down failure", err, b.batches.Load())
	}
}
