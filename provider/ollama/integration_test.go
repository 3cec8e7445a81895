//go:build integration

// Tests against a real Ollama server. Start one with the test model and run
// them with:
//
//	eval "$(scripts/ollama.sh up)"
//	go test -tags integration -race ./provider/ollama/
//
// They fail, never skip, when no server is configured or reachable.
package ollama

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

const upHint = "start the test server with `eval \"$(scripts/ollama.sh up)\"` (it sets JESSY_TEST_OLLAMA_HOST)"

// realProvider returns a Provider for JESSY_TEST_OLLAMA_HOST and the model
// to test, JESSY_TEST_MODEL or stories260k, after checking the server
// answers.
func realProvider(t *testing.T) (*Provider, string) {
	t.Helper()
	host := os.Getenv("JESSY_TEST_OLLAMA_HOST")
	if host == "" {
		t.Fatal("JESSY_TEST_OLLAMA_HOST is not set; " + upHint)
	}
	model := os.Getenv("JESSY_TEST_MODEL")
	if model == "" {
		model = "stories260k"
	}
	// A transport of the test's own, so that its keep-alive connections
	// can be closed before the leak check.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	p, err := New(Config{Host: host, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.Version(ctx); err != nil {
		t.Fatalf("no Ollama at %s (%v); %s", host, err, upHint)
	}
	return p, model
}

func realAsk(model, text string, maxTokens int) jessy.ChatRequest {
	return jessy.ChatRequest{
		Model:     model,
		Messages:  []jessy.Message{{Role: jessy.RoleUser, Content: text}},
		MaxTokens: maxTokens,
	}
}

func TestRealChatStreams(t *testing.T) {
	p, model := realProvider(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var rec recorder
	usage, err := p.Chat(ctx, realAsk(model, "Once upon a time", 48), rec.fn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(rec.text()) == "" {
		t.Error("empty answer")
	}
	if len(rec.deltas) < 2 {
		t.Errorf("%d deltas: the answer was not streamed", len(rec.deltas))
	}
	if usage.PromptTokens == 0 || usage.CompletionTokens == 0 {
		t.Errorf("usage = %+v, want both counts", usage)
	}
	if usage.CompletionTokens > 48 {
		t.Errorf("%d tokens generated, num_predict was 48", usage.CompletionTokens)
	}
	t.Logf("%q %+v", rec.text(), usage)
}

func TestRealConcurrentChats(t *testing.T) {
	p, model := realProvider(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const n = 8
	var wg sync.WaitGroup
	texts := make([]string, n)
	errs := make([]error, n)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rec recorder
			_, errs[i] = p.Chat(ctx, realAsk(model, "Lily and Tom went to the park", 32), rec.fn)
			texts[i] = rec.text()
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || strings.TrimSpace(texts[i]) == "" {
			t.Errorf("chat %d: %q, %v", i, texts[i], errs[i])
		}
	}
	t.Logf("%d chats in %v", n, time.Since(start))
}

func TestRealUnknownModel(t *testing.T) {
	p, _ := realProvider(t)
	_, err := p.Chat(context.Background(), realAsk("no-such-model-jessy", "hi", 8), func(jessy.Delta) error { return nil })
	if jessy.KindOf(err) != jessy.KindModelNotFound {
		t.Fatalf("err = %v (kind %v), want model_not_found", err, jessy.KindOf(err))
	}
	if h := jessy.HintOf(err); !strings.Contains(h, "ollama pull no-such-model-jessy") {
		t.Errorf("hint = %q", h)
	}
	t.Log(err)
}

func TestRealModels(t *testing.T) {
	p, model := realProvider(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Load the model first, so that /api/ps has it.
	if _, err := p.Chat(ctx, realAsk(model, "Once", 4), func(jessy.Delta) error { return nil }); err != nil {
		t.Fatal(err)
	}
	models, err := p.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range models {
		if m.Name == model || m.Name == model+":latest" {
			found = true
			if !m.Loaded {
				t.Errorf("%s is not marked loaded right after a chat", m.Name)
			}
		}
	}
	if !found {
		t.Errorf("Models = %+v, want %s", models, model)
	}
}

func TestRealEmbed(t *testing.T) {
	// stories260k can embed: Ollama v0.11.4 returns its 64-wide hidden
	// state, normalised.
	p, model := realProvider(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vecs, err := p.Embed(ctx, model, []string{"the cat sat on the mat", "a big red ball"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 2 || len(vecs[0]) == 0 || len(vecs[0]) != len(vecs[1]) {
		t.Fatalf("got %d vectors of lengths %v, want 2 of one length", len(vecs), lengths(vecs))
	}
	same := true
	for i := range vecs[0] {
		if vecs[0][i] != vecs[1][i] {
			same = false
		}
	}
	if same {
		t.Error("two different texts gave the same vector")
	}
}

func lengths(vs [][]float64) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = len(v)
	}
	return out
}

func TestRealCancelMidStream(t *testing.T) {
	p, model := realProvider(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var canceledAt time.Time
	_, err := p.Chat(ctx, realAsk(model, "Once upon a time", 256), func(jessy.Delta) error {
		if canceledAt.IsZero() {
			canceledAt = time.Now()
			cancel()
		}
		return nil
	})
	if canceledAt.IsZero() {
		t.Fatalf("no delta arrived: %v", err)
	}
	if took := time.Since(canceledAt); took > 2*time.Second {
		t.Errorf("Chat returned %v after the cancel", took)
	}
	if !errors.Is(err, context.Canceled) || jessy.KindOf(err) != jessy.KindCanceled {
		t.Errorf("err = %v, want canceled", err)
	}
}
