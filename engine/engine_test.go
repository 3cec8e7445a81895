package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/prompt"
	"github.com/jessy-llm/jessy/providertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var question = []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}

func ok(text string, d time.Duration) providertest.Reply {
	r := providertest.Text(text)
	r.Delay = d
	r.Usage = jessy.Usage{PromptTokens: 10, CompletionTokens: 5}
	return r
}

func newEngine(f *providertest.Fake, opts Options) *Engine {
	return New(Target{Backend: "fake", Provider: f, Model: "m"}, opts)
}

func TestParallelWallTimeIsSlowestThoughtPlusSynthesis(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			return ok(fmt.Sprintf("insight %d", i), time.Duration(i+1)*100*time.Millisecond)
		}, ok("the answer", 300*time.Millisecond)))
		res, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Timings.Total, 800*time.Millisecond+300*time.Millisecond; got != want {
			t.Errorf("total = %v, want %v (slowest thought + synthesis)", got, want)
		}
		if got, want := res.Timings.Thinking, 800*time.Millisecond; got != want {
			t.Errorf("thinking = %v, want %v", got, want)
		}
		if got, want := res.Timings.SequentialEquivalent, 3900*time.Millisecond; got != want {
			t.Errorf("sequential equivalent = %v, want %v", got, want)
		}
		if res.Answer() != "the answer" || res.Succeeded() != 8 || len(res.Thoughts) != 8 {
			t.Errorf("answer %q, %d of %d ok", res.Answer(), res.Succeeded(), len(res.Thoughts))
		}
		if f.PeakInFlight() != 8 {
			t.Errorf("peak in flight = %d, want 8", f.PeakInFlight())
		}
		if want := (jessy.Usage{PromptTokens: 90, CompletionTokens: 45}); res.Usage != want {
			t.Errorf("usage = %+v, want %+v", res.Usage, want)
		}
		angles := prompt.DefaultAngles()
		for i, th := range res.Thoughts {
			if th.Index != i || th.Angle != angles[i].Question || th.Phase != angles[i].Phase || th.Text != fmt.Sprintf("insight %d", i) {
				t.Errorf("thought %d = %+v", i, th)
			}
			if th.TTFT != time.Duration(i+1)*100*time.Millisecond || th.Duration != th.TTFT || th.Backend != "fake" || th.Model != "m" {
				t.Errorf("thought %d timings/target: ttft %v duration %v %s/%s", i, th.TTFT, th.Duration, th.Backend, th.Model)
			}
		}
	})
}

func TestConcurrencyLimitHeld(t *testing.T) {
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := providertest.NewFake(providertest.Run(func(int) providertest.Reply { return ok("x", time.Second) }, ok("a", 0)))
				res, err := newEngine(f, Options{Concurrency: limit}).Run(t.Context(), question, nil)
				if err != nil {
					t.Fatal(err)
				}
				if f.PeakInFlight() != limit {
					t.Errorf("peak in flight = %d, want %d", f.PeakInFlight(), limit)
				}
				waves := (8 + limit - 1) / limit
				if want := time.Duration(waves) * time.Second; res.Timings.Thinking != want {
					t.Errorf("thinking = %v, want %v", res.Timings.Thinking, want)
				}
			})
		})
	}
}

func TestFailedThoughtsLeftOutOfSynthesis(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i == 2 || i == 5 {
				return providertest.Reply{Status: 400, Message: fmt.Sprintf("bad thought %d", i)}
			}
			return ok(fmt.Sprintf("insight %d", i), 0)
		}, ok("answer", 0)))
		res, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Succeeded() != 6 {
			t.Errorf("succeeded = %d, want 6", res.Succeeded())
		}
		for _, i := range []int{2, 5} {
			th := res.Thoughts[i]
			if th.Status != jessy.StatusFailed || !strings.Contains(th.Err.Error(), fmt.Sprintf("bad thought %d", i)) {
				t.Errorf("thought %d: status %s err %v", i, th.Status, th.Err)
			}
		}
		reqs := f.Requests()
		synth := reqs[len(reqs)-1].Messages
		body := synth[len(synth)-1].Content
		if !strings.Contains(body, "6 of 8 analysts answered") {
			t.Errorf("synthesis prompt does not say 6 of 8: %q", body)
		}
		for i := range 8 {
			has := strings.Contains(body, fmt.Sprintf("insight %d", i))
			if has == (i == 2 || i == 5) {
				t.Errorf("synthesis prompt has thought %d = %v", i, has)
			}
		}
		if strings.Contains(body, "bad thought") {
			t.Error("an error message reached the synthesis prompt")
		}
	})
}

func TestNoThoughtSucceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			return providertest.Reply{Status: 404, Message: "model \"m\" not found"}
		}, ok("answer", 0)))
		res, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		var qe *QuorumError
		if !errors.As(err, &qe) || qe.Got != 0 || len(qe.Failures) != 8 {
			t.Fatalf("err = %v, want a quorum error with 8 failures", err)
		}
		if jessy.KindOf(err) != jessy.KindModelNotFound {
			t.Errorf("kind = %v, want model_not_found", jessy.KindOf(err))
		}
		if !strings.Contains(err.Error(), "not found") || res.Err != err {
			t.Errorf("err %q does not carry the real cause, or res.Err differs", err)
		}
		if len(f.Requests()) != 8 {
			t.Errorf("%d requests, want 8 (no synthesis call)", len(f.Requests()))
		}
	})
}

