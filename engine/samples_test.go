package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy/providertest"
)

// embedFake is a Fake that also embeds, with vectors from vec.
type embedFake struct {
	*providertest.Fake
	vec   func(text string) []float64
	fail  bool
	calls atomic.Int64
}

func (f *embedFake) Embed(ctx context.Context, model string, input []string) ([][]float64, error) {
	f.calls.Add(1)
	if f.fail {
		return nil, errors.New("embeddings are off")
	}
	var out [][]float64
	for _, in := range input {
		out = append(out, f.vec(in))
	}
	return out, nil
}

// samples answers the n-th thought request after (n+1) x 100ms with text(n).
func samples(text func(n int) string) providertest.Script {
	return func(n int, req providertest.Request) providertest.Reply {
		if providertest.IsSynthesis(req) {
			return ok("the answer", 0)
		}
		return ok(text(n), time.Duration(n+1)*100*time.Millisecond)
	}
}

func TestSamplesStopEarlyOnLexicalAgreement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Samples 0 and 1 differ from everything; from the third on they
		// agree, so the fifth agreeing one lands at 700ms.
		f := providertest.NewFake(samples(func(n int) string {
			switch n {
			case 0:
				return "alpha beta gamma"
			case 1:
				return "delta epsilon zeta"
			}
			return fmt.Sprintf("the sky is blue because air scatters blue light %d", n)
		}))
		res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Strategy: StrategySamples}}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Timings.Thinking != 700*time.Millisecond {
			t.Errorf("thinking %v, want 700ms (5 agreeing samples)", res.Timings.Thinking)
		}
		sp := res.Speed
		if sp.Agreement != "jaccard" || sp.Canceled != 1 || sp.CallsSaved != 1 || sp.TokensSaved != 15 || !strings.Contains(sp.CutOff, "5 of 7 finished samples agree") {
			t.Errorf("speed = %+v", sp)
		}
		reqs := f.Requests()
		first := reqs[0].Messages[len(reqs[0].Messages)-1].Content
		for _, r := range reqs[:8] {
			if r.Temperature == nil || *r.Temperature != DefaultSampleTemperature || r.Messages[len(r.Messages)-1].Content != first {
				t.Fatalf("samples must share one prompt at temperature %v: %+v", DefaultSampleTemperature, r)
			}
		}
		if strings.Contains(first, "Your angle") {
			t.Errorf("sample prompt has an angle: %q", first)
		}
	})
}

func TestSamplesWithoutAgreementRunAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(samples(func(n int) string { return fmt.Sprintf("word%d other%d", n, n) }))
		res, err := newEngine(f, Options{SpeedOptions: SpeedOptions{Strategy: StrategySamples}}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Succeeded() != 8 || res.Speed.CutOff != "" || res.Timings.Thinking != 800*time.Millisecond {
			t.Errorf("%d ok, cut off %q", res.Succeeded(), res.Speed.CutOff)
		}
	})
}

func TestAnglesNeverStopOnAgreement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(samples(func(int) string { return "the very same words" }))
		res, err := newEngine(f, Options{}).Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Succeeded() != 8 || res.Speed.CutOff != "" {
			t.Errorf("angles stopped early: %d ok, %q", res.Succeeded(), res.Speed.CutOff)
		}
	})
}

func TestSamplesStopEarlyOnEmbeddingAgreement(t *testing.T) {
	// Words never repeat, so only the embeddings can see the agreement:
	// samples from the third on point the same way.
	text := func(n int) string { return fmt.Sprintf("unique%d words%d", n, n) }
	vec := func(s string) []float64 {
		var n int
		fmt.Sscanf(s, "unique%d", &n)
		if n < 2 {
			return []float64{0, 1, float64(n)}
		}
		return []float64{1, 0.01 * float64(n), 0}
	}
	t.Run("cosine", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &embedFake{Fake: providertest.NewFake(samples(text)), vec: vec}
			e := New(Target{Backend: "fake", Provider: f, Model: "m"}, Options{SpeedOptions: SpeedOptions{
				Strategy: StrategySamples, Agreement: Agreement{Count: 4},
			}})
			res, err := e.Run(t.Context(), question, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Timings.Thinking != 600*time.Millisecond || res.Speed.Agreement != "cosine" || res.Speed.CallsSaved != 2 {
				t.Errorf("thinking %v, speed %+v; want 600ms, cosine, 2 saved", res.Timings.Thinking, res.Speed)
			}
			if f.calls.Load() != 6 {
				t.Errorf("%d embed calls, want one per admitted sample (6)", f.calls.Load())
			}
		})
	})
	t.Run("falls back to words when embedding fails", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &embedFake{Fake: providertest.NewFake(samples(text)), vec: vec, fail: true}
			e := New(Target{Backend: "fake", Provider: f, Model: "m"}, Options{SpeedOptions: SpeedOptions{
				Strategy: StrategySamples, Agreement: Agreement{Count: 4},
			}})
			res, err := e.Run(t.Context(), question, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Succeeded() != 8 || !strings.HasPrefix(res.Speed.Agreement, "jaccard (embedding failed") {
				t.Errorf("%d ok, agreement %q", res.Succeeded(), res.Speed.Agreement)
			}
		})
	})
}
