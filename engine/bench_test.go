package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// The benchmarks below run in real time against in-process fakes with fixed
// latencies. Each reports a ratio measured within one run (b.ReportMetric),
// so the figures hold on a busy machine too. Reproduce with
//
//	go test -run '^$' -bench . -count 1 ./engine/

// instant answers every call at once with a one-word answer.
type instant struct{}

func (instant) Chat(_ context.Context, _ jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	if err := fn(jessy.Delta{Text: "insight"}); err != nil {
		return jessy.Usage{}, err
	}
	return jessy.Usage{PromptTokens: 1, CompletionTokens: 1}, nil
}

// BenchmarkEngineOverhead is the cost of the engine itself for one run of 8
// thoughts and a synthesis against a backend that answers instantly.
// Target: under 100 microseconds per run.
func BenchmarkEngineOverhead(b *testing.B) {
	e := New(Target{Backend: "instant", Provider: instant{}, Model: "m"}, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Run(context.Background(), question, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/run")
}

// timed runs e once and returns the result.
func timed(b *testing.B, e *Engine) *jessy.Result {
	b.Helper()
	res, err := e.Run(context.Background(), question, nil)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// latencies answers thought i after thought(i) and the synthesis after
// synth, with distinct texts so that sequential runs do not converge.
func latencies(thought func(i int) time.Duration, synth providertest.Reply) *providertest.Fake {
	return providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
		return ok(fmt.Sprintf("insight number %d about item%d", i, i), thought(i))
	}, synth))
}

// BenchmarkQuorumStraggler has seven thoughts at 40ms and one at 200ms (5x),
// and a 40ms synthesis. Waiting for all takes 240ms; a quorum of 6 with a
// grace of half the quorum's time takes about 100ms. Target: at least 2x.
func BenchmarkQuorumStraggler(b *testing.B) {
	const d = 40 * time.Millisecond
	fake := latencies(func(i int) time.Duration {
		if i == 3 {
			return 5 * d
		}
		return d
	}, ok("answer", d))
	all := New(Target{Backend: "fake", Provider: fake, Model: "m"}, Options{})
	quorum := New(Target{Backend: "fake", Provider: fake, Model: "m"}, Options{SpeedOptions: SpeedOptions{Quorum: 6, Grace: Grace{Fraction: 0.5}}})
	var ta, tq time.Duration
	for b.Loop() {
		ta += timed(b, all).Timings.Total
		res := timed(b, quorum)
		if res.Speed.Canceled != 1 {
			b.Fatalf("quorum run canceled %d thoughts, want 1", res.Speed.Canceled)
		}
		tq += res.Timings.Total
	}
	b.ReportMetric(float64(ta)/float64(tq), "x-vs-wait-all")
	b.ReportMetric(jessy.Milliseconds(tq)/float64(b.N), "ms-quorum")
}

// streamedSynthesis takes 30ms to its first token, then streams 40 chunks
// 3ms apart.
func streamedSynthesis() providertest.Reply {
	r := ok("", 30*time.Millisecond)
	for i := range 40 {
		r.Chunks = append(r.Chunks, fmt.Sprintf(" word%d", i))
	}
	r.ChunkDelay = 3 * time.Millisecond
	return r
}

// BenchmarkFirstToken reports when the first answer token arrives, as a
// fraction of the whole run, with 8 thoughts at 50ms and a streamed
// synthesis (30ms to the first token, then 40 chunks 3ms apart).
func BenchmarkFirstToken(b *testing.B) {
	e := New(Target{Backend: "fake", Provider: latencies(func(int) time.Duration { return 50 * time.Millisecond }, streamedSynthesis()), Model: "m"}, Options{})
	var first, total time.Duration
	for b.Loop() {
		res := timed(b, e)
		first += res.Timings.FirstToken
		total += res.Timings.Total
	}
	b.ReportMetric(float64(first)/float64(total), "ttft/total")
	b.ReportMetric(jessy.Milliseconds(first)/float64(b.N), "ms-ttft")
	b.ReportMetric(jessy.Milliseconds(total)/float64(b.N), "ms-total")
}

// spread returns n latencies drawn from a log-normal distribution with the
// given median and sigma, with a fixed seed: real call times are skewed,
// with a long tail.
func spread(n int, median time.Duration, sigma float64, seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
	}
	return out
}

// BenchmarkSpeculativeVsCutoff compares speculative synthesis with the
// plain quorum cut-off (6 of 8, grace 0.5x) on latencies with a realistic
// spread (log-normal, median 40ms, sigma 0.5, a new draw every run) and a
// streamed synthesis. It reports the end-to-end ratio and the first-token
// ratio (above 1: speculative is faster).
func BenchmarkSpeculativeVsCutoff(b *testing.B) {
	var seed uint64
	var lat []time.Duration
	fake := func() *providertest.Fake {
		return latencies(func(i int) time.Duration { return lat[i] }, streamedSynthesis())
	}
	q := SpeedOptions{Quorum: 6, Grace: Grace{Fraction: 0.5}}
	s := SpeedOptions{Quorum: 6, Speculative: true}
	var tq, ts, fq, fs time.Duration
	var restarts int
	for b.Loop() {
		seed++
		lat = spread(8, 40*time.Millisecond, 0.5, seed)
		rq := timed(b, New(Target{Backend: "fake", Provider: fake(), Model: "m"}, Options{SpeedOptions: q}))
		rs := timed(b, New(Target{Backend: "fake", Provider: fake(), Model: "m"}, Options{SpeedOptions: s}))
		tq += rq.Timings.Total
		ts += rs.Timings.Total
		fq += rq.Timings.FirstToken
		fs += rs.Timings.FirstToken
		restarts += rs.Speed.SynthesisRestarts
	}
	b.ReportMetric(float64(tq)/float64(ts), "x-total-spec-vs-cutoff")
	b.ReportMetric(float64(fq)/float64(fs), "x-ttft-spec-vs-cutoff")
	b.ReportMetric(float64(restarts)/float64(b.N), "restarts/run")
}
