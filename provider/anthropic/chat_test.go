package anthropic_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/anthropic"
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
			name:          "thinking kept apart from text",
			reply:         providertest.Reply{Reasoning: []string{"let me ", "think"}, Chunks: []string{"blue"}},
			wantText:      "blue",
			wantReasoning: "let me think",
			wantDeltas:    3,
		},
		{
			name:       "input usage from message_start, output from message_delta",
			reply:      providertest.Reply{Chunks: []string{"ok"}, Usage: jessy.Usage{PromptTokens: 12, CompletionTokens: 3}},
			wantText:   "ok",
			wantDeltas: 1,
			wantUsage:  jessy.Usage{PromptTokens: 12, CompletionTokens: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewAnthropic(t, providertest.Always(tt.reply))
			p := newProvider(t, s.URL, 0)
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
	warm := 0.7
	type sent struct {
		Role    string `json:"role"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	tests := []struct {
		name         string
		defaultMax   int
		req          jessy.ChatRequest
		wantSystem   string
		wantMessages []string // "role: text | text" per message sent
		wantMax      int
	}{
		{
			name: "system to the system parameter, MaxTokens sent",
			req: jessy.ChatRequest{Model: "claude-x", MaxTokens: 64, Temperature: &warm, Messages: []jessy.Message{
				{Role: jessy.RoleSystem, Content: "be brief"},
				{Role: jessy.RoleUser, Content: "hi"},
				{Role: jessy.RoleAssistant, Content: "hello"},
				{Role: jessy.RoleUser, Content: "why?"},
			}},
			wantSystem:   "be brief",
			wantMessages: []string{"user: hi", "assistant: hello", "user: why?"},
			wantMax:      64,
		},
		{
			name: "consecutive same-role messages merged, default max_tokens 1024",
			req: jessy.ChatRequest{Model: "claude-x", Messages: []jessy.Message{
				{Role: jessy.RoleUser, Content: "context"},
				{Role: jessy.RoleUser, Content: "question"},
			}},
			wantMessages: []string{"user: context | question"},
			wantMax:      1024,
		},
		{
			name:         "configured default max_tokens",
			defaultMax:   300,
			req:          ask("hi"),
			wantMessages: []string{"user: hi"},
			wantMax:      300,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewAnthropic(t, providertest.Always(providertest.Text("ok")))
			p := newProvider(t, s.URL, tt.defaultMax)
			if _, _, err := chat(t.Context(), p, tt.req); err != nil {
				t.Fatal(err)
			}
			reqs := s.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.Path != "/v1/messages" || got.Model != tt.req.Model || !got.Stream || got.MaxTokens != tt.wantMax {
				t.Errorf("path %q model %q stream %v max_tokens %d, want max_tokens %d", got.Path, got.Model, got.Stream, got.MaxTokens, tt.wantMax)
			}
			if got.System != tt.wantSystem {
				t.Errorf("system %q, want %q", got.System, tt.wantSystem)
			}
			var body struct {
				Messages []sent `json:"messages"`
			}
			if err := json.Unmarshal(got.Body, &body); err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, m := range body.Messages {
				var texts []string
				for _, c := range m.Content {
					texts = append(texts, c.Text)
				}
				msgs = append(msgs, m.Role+": "+strings.Join(texts, " | "))
			}
			if !slices.Equal(msgs, tt.wantMessages) {
				t.Errorf("messages %q, want %q", msgs, tt.wantMessages)
			}
			if strings.Contains(string(got.Body), "temperature") {
				t.Error("temperature sent; the API version the SDK speaks has none")
			}
			if a, x := got.Header.Get("Authorization"), got.Header.Get("X-Api-Key"); a != "Bearer "+key && x != key {
				t.Errorf("key not sent: Authorization %q, X-Api-Key %q", a, x)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		cfg      anthropic.Config
		wantKind jessy.Kind // KindOther: no error
		wantMsg  string
	}{
		{"missing key", anthropic.Config{}, jessy.KindAuth, "ANTHROPIC_API_KEY"},
		{"missing key on another host", anthropic.Config{BaseURL: "http://127.0.0.1:9"}, jessy.KindAuth, "ANTHROPIC_API_KEY"},
		{"key given", anthropic.Config{APIKey: key}, jessy.KindOther, ""},
		{"not a URL", anthropic.Config{BaseURL: "api.anthropic.com", APIKey: key}, jessy.KindInvalid, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := anthropic.New(tt.cfg)
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

func TestBaseURLWithV1(t *testing.T) {
	s := providertest.NewAnthropic(t, providertest.Always(providertest.Text("ok")))
	p := newProvider(t, s.URL+"/v1/", 0)
	if _, _, err := chat(t.Context(), p, ask("hi")); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests()[0].Path; got != "/v1/messages" {
		t.Errorf("path %q, want /v1/messages", got)
	}
}

func TestChatConcurrent(t *testing.T) {
	s := providertest.NewAnthropic(t, func(_ int, req providertest.Request) providertest.Reply {
		return providertest.Reply{Chunks: []string{"re: ", jessy.LastUserContent(req.Messages)}, ChunkDelay: 20 * time.Millisecond}
	})
	p := newProvider(t, s.URL, 0)
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

func TestModels(t *testing.T) {
	s := providertest.NewAnthropic(t, providertest.Always(providertest.Reply{Chunks: []string{"claude-a", "claude-b"}}))
	p := newProvider(t, s.URL, 0)
	models, err := p.Models(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []jessy.ModelInfo{{Name: "claude-a"}, {Name: "claude-b"}}; !slices.Equal(models, want) {
		t.Errorf("models %+v, want %+v", models, want)
	}
	if got := s.Requests()[0].Path; got != "/v1/models" {
		t.Errorf("path %q", got)
	}
}
