//go:build integration

// Tests against a real server: Ollama's OpenAI-compatible endpoint. Start
// one with the test model and run them with:
//
//	eval "$(scripts/ollama.sh up)"
//	go test -tags integration -race ./provider/openai/
//
// They fail, never skip, when no server is configured or reachable.
package openai_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/openai"
)

const upHint = "start the test server with `eval \"$(scripts/ollama.sh up)\"` (it sets JESSY_TEST_OLLAMA_HOST)"

// realProvider returns a Provider for JESSY_TEST_OLLAMA_HOST + "/v1", with
// no key, and the model to test, JESSY_TEST_MODEL or stories260k, after
// checking the server answers.
func realProvider(t *testing.T) (*openai.Provider, string) {
	t.Helper()
	host := os.Getenv("JESSY_TEST_OLLAMA_HOST")
	if host == "" {
		t.Fatal("JESSY_TEST_OLLAMA_HOST is not set; " + upHint)
	}
	model := os.Getenv("JESSY_TEST_MODEL")
	if model == "" {
		model = "stories260k"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	p, err := openai.New(openai.Config{BaseURL: strings.TrimRight(host, "/") + "/v1", HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	models, err := p.Models(ctx)
	if err != nil {
		t.Fatalf("no OpenAI-compatible server at %s/v1 (%v); %s", host, err, upHint)
	}
	if !slices.ContainsFunc(models, func(m jessy.ModelInfo) bool { return m.Name == model || m.Name == model+":latest" }) {
		t.Fatalf("model %s is not on the server (it has %v); %s", model, models, upHint)
	}
	return p, model
}

func TestRealChatStreams(t *testing.T) {
	p, model := realProvider(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ds, usage, err := chat(ctx, p, jessy.ChatRequest{
		Model:     model,
		Messages:  []jessy.Message{{Role: jessy.RoleUser, Content: "Once upon a time"}},
		MaxTokens: 48,
	})
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := join(ds); strings.TrimSpace(text) == "" {
		t.Error("empty answer")
	}
	if len(ds) < 2 {
		t.Errorf("%d deltas: the answer was not streamed", len(ds))
	}
	if usage.PromptTokens == 0 || usage.CompletionTokens == 0 {
		t.Errorf("usage %+v, want both counts", usage)
	}
	if usage.CompletionTokens > 48 {
		t.Errorf("%d completion tokens: max_tokens 48 was not honoured", usage.CompletionTokens)
	}
}

func TestRealUnknownModel(t *testing.T) {
	p, _ := realProvider(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, _, err := chat(ctx, p, jessy.ChatRequest{
		Model:    "no-such-model-jessy",
		Messages: []jessy.Message{{Role: jessy.RoleUser, Content: "hi"}},
	})
	var je *jessy.Error
	if !errors.As(err, &je) || je.Kind != jessy.KindModelNotFound || je.Message == "" {
		t.Fatalf("error %v, want KindModelNotFound with the server's message", err)
	}
}

// TestRealCompleteBatch checks the batch path against a real server: it
// either answers every prompt or refuses in a way the engine falls back
// from.
func TestRealCompleteBatch(t *testing.T) {
	p, model := realProvider(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	prompts := []string{"Once upon a time", "The little dog"}
	// Ollama's /v1/completions takes one prompt, not a list: the provider
	// must say so with ErrBatchUnsupported, so that the engine falls back
	// to one request per thought.
	_, _, err := p.CompleteBatch(ctx, jessy.BatchRequest{Model: model, Prompts: prompts, MaxTokens: 16})
	if !errors.Is(err, jessy.ErrBatchUnsupported) {
		t.Fatalf("batch of %d prompts: err = %v, want ErrBatchUnsupported from Ollama", len(prompts), err)
	}
	if jessy.KindOf(err) != jessy.KindBadRequest {
		t.Errorf("kind %v, want bad_request (the server's 400)", jessy.KindOf(err))
	}
}
