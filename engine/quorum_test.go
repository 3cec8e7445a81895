package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// lastSynthesisPrompt is the user content of the last synthesis request f got.
func lastSynthesisPrompt(t *testing.T, f *providertest.Fake) string {
	t.Helper()
	reqs := f.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if len(reqs[i].Messages) > 0 && providertest.IsSynthesis(providertest.Request{Messages: reqs[i].Messages}) {
			return reqs[i].Messages[len(reqs[i].Messages)-1].Content
		}
	}
	t.Fatal("no synthesis request")
	return ""
}

func TestQuorumGraceCutsOffStragglers(t *testing.T) {
	tests := []struct {
		name  string
		grace Grace
		// want: whether thought 6 (landing at 1.2s) makes it, and the end of
		// the thinking phase.
		sixOK    bool
		thinking time.Duration
	}{
		{"fixed grace", Grace{After: 500 * time.Millisecond}, true, 1500 * time.Millisecond},
		{"fraction of the quorum's time", Grace{Fraction: 0.5}, true, 1500 * time.Millisecond},
		{"short grace", Grace{After: 100 * time.Millisecond}, false, 1100 * time.Millisecond},
		{"no grace", Grace{}, false, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
					switch i {
					case 6:
						return ok("late insight", 1200*time.Millisecond)
					case 7:
						return ok("very late insight", 5*time.Second)
					}
					return ok(fmt.Sprintf("insight %d", i), time.Second)
				}, ok("the answer", 300*time.Millisecond)))
				var canceledEvents []int
				sink := func(ev jessy.Event) {
					if ev.Type == jessy.EventThoughtCanceled {
						canceledEvents = append(canceledEvents, ev.Index)
					}
				}
				res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Quorum: 6, Grace: tt.grace}}).Run(t.Context(), question, sink)
				if err != nil {
					t.Fatal(err)
				}
				if res.Timings.Thinking != tt.thinking || res.Timings.Total != tt.thinking+300*time.Millisecond {
					t.Errorf("thinking %v total %v, want %v and +300ms", res.Timings.Thinking, res.Timings.Total, tt.thinking)
				}
				straggler := res.Thoughts[7]
				if straggler.Status != jessy.StatusCanceled || straggler.Duration != tt.thinking || !errors.Is(straggler.Err, ErrCutOff) {
					t.Errorf("straggler: %s after %v (%v), want canceled after %v", straggler.Status, straggler.Duration, straggler.Err, tt.thinking)
				}
				six := res.Thoughts[6]
				wantSix, wantOK := jessy.StatusCanceled, 6
				if tt.sixOK {
					wantSix, wantOK = jessy.StatusOK, 7
				}
				if six.Status != wantSix || res.Succeeded() != wantOK {
					t.Errorf("thought 6 %s, %d ok; want %s, %d", six.Status, res.Succeeded(), wantSix, wantOK)
				}
				if body := lastSynthesisPrompt(t, f); !strings.Contains(body, fmt.Sprintf("%d of 8 analysts", wantOK)) || strings.Contains(body, "very late") {
					t.Errorf("synthesis prompt: %q", body)
				}
				if sp := res.Speed; sp.Canceled != 8-wantOK || sp.CallsSaved != 8-wantOK || !strings.Contains(sp.CutOff, "quorum of 6") {
					t.Errorf("speed = %+v", sp)
				}
				if len(canceledEvents) != 8-wantOK {
					t.Errorf("thought.canceled events for %v", canceledEvents)
				}
				if f.InFlight() != 0 {
					t.Errorf("%d calls left in flight", f.InFlight())
				}
			})
		})
	}
}

func TestQuorumSkipsThoughtsNotStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Two slots: the first call lands at 1s and frees its slot for a
		// third, the second lands at 1.5s and completes the quorum of 2.
		f := providertest.NewFake(func(n int, req providertest.Request) providertest.Reply {
			switch {
			case providertest.IsSynthesis(req):
				return ok("a", 0)
			case n == 1:
				return ok("x", 1500*time.Millisecond)
			}
			return ok("x", time.Second)
		})
		res, err := newEngine(f, Options{Concurrency: 2, SpeedOptions: SpeedOptions{Quorum: 2}}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Timings.Total != 1500*time.Millisecond || len(f.Requests()) != 4 {
			t.Errorf("total %v with %d calls, want 1.5s and 4", res.Timings.Total, len(f.Requests()))
		}
		var skipped, canceled int
		for _, th := range res.Thoughts {
			switch {
			case th.Status == jessy.StatusSkipped && th.Err == nil && th.Duration == 0:
				skipped++
			case th.Status == jessy.StatusCanceled && th.Duration == 500*time.Millisecond:
				canceled++
			}
		}
		if skipped != 5 || canceled != 1 || res.Succeeded() != 2 {
			t.Errorf("%d skipped, %d canceled after 0.5s, %d ok; want 5, 1, 2", skipped, canceled, res.Succeeded())
		}
		if sp := res.Speed; sp.Skipped != 5 || sp.Canceled != 1 || sp.CallsSaved != 6 || sp.TokensSaved != 6*15 {
			t.Errorf("speed = %+v, want 6 calls and 90 tokens saved", sp)
		}
	})
}

func TestQuorumFailuresDoNotCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i < 3 {
				return providertest.Reply{Status: 400, Message: "no", Delay: 100 * time.Millisecond}
			}
			return ok("x", time.Duration(i)*time.Second)
		}, ok("a", 0)))
		res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Quorum: 3}}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Successes land at 3, 4, 5 s: the quorum is in at 5 s.
		if res.Timings.Thinking != 5*time.Second || res.Succeeded() != 3 || res.Thoughts[0].Status != jessy.StatusFailed {
			t.Errorf("thinking %v, %d ok", res.Timings.Thinking, res.Succeeded())
		}
	})
}

func TestParseGrace(t *testing.T) {
	tests := []struct {
		in   string
		want Grace
		err  bool
	}{
		{"2s", Grace{After: 2 * time.Second}, false},
		{"150ms", Grace{After: 150 * time.Millisecond}, false},
		{"0.5x", Grace{Fraction: 0.5}, false},
		{"50%", Grace{Fraction: 0.5}, false},
		{"0", Grace{}, false},
		{"-1s", Grace{}, true},
		{"soon", Grace{}, true},
		{"x", Grace{}, true},
	}
	for _, tt := range tests {
		got, err := ParseGrace(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseGrace(%q) = %+v, %v", tt.in, got, err)
		}
		if err != nil && jessy.KindOf(err) != jessy.KindInvalid {
			t.Errorf("ParseGrace(%q) error kind %v", tt.in, jessy.KindOf(err))
		}
	}
	if g := (Grace{After: time.Second, Fraction: 2}); g.For(time.Second) != 2*time.Second {
		t.Errorf("the larger wait should apply: %v", g.For(time.Second))
	}
}

func TestInvalidSpeedOptions(t *testing.T) {
	f := providertest.NewFake(providertest.Always(ok("x", 0)))
	zero := 0.0
	for name, o := range map[string]Options{
		"quorum above n":         {SpeedOptions: SpeedOptions{Quorum: 9}},
		"speculative, no quorum": {SpeedOptions: SpeedOptions{Speculative: true}},
		"quorum, sequential":     {Mode: jessy.ModeSequential, SpeedOptions: SpeedOptions{Quorum: 4}},
		"unknown strategy":       {SpeedOptions: SpeedOptions{Strategy: "votes"}},
		"samples at zero temp":   {Temperature: &zero, SpeedOptions: SpeedOptions{Strategy: StrategySamples}},
		"threshold above 1":      {SpeedOptions: SpeedOptions{Strategy: StrategySamples, Agreement: Agreement{Threshold: 1.5}}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := newEngine(f, o).Run(t.Context(), question, nil); jessy.KindOf(err) != jessy.KindInvalid {
				t.Errorf("err = %v, want KindInvalid", err)
			}
		})
	}
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

// The grace runs out also when the straggler got its slot late: at
// concurrency 1 the last thought starts after the quorum is in, and is cut
// off when the grace ends rather than waited for.
func TestQuorumGraceAtLowConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i == 7 {
				return ok("very late insight", 5*time.Second)
			}
			return ok(fmt.Sprintf("insight %d", i), 10*time.Millisecond)
		}, ok("the answer", 10*time.Millisecond)))
		e := New(Target{Backend: "fake", Provider: f, Model: "m"}, Options{Concurrency: 1,
			SpeedOptions: SpeedOptions{Quorum: 6, Grace: Grace{After: 200 * time.Millisecond}}})
		res, err := e.Run(t.Context(), []jessy.Message{{Role: jessy.RoleUser, Content: "q"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Thoughts[7].Status != jessy.StatusCanceled || res.Timings.Total > time.Second {
			t.Errorf("straggler %s, run took %v; want it to start last and be cut off after the grace", res.Thoughts[7].Status, res.Timings.Total)
		}
	})
}
