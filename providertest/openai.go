package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

// NewOpenAI starts a fake OpenAI-compatible server (the API of OpenAI, vLLM,
// llama.cpp and Ollama's /v1) under the path prefix /v1, so a client's base
// URL is s.URL + "/v1". It is closed when t ends.
//
// Every request below takes the next reply of script and is recorded:
//
//   - POST /v1/chat/completions streams server-sent events when the request
//     says "stream": true: chat.completion.chunk objects, the first with
//     the assistant role, one per reasoning piece (delta.reasoning_content,
//     as vLLM and DeepSeek send it) and one per chunk (delta.content), a
//     chunk with finish_reason "stop", then, when stream_options.include_usage
//     is set, a chunk with empty choices and Reply.Usage, and "data: [DONE]".
//     Without "stream": true it answers one chat.completion object. A 2xx
//     Reply with a Message streams its chunks and then an error object in
//     place of the end of the stream, as vLLM reports a failure mid-stream.
//   - POST /v1/completions takes "prompt" as a string or a list of strings
//     and answers a text_completion object, never streamed. For a list,
//     prompt i is answered by Reply.Chunks[i] (a prompt without a chunk gets
//     no choice); for a string, by all chunks joined. Choices are listed last
//     first, so a client must place them by their index. A script makes the
//     server refuse lists by answering Reply{Status: 400, ...} when
//     len(req.Prompts) > 1 (vLLM takes lists; many servers refuse them).
//   - POST /v1/embeddings answers deterministic vectors (Embedding).
//   - GET /v1/models lists Reply.Chunks as model ids, or "fake-model" when
//     there are none.
//
// A non-2xx Reply sends {"error": {"message", "type", "code"}} with that
// status, the type and code chosen from the status as OpenAI does (404:
// model_not_found; 429: rate_limit_exceeded, or insufficient_quota when
// the Message mentions "quota"), and Retry-After when set.
func NewOpenAI(t testing.TB, script Script) *Server {
	return newServer(t, script, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) { openaiChat(s, w, r) })
		mux.HandleFunc("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) { openaiCompletions(s, w, r) })
		mux.HandleFunc("POST /v1/embeddings", func(w http.ResponseWriter, r *http.Request) { openaiEmbeddings(s, w, r) })
		mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) { openaiModels(s, w, r) })
		return mux
	})
}

