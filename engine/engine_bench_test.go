package engine

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// With equal call latencies, wait-for-all parallel mode takes two call times
// (the thoughts, then the synthesis) where sequential mode takes nine: 4.5x.
func TestParallelSpeedupOverSequentialEqualLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Distinct texts so sequential mode does not stop early.
		f := providertest.NewFake(func(n int, _ providertest.Request) providertest.Reply {
			return ok(string(rune('a'+n))+" insight", time.Second)
		})
		par, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		seq, err := newEngine(f, Options{Mode: jessy.ModeSequential}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if par.Timings.Total != 2*time.Second || seq.Timings.Total != 9*time.Second {
			t.Fatalf("parallel %v, sequential %v; want 2s and 9s", par.Timings.Total, seq.Timings.Total)
		}
		if got := float64(seq.Timings.Total) / float64(par.Timings.Total); got < 4 {
			t.Errorf("speedup %.2fx, want at least 4x", got)
		}
	})
}

func benchRun(b *testing.B, e *Engine) *jessy.Result {
	b.Helper()
	res, err := e.Run(b.Context(), question, nil)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkParallelVsSequential runs both modes over a backend with a fixed
// latency per call and reports the end-to-end speedup of parallel mode
// (limit 4.5x for 8+1 equal calls).
func BenchmarkParallelVsSequential(b *testing.B) {
	const latency = 20 * time.Millisecond
	f := providertest.NewFake(func(n int, _ providertest.Request) providertest.Reply {
		r := providertest.Text(string(rune('a'+n%26)) + " insight")
		r.Delay = latency
		return r
	})
	par, seq := newEngine(f, Options{}), newEngine(f, Options{Mode: jessy.ModeSequential})
	var tp, ts time.Duration
	for b.Loop() {
		tp += benchRun(b, par).Timings.Total
		ts += benchRun(b, seq).Timings.Total
	}
	b.ReportMetric(float64(ts)/float64(tp), "speedup")
	b.ReportMetric(float64(tp.Milliseconds())/float64(b.N), "parallel-ms/run")
	b.ReportMetric(float64(ts.Milliseconds())/float64(b.N), "sequential-ms/run")
}