func TestMinThoughtsQuorum(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i < 3 {
				return providertest.Reply{Status: 500, Message: "boom"}
			}
			return ok("fine", 0)
		}, ok("answer", 0)))
		_, err := newEngine(f, Options{MinThoughts: 6}).Run(t.Context(), question, nil)
		var qe *QuorumError
		if !errors.As(err, &qe) || qe.Got != 5 || qe.Need != 6 {
			t.Fatalf("err = %v, want quorum error 5 of 6", err)
		}
		_, err = newEngine(f, Options{MinThoughts: 5}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatalf("quorum 5 with 5 ok: %v", err)
		}
	})
}

func TestSynthesisFailureKeepsThoughts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			return ok(fmt.Sprintf("insight %d", i), 0)
		}, providertest.Reply{Status: 400, Message: "context too long"}))
		res, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		if err == nil || !strings.Contains(err.Error(), "context too long") || !strings.HasPrefix(err.Error(), "synthesis: ") {
			t.Fatalf("err = %v, want the synthesis's real error", err)
		}
		if res.Succeeded() != 8 || res.Thoughts[7].Text != "insight 7" {
			t.Errorf("thoughts lost: %d ok", res.Succeeded())
		}
		if res.Synthesis.Status != jessy.StatusFailed {
			t.Errorf("synthesis status %s", res.Synthesis.Status)
		}
	})
}

func TestEmptyAnswerIsAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i == 0 {
				return providertest.Reply{Chunks: []string{" ", "\n"}}
			}
			return ok("x", 0)
		}, ok("a", 0)))
		res, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if th := res.Thoughts[0]; th.Status != jessy.StatusFailed || jessy.KindOf(th.Err) != jessy.KindProtocol {
			t.Errorf("empty thought: status %s err %v", th.Status, th.Err)
		}
	})
}

func TestCancellationStopsEveryCall(t *testing.T) {
	for _, phase := range []string{"thinking", "synthesis"} {
		t.Run(phase, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
					if phase == "thinking" {
						return providertest.Reply{Hang: true}
					}
					return ok("x", 0)
				}, providertest.Reply{Hang: true}))
				ctx, cancel := context.WithCancel(t.Context())
				var res *jessy.Result
				var err error
				done := make(chan struct{})
				go func() {
					defer close(done)
					res, err = newEngine(f, Options{}).Run(ctx, question, nil)
				}()
				time.Sleep(time.Second)
				synctest.Wait()
				if f.InFlight() == 0 {
					t.Fatal("no call in flight before cancel")
				}
				cancel()
				<-done
				if !errors.Is(err, context.Canceled) || !IsCanceled(res.Err) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
				if f.InFlight() != 0 {
					t.Errorf("%d calls still in flight", f.InFlight())
				}
				if res.Timings.Total != time.Second {
					t.Errorf("run took %v after a cancel at 1s", res.Timings.Total)
				}
			})
		})
	}
}

func TestThoughtTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i == 1 {
				return providertest.Reply{Hang: true}
			}
			return ok("x", time.Second)
		}, ok("a", 0)))
		res, err := newEngine(f, Options{ThoughtTimeout: 5 * time.Second}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		th := res.Thoughts[1]
		if th.Status != jessy.StatusFailed || jessy.KindOf(th.Err) != jessy.KindTimeout || !strings.Contains(th.Err.Error(), "timed out after 5s") {
			t.Errorf("thought 1: %s %v", th.Status, th.Err)
		}
		if res.Timings.Thinking != 5*time.Second {
			t.Errorf("thinking = %v, want 5s", res.Timings.Thinking)
		}
	})
}

func TestEventOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i == 4 {
				return providertest.Reply{Status: 400, Message: "no"}
			}
			r := ok("a b c", time.Duration(8-i)*time.Millisecond)
			return r
		}, ok("x y", 0)))
		var events []jessy.Event
		res, err := newEngine(f, Options{}).Run(t.Context(), question, func(ev jessy.Event) { events = append(events, ev) })
		if err != nil {
			t.Fatal(err)
		}
		state := map[int]string{}
		synthStarted := false
		var answer strings.Builder
		for k, ev := range events {
			switch ev.Type {
			case jessy.EventThoughtStarted:
				if state[ev.Index] != "" || synthStarted {
					t.Errorf("event %d: thought %d started twice or after synthesis", k, ev.Index)
				}
				state[ev.Index] = "started"
			case jessy.EventThoughtDelta:
				if state[ev.Index] != "started" {
					t.Errorf("event %d: delta of thought %d in state %q", k, ev.Index, state[ev.Index])
				}
			case jessy.EventThoughtDone, jessy.EventThoughtFailed:
				if state[ev.Index] != "started" || ev.Thought == nil || ev.Thought.Index != ev.Index {
					t.Errorf("event %d: end of thought %d in state %q", k, ev.Index, state[ev.Index])
				}
				state[ev.Index] = string(ev.Type)
			case jessy.EventSynthesisStarted:
				if len(state) != 8 {
					t.Errorf("synthesis started with %d thoughts seen", len(state))
				}
				for i, s := range state {
					if s == "started" {
						t.Errorf("synthesis started before thought %d ended", i)
					}
				}
				synthStarted = true
			case jessy.EventSynthesisDelta:
				if !synthStarted {
					t.Error("synthesis delta before synthesis.started")
				}
				answer.WriteString(ev.Text)
			case jessy.EventRunDone:
				if k != len(events)-1 || ev.Result != res {
					t.Error("run.done is not the last event or lacks the result")
				}
			}
		}
		if state[4] != string(jessy.EventThoughtFailed) || state[0] != string(jessy.EventThoughtDone) {
			t.Errorf("states = %v", state)
		}
		if answer.String() != "x y" {
			t.Errorf("streamed answer %q", answer.String())
		}
	})
}