// openaiChatRequest is the part of a chat completions request the fake reads.
type openaiChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    jessy.Role      `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	MaxTokens           int      `json:"max_tokens"`
	MaxCompletionTokens int      `json:"max_completion_tokens"`
	Temperature         *float64 `json:"temperature"`
	Stream              bool     `json:"stream"`
	StreamOptions       struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// textContent reads a message content or a system prompt: a string or a
// list of parts or blocks with text (both wire formats allow either).
func textContent(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// readBody reads the JSON body of r into v and returns it. When it is not
// valid JSON it answers 400 with errorBody and returns nil.
func readBody(w http.ResponseWriter, r *http.Request, v any, errorBody func(int, string) string) []byte {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, errorBody(http.StatusBadRequest, "invalid JSON body: "+err.Error()))
		return nil
	}
	return body
}

func openaiChat(s *Server, w http.ResponseWriter, r *http.Request) {
	var in openaiChatRequest
	body := readBody(w, r, &in, openaiErrorBody)
	if body == nil {
		return
	}
	msgs := make([]jessy.Message, len(in.Messages))
	for i, m := range in.Messages {
		msgs[i] = jessy.Message{Role: m.Role, Content: textContent(m.Content)}
	}
	maxTokens := in.MaxTokens
	if maxTokens == 0 {
		maxTokens = in.MaxCompletionTokens
	}
	reply, end := s.begin(Request{
		Path:        r.URL.Path,
		Model:       in.Model,
		Messages:    msgs,
		MaxTokens:   maxTokens,
		Stream:      in.Stream,
		Header:      r.Header.Clone(),
		Temperature: in.Temperature,
		Body:        body,
	})
	defer end()
	play(w, r, reply, openaiChatWire(in.Model, in.StreamOptions.IncludeUsage, reply), in.Stream)
}

// openaiChatWire is the chat completions SSE format for one reply to model.
func openaiChatWire(model string, includeUsage bool, reply Reply) wire {
	const id, created = "chatcmpl-fake", 1767225600
	event := func(v any) string { return "data: " + mustJSON(v) + "\n\n" }
	first := true
	chunk := func(delta map[string]any, finish any) string {
		if first {
			delta["role"] = "assistant"
			first = false
		}
		return event(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		})
	}
	usage := func(u jessy.Usage) map[string]int {
		return map[string]int{"prompt_tokens": u.PromptTokens, "completion_tokens": u.CompletionTokens, "total_tokens": u.Total()}
	}
	return wire{
		contentType: "text/event-stream",
		errorBody:   func(status int, msg string) string { return openaiErrorBody(status, msg) },
		reasoning:   func(text string) string { return chunk(map[string]any{"reasoning_content": text}, nil) },
		chunk:       func(text string) string { return chunk(map[string]any{"content": text}, nil) },
		end: func(u jessy.Usage) string {
			if reply.Message != "" {
				return event(map[string]any{"error": map[string]any{"message": reply.Message, "type": "server_error", "code": nil}})
			}
			out := chunk(map[string]any{}, "stop")
			if includeUsage {
				out += event(map[string]any{
					"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
					"choices": []any{}, "usage": usage(u),
				})
			}
			return out + "data: [DONE]\n\n"
		},
		whole: func(text, reasoning string, u jessy.Usage) string {
			msg := map[string]any{"role": "assistant", "content": text}
			if reasoning != "" {
				msg["reasoning_content"] = reasoning
			}
			return mustJSON(map[string]any{
				"id": id, "object": "chat.completion", "created": created, "model": model,
				"choices": []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": "stop"}},
				"usage":   usage(u),
			})
		},
		malformed: func() string { return "data: {\"this is\": not json\n\n" },
	}
}

func openaiCompletions(s *Server, w http.ResponseWriter, r *http.Request) {
	var in struct {
		Model       string          `json:"model"`
		Prompt      json.RawMessage `json:"prompt"`
		MaxTokens   int             `json:"max_tokens"`
		Temperature *float64        `json:"temperature"`
		Stream      bool            `json:"stream"`
	}
	body := readBody(w, r, &in, openaiErrorBody)
	if body == nil {
		return
	}
	var prompts []string
	var one string
	list := json.Unmarshal(in.Prompt, &prompts) == nil
	if !list {
		_ = json.Unmarshal(in.Prompt, &one)
		prompts = []string{one}
	}
	reply, end := s.begin(Request{
		Path:        r.URL.Path,
		Model:       in.Model,
		Prompts:     prompts,
		MaxTokens:   in.MaxTokens,
		Stream:      in.Stream,
		Header:      r.Header.Clone(),
		Temperature: in.Temperature,
		Body:        body,
	})
	defer end()
	f := wire{
		errorBody: openaiErrorBody,
		whole: func(text, _ string, u jessy.Usage) string {
			texts := []string{text}
			if list {
				texts = reply.Chunks
			}
			var choices []any
			for i := min(len(texts), len(prompts)) - 1; i >= 0; i-- {
				choices = append(choices, map[string]any{"index": i, "text": texts[i], "logprobs": nil, "finish_reason": "stop"})
			}
			if choices == nil {
				choices = []any{}
			}
			return mustJSON(map[string]any{
				"id": "cmpl-fake", "object": "text_completion", "created": 1767225600, "model": in.Model,
				"choices": choices,
				"usage":   map[string]int{"prompt_tokens": u.PromptTokens, "completion_tokens": u.CompletionTokens, "total_tokens": u.Total()},
			})
		},
	}
	play(w, r, reply, f, false)
}

func openaiEmbeddings(s *Server, w http.ResponseWriter, r *http.Request) {
	var in struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	body := readBody(w, r, &in, openaiErrorBody)
	if body == nil {
		return
	}
	var inputs []string
	var one string
	if json.Unmarshal(in.Input, &inputs) != nil {
		_ = json.Unmarshal(in.Input, &one)
		inputs = []string{one}
	}
	msgs := make([]jessy.Message, len(inputs))
	for i, text := range inputs {
		msgs[i] = jessy.Message{Role: jessy.RoleUser, Content: text}
	}
	reply, end := s.begin(Request{Path: r.URL.Path, Model: in.Model, Messages: msgs, Header: r.Header.Clone(), Body: body})
	defer end()
	f := wire{
		errorBody: openaiErrorBody,
		whole: func(string, string, jessy.Usage) string {
			data := make([]any, len(inputs))
			words := 0
			for i, text := range inputs {
				data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Embedding(text)}
				words += len(jessy.Words(text))
			}
			return mustJSON(map[string]any{
				"object": "list", "data": data, "model": in.Model,
				"usage": map[string]int{"prompt_tokens": words, "total_tokens": words},
			})
		},
	}
	play(w, r, reply, f, false)
}

func openaiModels(s *Server, w http.ResponseWriter, r *http.Request) {
	reply, end := s.begin(Request{Path: r.URL.Path, Header: r.Header.Clone()})
	defer end()
	f := wire{
		errorBody: openaiErrorBody,
		whole: func(string, string, jessy.Usage) string {
			ids := reply.Chunks
			if len(ids) == 0 {
				ids = []string{"fake-model"}
			}
			data := make([]any, len(ids))
			for i, id := range ids {
				data[i] = map[string]any{"id": id, "object": "model", "created": 1767225600, "owned_by": "providertest"}
			}
			return mustJSON(map[string]any{"object": "list", "data": data})
		},
	}
	play(w, r, reply, f, false)
}

// openaiErrorBody is OpenAI's error body for status with msg.
func openaiErrorBody(status int, msg string) string {
	if msg == "" {
		msg = http.StatusText(status)
	}
	typ, code := "server_error", any(nil)
	switch {
	case status == 400 || status == 422:
		typ = "invalid_request_error"
	case status == 401:
		typ, code = "invalid_request_error", "invalid_api_key"
	case status == 403:
		typ = "permission_error"
	case status == 404:
		typ, code = "invalid_request_error", "model_not_found"
	case status == 429 && strings.Contains(strings.ToLower(msg), "quota"):
		typ, code = "insufficient_quota", "insufficient_quota"
	case status == 429:
		typ, code = "requests", "rate_limit_exceeded"
	}
	return mustJSON(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
}

// mustJSON marshals v, which the fakes build from plain maps and slices.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("providertest: %v", err))
	}
	return string(b)
}
