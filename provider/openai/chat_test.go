package openai_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/openai"
	"github.com/jessy-llm/jessy/providertest"
)

func TestChatStreams(t *testing.T) {
	tests := []struct {
		name          string
		reply         providertest.Reply
		wantText      string
		wantReasoning string
		wantDeltas    int
		wantUsage     jessy.Usage
	}{
		{
			name:       "text arrives chunk by chunk",
			reply:      providertest.Text("the sky is blue"),
			wantText:   "the sky is blue",
			wantDeltas: 4,
		},
		{
			name:          "reasoning kept apart from text",
			reply:         providertest.Reply{Reasoning: []string{"let me ", "think"}, Chunks: []string{"blue"}},
			wantText:      "blue",
			wantReasoning: "let me think",
			wantDeltas:    3,
		},
		{
			name:       "usage from the final chunk",
			reply:      providertest.Reply{Chunks: []string{"ok"}, Usage: jessy.Usage{PromptTokens: 12, CompletionTokens: 3}},
			wantText:   "ok",
			wantDeltas: 1,
			wantUsage:  jessy.Usage{PromptTokens: 12, CompletionTokens: 3},
		},
		{
			name:  "empty answer",
			reply: providertest.Reply{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewOpenAI(t, providertest.Always(tt.reply))
			p := newProvider(t, s, "")
			ds, u, err := chat(t.Context(), p, ask("why?"))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Text != "" && d.Reasoning != "" {
					t.Errorf("delta %+v mixes text and reasoning", d)
				}
			}
			text, reasoning := join(ds)
			if text != tt.wantText || reasoning != tt.wantReasoning {
				t.Errorf("text %q reasoning %q, want %q and %q", text, reasoning, tt.wantText, tt.wantReasoning)
			}
			if len(ds) != tt.wantDeltas {
				t.Errorf("%d deltas, want %d (one per chunk)", len(ds), tt.wantDeltas)
			}
			if u != tt.wantUsage {
				t.Errorf("usage %+v, want %+v", u, tt.wantUsage)
			}
		})
	}
}