func TestSequentialSeesEarlierThoughtsAndConverges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i >= 2 {
				return ok("the same words every time", time.Second)
			}
			return ok(fmt.Sprintf("distinct insight number %d", i), time.Second)
		}, ok("a", time.Second)))
		res, err := newEngine(f, Options{Mode: jessy.ModeSequential}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Thoughts 3 and 4 (1-based) are equal; the check starts at the 4th.
		if res.Note != "converged after 4 of 8 thoughts" {
			t.Errorf("note = %q", res.Note)
		}
		if len(res.Thoughts) != 8 || res.Thoughts[4].Status != jessy.StatusSkipped || res.Thoughts[3].Status != jessy.StatusOK {
			t.Errorf("statuses: %v %v", res.Thoughts[3].Status, res.Thoughts[4].Status)
		}
		if res.Timings.Total != 5*time.Second || f.PeakInFlight() != 1 {
			t.Errorf("total %v peak %d, want 5s and 1", res.Timings.Total, f.PeakInFlight())
		}
		reqs := f.Requests()
		third := reqs[2].Messages[len(reqs[2].Messages)-1].Content
		if !strings.Contains(third, "distinct insight number 0") || !strings.Contains(third, "distinct insight number 1") {
			t.Errorf("third thought does not see the earlier ones: %q", third)
		}
	})
}

func TestSequentialDoesNotConvergeBeforeFourth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i < 3 {
				return ok("same", 0)
			}
			return ok(fmt.Sprintf("different %d", i), 0)
		}, ok("a", 0)))
		res, err := newEngine(f, Options{Mode: jessy.ModeSequential}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Note != "" || res.Succeeded() != 8 {
			t.Errorf("note %q, %d ok", res.Note, res.Succeeded())
		}
	})
}

func TestInvalidRequests(t *testing.T) {
	f := providertest.NewFake(providertest.Always(ok("x", 0)))
	tests := []struct {
		name string
		e    *Engine
		conv []jessy.Message
	}{
		{"empty question", newEngine(f, Options{}), []jessy.Message{{Role: jessy.RoleUser, Content: "  "}}},
		{"no thinkers", &Engine{Synthesizer: Target{Provider: f}}, question},
		{"quorum above n", newEngine(f, Options{Thoughts: 2, MinThoughts: 3}), question},
		{"bad mode", newEngine(f, Options{Mode: "sideways"}), question},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.e.Run(t.Context(), tt.conv, nil)
			if jessy.KindOf(err) != jessy.KindInvalid || res == nil {
				t.Errorf("err = %v, want KindInvalid", err)
			}
		})
	}
	if len(f.Requests()) != 0 {
		t.Errorf("invalid runs made %d calls", len(f.Requests()))
	}
}

func TestThoughtCountAndCouncil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := providertest.NewFake(providertest.Always(ok("from a", 0)))
		b := providertest.NewFake(providertest.Always(ok("from b", 0)))
		chair := providertest.NewFake(providertest.Always(ok("chair", 0)))
		e := &Engine{
			Thinkers:    []Target{{Backend: "A", Provider: a, Model: "ma"}, {Backend: "B", Provider: b, Model: "mb"}},
			Synthesizer: Target{Backend: "C", Provider: chair, Model: "mc"},
			Options:     Options{Thoughts: 5},
		}
		res, err := e.Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Requests()) != 3 || len(b.Requests()) != 2 || len(chair.Requests()) != 1 {
			t.Errorf("calls a=%d b=%d chair=%d", len(a.Requests()), len(b.Requests()), len(chair.Requests()))
		}
		for i, th := range res.Thoughts {
			want := map[bool]string{true: "A", false: "B"}[i%2 == 0]
			if th.Backend != want || th.Text != "from "+strings.ToLower(want) {
				t.Errorf("thought %d from %s: %q", i, th.Backend, th.Text)
			}
		}
		if res.Synthesis.Backend != "C" || res.Synthesis.Model != "mc" || res.Answer() != "chair" {
			t.Errorf("synthesis %+v", res.Synthesis)
		}
	})
}
