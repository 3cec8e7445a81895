package engine

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// batcher is a provider that also takes batched prompts, or refuses them.
type batcher struct {
	*providertest.Fake
	refuse  bool
	batches atomic.Int32
	prompts []string
}

func (b *batcher) CompleteBatch(_ context.Context, req jessy.BatchRequest) ([]string, jessy.Usage, error) {
	b.batches.Add(1)
	if b.refuse {
		return nil, jessy.Usage{}, fmt.Errorf("openai: HTTP 400: prompt must be a string: %w", jessy.ErrBatchUnsupported)
	}
	b.prompts = req.Prompts
	out := make([]string, len(req.Prompts))
	for i := range out {
		out[i] = fmt.Sprintf("batched insight %d", i)
	}
	return out, jessy.Usage{PromptTokens: 100, CompletionTokens: 40}, nil
}

func TestBatchSendsOneRequestForAllThoughts(t *testing.T) {
	b := &batcher{Fake: providertest.NewFake(providertest.Always(ok("answer", 0)))}
	e := New(Target{Backend: "vllm", Provider: b, Model: "m"}, Options{Batch: true})
	var done int
	res, err := e.Run(t.Context(), question, func(ev jessy.Event) {
		if ev.Type == jessy.EventThoughtDone {
			done++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.batches.Load() != 1 || len(b.prompts) != 8 {
		t.Fatalf("%d batch requests with %d prompts, want 1 with 8", b.batches.Load(), len(b.prompts))
	}
	if len(b.Requests()) != 1 {
		t.Errorf("%d chat requests, want only the synthesis", len(b.Requests()))
	}
	for i, th := range res.Thoughts {
		if th.Status != jessy.StatusOK || th.Text != fmt.Sprintf("batched insight %d", i) {
			t.Errorf("thought %d: %s %q", i, th.Status, th.Text)
		}
		if !strings.Contains(b.prompts[i], th.Angle) || !strings.Contains(b.prompts[i], "Why is the sky blue?") {
			t.Errorf("prompt %d lacks its angle or the question", i)
		}
	}
	if done != 8 || res.Usage.PromptTokens != 110 || res.Answer() != "answer" {
		t.Errorf("done events %d, usage %+v, answer %q", done, res.Usage, res.Answer())
	}
}

func TestBatchRefusedFallsBackOncePerRun(t *testing.T) {
	b := &batcher{Fake: providertest.NewFake(providertest.Always(ok("x", 0))), refuse: true}
	e := New(Target{Backend: "llama.cpp", Provider: b, Model: "m"}, Options{Batch: true})
	res, err := e.Run(t.Context(), question, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.batches.Load() != 1 || len(b.Requests()) != 9 || res.Succeeded() != 8 {
		t.Errorf("batches %d, chat requests %d, ok %d; want 1, 9, 8", b.batches.Load(), len(b.Requests()), res.Succeeded())
	}
	if res.Note != batchNote {
		t.Errorf("note = %q, want the fallback said once", res.Note)
	}
}

func TestBatchOffOrNotABatcher(t *testing.T) {
	b := &batcher{Fake: providertest.NewFake(providertest.Always(ok("x", 0)))}
	if _, err := New(Target{Provider: b, Model: "m"}, Options{}).Run(t.Context(), question, nil); err != nil {
		t.Fatal(err)
	}
	if b.batches.Load() != 0 {
		t.Error("batched without Options.Batch")
	}
	f := providertest.NewFake(providertest.Always(ok("x", 0)))
	res, err := New(Target{Provider: f, Model: "m"}, Options{Batch: true}).Run(t.Context(), question, nil)
	if err != nil || len(f.Requests()) != 9 || res.Note != "" {
		t.Errorf("non-batcher with Batch: err %v, %d requests, note %q", err, len(f.Requests()), res.Note)
	}
}
