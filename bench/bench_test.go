package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
	"github.com/jessy-llm/jessy/tune"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// loaded answers after latency(k) for k calls in flight, once the calls
// that start with it have arrived; the eighth thought straggles at 5x.
type loaded struct {
	inFlight atomic.Int64
	latency  func(k int) time.Duration
	// even, when set, gives the eighth thought no extra delay.
	even bool
}

func (l *loaded) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	time.Sleep(time.Nanosecond)
	d := l.latency(int(l.inFlight.Load()))
	last := req.Messages[len(req.Messages)-1].Content
	if !l.even && strings.Contains(last, "(crystallization, 8 of 8)") {
		d *= 5
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return jessy.Usage{}, ctx.Err()
	}
	if err := fn(jessy.Delta{Text: fmt.Sprintf("text %d", len(last))}); err != nil {
		return jessy.Usage{}, err
	}
	return jessy.Usage{PromptTokens: 10, CompletionTokens: 5}, nil
}

func builder(p jessy.Provider) func(engine.Options) *engine.Engine {
	return func(o engine.Options) *engine.Engine {
		return engine.New(engine.Target{Backend: "fake", Provider: p, Model: "m"}, o)
	}
}

func TestRunModes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := tune.Open("")
		p := &loaded{latency: func(int) time.Duration { return 100 * time.Millisecond }}
		base := engine.Options{SpeedOptions: engine.SpeedOptions{Quorum: 6, Tuner: a}}
		var warm, measured int
		rep, err := Run(t.Context(), Config{
			Question: "Why is the sky blue?", Base: base, New: builder(p), Warmup: 2, Reps: 3,
			Progress: func(_ Mode, _ int, w bool, _ *jessy.Result) {
				if w {
					warm++
				} else {
					measured++
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if warm != 10 || measured != 15 {
			t.Errorf("%d warm-up and %d measured runs, want 10 and 15", warm, measured)
		}
		got := map[Mode]Row{}
		for _, r := range rep.Rows {
			got[r.Mode] = r
		}
		// Thoughts take 100ms (the last 500ms), the synthesis 100ms.
		want := map[Mode]float64{Sequential: 1300, Parallel: 600, Quorum: 200, Speculative: 200, Auto: 600}
		for m, total := range want {
			r := got[m]
			if r.Runs != 3 || r.TotalMS.Median != total || r.TotalMS.Min != total || r.TotalMS.Max != total {
				t.Errorf("%s: %d runs, total %+v, want %v", m, r.Runs, r.TotalMS, total)
			}
		}
		if r := got[Parallel]; math.Abs(r.Speedup.Median-1300.0/600) > 1e-6 || r.Calls.Median != 9 || r.Tokens.Median != 135 || r.FirstTokenMS.Median != 600 {
			t.Errorf("parallel row %+v", r)
		}
		if r := got[Quorum]; r.Calls.Median != 9 || r.Tokens.Median != 120 {
			t.Errorf("quorum row: calls %v tokens %v, want 9 calls (one canceled) and 120 tokens", r.Calls, r.Tokens)
		}
		var table bytes.Buffer
		if err := rep.WriteTable(&table); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"sequential", "speculative", "1.30s", "600ms", "2.17x", "first token"} {
			if !strings.Contains(table.String(), s) {
				t.Errorf("table lacks %q:\n%s", s, table.String())
			}
		}
		var js bytes.Buffer
		if err := rep.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		var back Report
		if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Rows) != 5 || back.Rows[1].TotalMS.Median != 600 {
			t.Errorf("JSON round trip: %v %+v", err, back.Rows)
		}
	})
}

func TestRunCountsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Always(providertest.Reply{Status: 404, Message: "no such model"}))
		rep, err := Run(t.Context(), Config{Question: "q?", New: builder(f), Reps: 2, Modes: []Mode{Parallel}})
		if err != nil {
			t.Fatal(err)
		}
		if r := rep.Rows[0]; r.Runs != 0 || r.Errors != 2 || !strings.Contains(r.LastError, "no such model") {
			t.Errorf("row %+v", r)
		}
		var table bytes.Buffer
		_ = rep.WriteTable(&table)
		if !strings.Contains(table.String(), "2 failed") {
			t.Errorf("table hides failures:\n%s", table.String())
		}
	})
}

func TestModeOptions(t *testing.T) {
	if _, err := Quorum.Options(engine.Options{}); err == nil {
		t.Error("quorum mode without a quorum")
	}
	if _, err := Auto.Options(engine.Options{}); err == nil {
		t.Error("auto mode without a controller")
	}
	o, err := Sequential.Options(engine.Options{SpeedOptions: engine.SpeedOptions{Quorum: 3}})
	if err != nil || o.Mode != jessy.ModeSequential || o.Quorum != 0 {
		t.Errorf("sequential options %+v, %v", o, err)
	}
	if got := DefaultModes(engine.Options{}); fmt.Sprint(got) != "[sequential parallel]" {
		t.Errorf("default modes %v", got)
	}
}

func TestCalibrate(t *testing.T) {
	tests := []struct {
		name    string
		latency func(k int) time.Duration
		best    int
	}{
		{"linear", func(k int) time.Duration { return time.Duration(k) * 100 * time.Millisecond }, 1},
		{"flat", func(int) time.Duration { return 100 * time.Millisecond }, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, _ := tune.Open("")
				p := &loaded{latency: tt.latency}
				cal, err := Calibrate(t.Context(), Config{Question: "q?", New: builder(p), Reps: 2}, nil, a)
				if err != nil {
					t.Fatal(err)
				}
				if cal.Best != tt.best || len(cal.Levels) != 4 || cal.Levels[0].Runs != 2 {
					t.Errorf("calibration %+v, want best %d", cal, tt.best)
				}
				if best, _ := a.Best(engine.TuneKey("fake", "m"), 8); best != tt.best {
					t.Errorf("controller best %d", best)
				}
				var b bytes.Buffer
				_ = cal.WriteTable(&b)
				if !strings.Contains(b.String(), "<- best") {
					t.Errorf("table:\n%s", b.String())
				}
			})
		})
	}
}

// TestAutoWithinTenPercent checks the goal on fake backends of
// several capacities: a backend of capacity c serves up to c calls at once
// at full speed and shares itself beyond. After its warm-up (exploration),
// auto must be within 10% of the better of sequential and full parallel.
func TestAutoWithinTenPercent(t *testing.T) {
	for _, capacity := range []int{1, 2, 3, 4, 8, 16} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, _ := tune.Open("")
				p := &loaded{even: true, latency: func(k int) time.Duration {
					return time.Duration(max(k, capacity)) * 100 * time.Millisecond / time.Duration(capacity)
				}}
				rep, err := Run(t.Context(), Config{
					Question: "q?", New: builder(p), Warmup: 5, Reps: 3, Modes: []Mode{Sequential, Parallel, Auto},
					Base: engine.Options{SpeedOptions: engine.SpeedOptions{Tuner: a}},
				})
				if err != nil {
					t.Fatal(err)
				}
				seq, par, auto := rep.Rows[0].TotalMS.Median, rep.Rows[1].TotalMS.Median, rep.Rows[2].TotalMS.Median
				if better := min(seq, par); auto > 1.1*better {
					t.Errorf("auto %vms at concurrency %v; sequential %vms, parallel %vms", auto, rep.Rows[2].Concurrency, seq, par)
				}
				t.Logf("capacity %d: sequential %v, parallel %v, auto %v at concurrency %v", capacity, seq, par, auto, rep.Rows[2].Concurrency.Median)
			})
		})
	}
}
