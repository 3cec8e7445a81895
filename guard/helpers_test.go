package guard_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

var question = []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}

var faultOptions = engine.Options{
	Retry:            engine.RetryPolicy{Retries: 2, Base: 500 * time.Millisecond, Max: 8 * time.Second},
	ThoughtTimeout:   10 * time.Second,
	SynthesisTimeout: 10 * time.Second,
}

func ok(text string, d time.Duration) providertest.Reply {
	r := providertest.Text(text)
	r.Delay = d
	r.Usage = jessy.Usage{PromptTokens: 10, CompletionTokens: 5}
	return r
}

func refused() error {
	return &jessy.Error{Kind: jessy.KindUnreachable, Backend: "fake at http://127.0.0.1:9",
		Message: "cannot connect to http://127.0.0.1:9: connection refused", Err: syscall.ECONNREFUSED}
}

func thinkers() *providertest.Fake {
	return providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
		return ok(fmt.Sprintf("insight %d", key), 0)
	}))
}

// withSynth is an engine whose thoughts go to th and whose synthesis goes to
// the fakes in order: synthesizer first, then fallbacks.
func withSynth(th *providertest.Fake, opts engine.Options, synth ...*providertest.Fake) *engine.Engine {
	e := &engine.Engine{Thinkers: []engine.Target{{Backend: "T", Provider: th, Model: "t"}}, Options: opts}
	for k, f := range synth {
		tg := engine.Target{Backend: string(rune('A' + k)), Provider: f, Model: fmt.Sprintf("m%d", k)}
		if k == 0 {
			e.Synthesizer = tg
		} else {
			e.Fallbacks = append(e.Fallbacks, tg)
		}
	}
	return e
}

// batcher is a fake that also answers batched prompts, one answer each.
type batcher struct {
	*providertest.Fake
	batches atomic.Int32
}

func (b *batcher) CompleteBatch(_ context.Context, req jessy.BatchRequest) ([]string, jessy.Usage, error) {
	b.batches.Add(1)
	out := make([]string, len(req.Prompts))
	for i := range out {
		out[i] = fmt.Sprintf("batched %d", i)
	}
	return out, jessy.Usage{}, nil
}

// embedder is a fake that also embeds.
type embedder struct {
	*providertest.Fake
}

func (embedder) Embed(_ context.Context, _ string, input []string) ([][]float64, error) {
	return make([][]float64, len(input)), nil
}
