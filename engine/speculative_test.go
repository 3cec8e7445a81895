package engine

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

func TestSpeculativeSynthesis(t *testing.T) {
	tests := []struct {
		name string
		// sixAt is when thought 6 lands; thought 7 never does. The quorum of
		// 6 is in at 1s and the synthesis's first token comes 300ms after it
		// starts.
		sixAt     time.Duration
		restarts  int
		sixStatus jessy.Status
		thinking  time.Duration // when the final synthesis began
		total     time.Duration
	}{
		{"straggler before the first token restarts", 1100 * time.Millisecond, 1, jessy.StatusOK, 1100 * time.Millisecond, 1400 * time.Millisecond},
		{"straggler after the first token is cut off", 1500 * time.Millisecond, 0, jessy.StatusCanceled, time.Second, 1300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				synth := ok("the answer", 300*time.Millisecond)
				f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
					switch i {
					case 6:
						return ok("late insight", tt.sixAt)
					case 7:
						return providertest.Reply{Hang: true}
					}
					return ok(fmt.Sprintf("insight %d", i), time.Second)
				}, synth))
				var events []jessy.EventType
				res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Quorum: 6, Speculative: true}}).Run(t.Context(), question,
					func(ev jessy.Event) {
						if ev.Index == -1 || ev.Type == jessy.EventThoughtCanceled {
							events = append(events, ev.Type)
						}
					})
				if err != nil {
					t.Fatal(err)
				}
				if res.Answer() != "the answer" || res.Speed.SynthesisRestarts != tt.restarts {
					t.Errorf("answer %q after %d restarts, want %d", res.Answer(), res.Speed.SynthesisRestarts, tt.restarts)
				}
				if res.Timings.Total != tt.total || res.Timings.Thinking != tt.thinking || res.Timings.FirstToken != tt.total {
					t.Errorf("total %v thinking %v first token %v; want %v, %v, %v",
						res.Timings.Total, res.Timings.Thinking, res.Timings.FirstToken, tt.total, tt.thinking, tt.total)
				}
				if res.Thoughts[6].Status != tt.sixStatus {
					t.Errorf("thought 6 %s, want %s", res.Thoughts[6].Status, tt.sixStatus)
				}
				if th := res.Thoughts[7]; th.Status != jessy.StatusCanceled || th.Duration != tt.total {
					t.Errorf("straggler %s after %v, want canceled after %v", th.Status, th.Duration, tt.total)
				}
				want := 6
				if tt.sixStatus == jessy.StatusOK {
					want = 7
				}
				if body := lastSynthesisPrompt(t, f); !strings.Contains(body, fmt.Sprintf("%d of 8 analysts", want)) {
					t.Errorf("final synthesis prompt lacks %d of 8: %q", want, body)
				}
				if got := len(f.Requests()); got != 8+1+tt.restarts {
					t.Errorf("%d requests, want %d", got, 9+tt.restarts)
				}
				started := strings.Count(fmt.Sprint(events), string(jessy.EventSynthesisStarted))
				if started != 1+tt.restarts || events[len(events)-1] != jessy.EventRunDone {
					t.Errorf("events %v", events)
				}
				if f.InFlight() != 0 {
					t.Errorf("%d calls left in flight", f.InFlight())
				}
			})
		})
	}
}

func TestSpeculativeWithoutQuorumSynthesizesWhatLanded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i < 4 {
				return providertest.Reply{Status: 400, Message: "no"}
			}
			return ok("x", time.Second)
		}, ok("a", 100*time.Millisecond)))
		res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Quorum: 6, Speculative: true}}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Succeeded() != 4 || res.Timings.Total != 1100*time.Millisecond || res.Answer() != "a" {
			t.Errorf("%d ok, total %v, answer %q", res.Succeeded(), res.Timings.Total, res.Answer())
		}
	})
}

func TestSpeculativeCancelStopsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
			if i == 7 {
				return providertest.Reply{Hang: true}
			}
			return ok("x", time.Second)
		}, providertest.Reply{Hang: true}))
		ctx, cancel := contextWithTimeout(t, 2*time.Second)
		defer cancel()
		res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Quorum: 6, Speculative: true}}).Run(ctx, question, nil)
		if !IsCanceled(err) && jessy.KindOf(err) != jessy.KindTimeout {
			t.Fatalf("err = %v", err)
		}
		if res.Timings.Total != 2*time.Second || f.InFlight() != 0 {
			t.Errorf("total %v, %d in flight", res.Timings.Total, f.InFlight())
		}
	})
}

// TestSpeculativeRace lands a straggler at the very instant the first
// synthesis attempt sends its first token. Either may win, but the answer
// must come from exactly the thoughts the result reports as succeeded.
func TestSpeculativeRace(t *testing.T) {
	outcomes := map[int]int{}
	for range 200 {
		synctest.Test(t, func(t *testing.T) {
			f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
				switch i {
				case 6:
					return ok("late insight", 1300*time.Millisecond)
				case 7:
					return providertest.Reply{Hang: true}
				}
				return ok(fmt.Sprintf("insight %d", i), time.Second)
			}, ok("the answer", 300*time.Millisecond)))
			res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Quorum: 6, Speculative: true}}).Run(t.Context(), question, nil)
			if err != nil {
				t.Fatal(err)
			}
			body := lastSynthesisPrompt(t, f)
			if !strings.Contains(body, fmt.Sprintf("%d of 8 analysts", res.Succeeded())) {
				t.Fatalf("%d thoughts succeeded, synthesis prompt: %q", res.Succeeded(), body)
			}
			if strings.Contains(body, "late insight") != (res.Thoughts[6].Status == jessy.StatusOK) {
				t.Fatalf("thought 6 is %s, synthesis prompt: %q", res.Thoughts[6].Status, body)
			}
			outcomes[res.Succeeded()]++
		})
	}
	t.Logf("outcomes (thoughts used: runs): %v", outcomes)
}
