package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
	"github.com/jessy-llm/jessy/server/dialect/openai"
)

type completionResp struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role             string  `json:"role"`
			Content          string  `json:"content"`
			ReasoningContent *string `json:"reasoning_content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage openai.Usage `json:"usage"`
}

func TestChatCompletion(t *testing.T) {
	for _, tc := range []struct {
		name       string
		serverShow bool
		reqShow    *bool
		wantShown  bool
	}{
		{name: "default hides thoughts"},
		{name: "server shows thoughts", serverShow: true, wantShown: true},
		{name: "request shows thoughts", reqShow: ptr(true), wantShown: true},
		{name: "request hides what server shows", serverShow: true, reqShow: ptr(false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := happy()
			_, ts := start(t, Config{ShowThoughts: tc.serverShow}, catalog{"jessy": newEngine(f, engine.Options{})})
			extra := map[string]any{}
			if tc.reqShow != nil {
				extra["show_thoughts"] = *tc.reqShow
			}
			resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(extra))
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := decode[completionResp](t, resp.Body)
			if len(got.Choices) != 1 || got.Choices[0].Message.Content != "The answer is 42." ||
				got.Choices[0].Message.Role != "assistant" || got.Choices[0].FinishReason != "stop" {
				t.Fatalf("choices = %+v", got.Choices)
			}
			if got.Object != "chat.completion" || got.Model != "jessy" || !strings.HasPrefix(got.ID, "chatcmpl-") {
				t.Errorf("object %q model %q id %q", got.Object, got.Model, got.ID)
			}
			if got.ID != "chatcmpl-"+resp.Header.Get("X-Jessy-Run-Id") {
				t.Errorf("id %q, run id header %q", got.ID, resp.Header.Get("X-Jessy-Run-Id"))
			}
			want := openai.Usage{PromptTokens: 8*10 + 100, CompletionTokens: 8*5 + 20, TotalTokens: 240}
			want.CompletionTokensDetails.ReasoningTokens = 40
			if got.Usage != want {
				t.Errorf("usage = %+v, want %+v", got.Usage, want)
			}
			rc := got.Choices[0].Message.ReasoningContent
			if (rc != nil) != tc.wantShown {
				t.Fatalf("reasoning_content present = %v, want %v", rc != nil, tc.wantShown)
			}
			if rc != nil {
				for i := range 8 {
					if !strings.Contains(*rc, fmt.Sprintf("### Thought %d of 8: ", i+1)) || !strings.Contains(*rc, fmt.Sprintf("insight %d", i)) {
						t.Errorf("reasoning_content lacks thought %d: %q", i+1, *rc)
					}
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestChatParametersReachTheEngine(t *testing.T) {
	for _, tc := range []struct {
		name         string
		extra        map[string]any
		wantThoughts int
		wantTemp     *float64
		wantMax      int
	}{
		{name: "defaults", extra: nil, wantThoughts: 8, wantMax: engine.DefaultSynthesisMaxTokens},
		{name: "temperature", extra: map[string]any{"temperature": 0.25}, wantThoughts: 8, wantTemp: ptr(0.25), wantMax: engine.DefaultSynthesisMaxTokens},
		{name: "max_tokens caps the answer", extra: map[string]any{"max_tokens": 77}, wantThoughts: 8, wantMax: 77},
		{name: "max_completion_tokens caps the answer", extra: map[string]any{"max_completion_tokens": 55}, wantThoughts: 8, wantMax: 55},
		{name: "thoughts", extra: map[string]any{"thoughts": 3}, wantThoughts: 3, wantMax: engine.DefaultSynthesisMaxTokens},
		{name: "unsupported parameters are ignored", extra: map[string]any{
			"n": 1, "top_p": 0.9, "presence_penalty": 0.1, "seed": 7, "user": "u", "logit_bias": map[string]int{"1": 2},
			"tools":           []any{map[string]any{"type": "function", "function": map[string]any{"name": "f"}}},
			"response_format": map[string]any{"type": "text"}, "stop": []string{"x"},
		}, wantThoughts: 8, wantMax: engine.DefaultSynthesisMaxTokens},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := happy()
			base := newEngine(f, engine.Options{MinThoughts: 6})
			_, ts := start(t, Config{}, catalog{"jessy": base})
			resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(tc.extra))
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			reqs := f.Requests()
			if len(reqs) != tc.wantThoughts+1 {
				t.Fatalf("%d calls, want %d thoughts and a synthesis", len(reqs), tc.wantThoughts)
			}
			for _, r := range reqs {
				if !cmp.Equal(r.Temperature, tc.wantTemp) {
					t.Errorf("temperature %v, want %v", r.Temperature, tc.wantTemp)
				}
			}
			if last := reqs[len(reqs)-1]; last.MaxTokens != tc.wantMax {
				t.Errorf("synthesis max tokens %d, want %d", last.MaxTokens, tc.wantMax)
			}
			if base.Temperature != nil || base.SynthesisMaxTokens != 0 || base.Thoughts != 0 || base.MinThoughts != 6 {
				t.Errorf("the catalog's engine was changed: %+v", base.Options)
			}
		})
	}
}

// summarize turns a chat completion stream into short lines that tests can
// compare exactly, checking the fields every chunk must have.
func summarize(t *testing.T, evs []sseEvent, model string) []string {
	t.Helper()
	var out []string
	id := ""
	for _, ev := range evs {
		switch {
		case ev.Comment != "":
			out = append(out, ": "+ev.Comment)
			continue
		case ev.Data == "[DONE]":
			out = append(out, "[DONE]")
			continue
		}
		var c struct {
			ID      string          `json:"id"`
			Object  string          `json:"object"`
			Model   string          `json:"model"`
			Error   json.RawMessage `json:"error"`
			Choices []struct {
				Delta        map[string]string `json:"delta"`
				FinishReason *string           `json:"finish_reason"`
			} `json:"choices"`
			Usage *openai.Usage `json:"usage"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
			t.Fatalf("chunk %q: %v", ev.Data, err)
		}
		if c.Error != nil {
			var eb errBody
			_ = json.Unmarshal([]byte(ev.Data), &eb)
			out = append(out, "error "+eb.Error.Code)
			continue
		}
		if id == "" {
			id = c.ID
		}
		if c.ID != id || c.Object != "chat.completion.chunk" || c.Model != model {
			t.Errorf("chunk id/object/model = %q %q %q", c.ID, c.Object, c.Model)
		}
		if c.Usage != nil {
			out = append(out, fmt.Sprintf("usage %d+%d=%d reasoning %d choices %d", c.Usage.PromptTokens,
				c.Usage.CompletionTokens, c.Usage.TotalTokens, c.Usage.CompletionTokensDetails.ReasoningTokens, len(c.Choices)))
			continue
		}
		if len(c.Choices) != 1 {
			t.Fatalf("chunk with %d choices: %s", len(c.Choices), ev.Data)
		}
		ch := c.Choices[0]
		var parts []string
		for _, k := range []string{"role", "content", "reasoning_content"} {
			if v, ok := ch.Delta[k]; ok {
				parts = append(parts, fmt.Sprintf("%s=%q", k, v))
			}
		}
		if ch.FinishReason != nil {
			parts = append(parts, "finish="+*ch.FinishReason)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestChatStream(t *testing.T) {
	answer := []string{`content="The"`, `content=" answer"`, `content=" is"`, `content=" 42."`, "finish=stop"}
	cat := func(f *providertest.Fake) catalog {
		// Sequential mode orders the thoughts, so the stream is exact.
		return catalog{"jessy": newEngine(f, engine.Options{Mode: jessy.ModeSequential, Thoughts: 2})}
	}
	for _, tc := range []struct {
		name  string
		show  bool
		extra map[string]any
		want  []string
	}{
		{name: "thoughts hidden", extra: map[string]any{},
			want: concat([]string{`role="assistant" content=""`, ": thought 1 of 2 ok", ": thought 2 of 2 ok"}, answer, []string{"[DONE]"})},
		{name: "usage chunk", extra: map[string]any{"stream_options": map[string]any{"include_usage": true}},
			want: concat([]string{`role="assistant" content=""`, ": thought 1 of 2 ok", ": thought 2 of 2 ok"}, answer,
				[]string{"usage 120+30=150 reasoning 10 choices 0", "[DONE]"})},
		{name: "thoughts as reasoning_content", extra: map[string]any{"show_thoughts": true},
			want: concat([]string{`role="assistant" content=""`,
				`reasoning_content="### Thought 1 of 2: What do we know?\n\ninsight 0\n\n"`,
				`reasoning_content="### Thought 2 of 2: What don't we know?\n\ninsight 1\n\n"`}, answer, []string{"[DONE]"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := start(t, Config{}, cat(happy()))
			tc.extra["stream"] = true
			resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(tc.extra))
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			got := summarize(t, readSSE(t, resp.Body), "jessy")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("stream (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChatStreamSynthesisReasoning(t *testing.T) {
	synth := reply("Yes.", synthUsage)
	synth.Reasoning = []string{"hmm"}
	f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply { return reply("x", thoughtUsage) }, synth))
	_, ts := start(t, Config{ShowThoughts: true}, catalog{"jessy": newEngine(f, engine.Options{Thoughts: 1})})
	resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(map[string]any{"stream": true}))
	defer resp.Body.Close()
	got := summarize(t, readSSE(t, resp.Body), "jessy")
	want := []string{`role="assistant" content=""`, `reasoning_content="### Thought 1 of 1: What do we know?\n\nx\n\n"`,
		`reasoning_content="hmm"`, `content="Yes."`, "finish=stop", "[DONE]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestContentParts(t *testing.T) {
	f := happy()
	_, ts := start(t, Config{}, catalog{"jessy": newEngine(f, engine.Options{Thoughts: 1})})
	body := `{"model":"jessy","messages":[{"role":"developer","content":"Be brief."},
		{"role":"user","content":[{"type":"text","text":"Why is"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"the sky blue?"}]}]}`
	resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	found := false
	for _, m := range f.Requests()[0].Messages {
		if strings.Contains(m.Content, "Why is\nthe sky blue?") {
			found = true
		}
	}
	if !found {
		t.Errorf("the text parts did not reach the thought: %+v", f.Requests()[0].Messages)
	}
}

func TestModels(t *testing.T) {
	_, ts := start(t, Config{}, catalog{"jessy": newEngine(happy(), engine.Options{}), "fast": newEngine(happy(), engine.Options{})})
	resp, err := http.Get(ts.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := decode[struct {
		Object string        `json:"object"`
		Data   []modelObject `json:"data"`
	}](t, resp.Body)
	want := []modelObject{{ID: "jessy", Object: "model", OwnedBy: "jessy"}, {ID: "fast", Object: "model", OwnedBy: "jessy"}}
	if got.Object != "list" || !cmp.Equal(got.Data, want) {
		t.Errorf("models = %+v", got)
	}
}