func TestChatRequestFields(t *testing.T) {
	zero, warm := 0.0, 0.7
	tests := []struct {
		name     string
		key      string
		req      jessy.ChatRequest
		wantAuth string
		wantMax  any // nil when max_tokens must be absent
		wantTemp any // nil when temperature must be absent
	}{
		{
			name: "all fields, no key on a local server",
			req: jessy.ChatRequest{Model: "qwen3", MaxTokens: 64, Temperature: &warm, Messages: []jessy.Message{
				{Role: jessy.RoleSystem, Content: "be brief"},
				{Role: jessy.RoleUser, Content: "hi"},
				{Role: jessy.RoleAssistant, Content: "hello"},
				{Role: jessy.RoleUser, Content: "why?"},
			}},
			wantMax:  64.0,
			wantTemp: 0.7,
		},
		{
			name:     "key sent as bearer token, zero temperature still sent",
			key:      "sk-test",
			req:      jessy.ChatRequest{Model: "qwen3", Temperature: &zero, Messages: []jessy.Message{{Role: jessy.RoleUser, Content: "hi"}}},
			wantAuth: "Bearer sk-test",
			wantTemp: 0.0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewOpenAI(t, providertest.Always(providertest.Text("ok")))
			p := newProvider(t, s, tt.key)
			if _, _, err := chat(t.Context(), p, tt.req); err != nil {
				t.Fatal(err)
			}
			reqs := s.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.Path != "/v1/chat/completions" || got.Model != tt.req.Model || !got.Stream {
				t.Errorf("path %q model %q stream %v", got.Path, got.Model, got.Stream)
			}
			if len(got.Messages) != len(tt.req.Messages) {
				t.Fatalf("messages %+v, want %+v", got.Messages, tt.req.Messages)
			}
			for i := range got.Messages {
				if got.Messages[i] != tt.req.Messages[i] {
					t.Errorf("message %d is %+v, want %+v", i, got.Messages[i], tt.req.Messages[i])
				}
			}
			if a := got.Header.Get("Authorization"); a != tt.wantAuth {
				t.Errorf("Authorization %q, want %q", a, tt.wantAuth)
			}
			var body map[string]any
			if err := json.Unmarshal(got.Body, &body); err != nil {
				t.Fatal(err)
			}
			if body["max_tokens"] != tt.wantMax {
				t.Errorf("max_tokens %v, want %v", body["max_tokens"], tt.wantMax)
			}
			if _, ok := body["max_completion_tokens"]; ok {
				t.Error("max_completion_tokens sent; local servers read max_tokens")
			}
			if body["temperature"] != tt.wantTemp {
				t.Errorf("temperature %v, want %v", body["temperature"], tt.wantTemp)
			}
			so, _ := body["stream_options"].(map[string]any)
			if so["include_usage"] != true {
				t.Errorf("stream_options %v, want include_usage true", body["stream_options"])
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		cfg      openai.Config
		wantKind jessy.Kind // KindOther: no error
		wantMsg  string
	}{
		{"default base URL needs a key", openai.Config{}, jessy.KindAuth, "OPENAI_API_KEY"},
		{"openai.com without key", openai.Config{BaseURL: "https://api.openai.com/v1"}, jessy.KindAuth, "OPENAI_API_KEY"},
		{"hosted compatible API without key", openai.Config{BaseURL: "https://openrouter.ai/api/v1"}, jessy.KindAuth, "OPENAI_API_KEY"},
		{"openai.com with key", openai.Config{APIKey: "sk-x"}, jessy.KindOther, ""},
		{"loopback without key", openai.Config{BaseURL: "http://127.0.0.1:8000/v1"}, jessy.KindOther, ""},
		{"localhost without key", openai.Config{BaseURL: "http://localhost:11434/v1/"}, jessy.KindOther, ""},
		{"lan server without key", openai.Config{BaseURL: "http://gpu-box.lan:8000/v1"}, jessy.KindOther, ""},
		{"not a URL", openai.Config{BaseURL: "127.0.0.1:8000"}, jessy.KindInvalid, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := openai.New(tt.cfg)
			if tt.wantKind == jessy.KindOther {
				if err != nil || p == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var je *jessy.Error
			if !errors.As(err, &je) || je.Kind != tt.wantKind || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("New: %v, want a %v error naming %q", err, tt.wantKind, tt.wantMsg)
			}
		})
	}
}

func TestChatConcurrent(t *testing.T) {
	s := providertest.NewOpenAI(t, func(_ int, req providertest.Request) providertest.Reply {
		return providertest.Reply{Chunks: []string{"re: ", jessy.LastUserContent(req.Messages)}, ChunkDelay: 20 * time.Millisecond}
	})
	p := newProvider(t, s, "")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	texts := make([]string, n)
	for i := range n {
		wg.Go(func() {
			q := strings.Repeat("q", i+1)
			var ds []jessy.Delta
			ds, _, errs[i] = chat(t.Context(), p, ask(q))
			texts[i], _ = join(ds)
		})
	}
	wg.Wait()
	for i := range n {
		if want := "re: " + strings.Repeat("q", i+1); errs[i] != nil || texts[i] != want {
			t.Errorf("call %d: %q, %v; want %q", i, texts[i], errs[i], want)
		}
	}
	if s.PeakInFlight() < 2 {
		t.Errorf("peak in flight %d: calls did not overlap", s.PeakInFlight())
	}
}

// TestChatWholeAnswer covers servers that ignore "stream" and answer one
// chat.completion object.
func TestChatWholeAnswer(t *testing.T) {
	p := rawProvider(t, 200, "application/json", `{"id":"x","object":"chat.completion","created":1,"model":"m",`+
		`"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"blue","reasoning":"hmm"}}],`+
		`"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
	ds, u, err := chat(t.Context(), p, ask("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if text, reasoning := join(ds); text != "blue" || reasoning != "hmm" {
		t.Errorf("text %q reasoning %q, want blue and hmm", text, reasoning)
	}
	if u != (jessy.Usage{PromptTokens: 5, CompletionTokens: 1}) {
		t.Errorf("usage %+v", u)
	}
}
