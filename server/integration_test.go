//go:build integration

// End-to-end test through a real Ollama. Start it with the test model and
// run with:
//
//	eval "$(scripts/ollama.sh up)"
//	go test -tags integration -race -run Real ./server/
//
// It fails, never skips, when no server is configured or reachable.
package server

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/provider/ollama"
)

func TestRealOllamaStreamedChatCompletion(t *testing.T) {
	host := os.Getenv("JESSY_TEST_OLLAMA_HOST")
	if host == "" {
		t.Fatal("JESSY_TEST_OLLAMA_HOST is not set; start the test server with `eval \"$(scripts/ollama.sh up)\"`")
	}
	model := os.Getenv("JESSY_TEST_MODEL")
	if model == "" {
		model = "stories260k"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	p, err := ollama.New(ollama.Config{Host: host, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	vctx, vcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer vcancel()
	if _, err := p.Version(vctx); err != nil {
		t.Fatalf("no Ollama at %s: %v", host, err)
	}

	eng := engine.New(engine.Target{Backend: "ollama", Provider: guard.Wrap(p, "ollama", guard.Options{Slots: 4}), Model: model},
		engine.Options{MaxTokens: 32, SynthesisMaxTokens: 48, ThoughtTimeout: time.Minute, SynthesisTimeout: time.Minute})
	s, err := New(Config{Ready: func(ctx context.Context) error { _, err := p.Version(ctx); return err }},
		catalog{"jessy": eng})
	if err != nil {
		t.Fatal(err)
	}
	url, _, _ := serve(t, s)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	body := chatBody(map[string]any{"stream": true, "stream_options": map[string]bool{"include_usage": true},
		"messages": []map[string]string{{"role": "user", "content": "Once upon a time there was a little cat."}}})
	resp := post(t, ctx, url+"/v1/chat/completions", "", body)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	lines := summarize(t, readSSE(t, resp.Body), "jessy")
	var answer strings.Builder
	for _, l := range lines {
		if c, ok := strings.CutPrefix(l, "content="); ok {
			answer.WriteString(c)
		}
	}
	n := len(lines)
	if n < 4 || lines[n-1] != "[DONE]" || !strings.HasPrefix(lines[n-2], "usage ") || lines[n-3] != "finish=stop" {
		t.Fatalf("stream = %q", lines)
	}
	if strings.TrimSpace(answer.String()) == "" {
		t.Errorf("empty answer: %q", lines)
	}
	if strings.HasPrefix(lines[n-2], "usage 0+") {
		t.Errorf("no usage: %s", lines[n-2])
	}
	if v := counterValue(t, s, "jessy_runs_total", map[string]string{"outcome": "ok"}); v != 1 {
		t.Errorf("runs ok = %v", v)
	}
	r, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("readyz = %d", r.StatusCode)
	}
}
