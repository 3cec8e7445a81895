package providertest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

// NewAnthropic starts a fake Anthropic Messages API server. A client's base
// URL is s.URL (the paths start with /v1). It is closed when t ends.
//
// Every POST /v1/messages takes the next reply of script and is recorded,
// with the system parameter in Request.System. With "stream": true it sends
// the documented event sequence: message_start (usage.input_tokens from
// Reply.Usage), a thinking content block (content_block_start, one
// thinking_delta per reasoning piece, content_block_stop), a text block (one
// text_delta per chunk), message_delta (stop_reason and usage.output_tokens)
// and message_stop. Without it, one message object. A 2xx Reply with a
// Message streams its chunks and then an error event with the Message in
// place of the end of the stream, as the API reports a failure mid-stream.
//
// A non-2xx Reply sends {"type": "error", "error": {"type", "message"}} with
// that status, the error type chosen from the status as the API does (429:
// rate_limit_error, 529: overloaded_error, ...), and Retry-After when set.
// GET /v1/models lists Reply.Chunks as model ids, or "fake-model".
//
// Like the real API, it refuses (400) a request without max_tokens and a
// message whose role is not user or assistant.
func NewAnthropic(t testing.TB, script Script) *Server {
	return newServer(t, script, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) { anthropicMessages(s, w, r) })
		mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) { anthropicModels(s, w, r) })
		return mux
	})
}

// anthropicRequest is the part of a Messages API request the fake reads.
type anthropicRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    jessy.Role      `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	System      json.RawMessage `json:"system"`
	MaxTokens   *int            `json:"max_tokens"`
	Temperature *float64        `json:"temperature"`
	Stream      bool            `json:"stream"`
}

func anthropicMessages(s *Server, w http.ResponseWriter, r *http.Request) {
	var in anthropicRequest
	body := readBody(w, r, &in, anthropicErrorBody)
	if body == nil {
		return
	}
	msgs := make([]jessy.Message, len(in.Messages))
	refuse := ""
	for i, m := range in.Messages {
		msgs[i] = jessy.Message{Role: m.Role, Content: textContent(m.Content)}
		if m.Role != jessy.RoleUser && m.Role != jessy.RoleAssistant {
			refuse = "messages: role must be user or assistant, not " + string(m.Role)
		}
	}
	if in.MaxTokens == nil {
		refuse = "max_tokens: Field required"
	}
	maxTokens := 0
	if in.MaxTokens != nil {
		maxTokens = *in.MaxTokens
	}
	reply, end := s.begin(Request{
		Path:        r.URL.Path,
		Model:       in.Model,
		Messages:    msgs,
		MaxTokens:   maxTokens,
		Stream:      in.Stream,
		Header:      r.Header.Clone(),
		Temperature: in.Temperature,
		System:      textContent(in.System),
		Body:        body,
	})
	defer end()
	if refuse != "" {
		reply = Reply{Status: http.StatusBadRequest, Message: refuse}
	}
	play(w, r, reply, anthropicWire(in.Model, reply), in.Stream)
}

// anthropicWire is the Messages API SSE format for one reply to model. It
// keeps which content block is open, since play sends events one by one.
func anthropicWire(model string, reply Reply) wire {
	event := func(v map[string]any) string {
		return "event: " + v["type"].(string) + "\ndata: " + mustJSON(v) + "\n\n"
	}
	started := false
	block, index := "", -1
	start := func() string {
		if started {
			return ""
		}
		started = true
		return event(map[string]any{"type": "message_start", "message": map[string]any{
			"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
			"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
			"usage": map[string]int{"input_tokens": reply.Usage.PromptTokens, "output_tokens": 1},
		}})
	}
	closeBlock := func() string {
		if block == "" {
			return ""
		}
		out := ""
		if block == "thinking" {
			out = event(map[string]any{"type": "content_block_delta", "index": index, "delta": map[string]any{"type": "signature_delta", "signature": "fake-signature"}})
		}
		block = ""
		return out + event(map[string]any{"type": "content_block_stop", "index": index})
	}
	delta := func(kind, text string) string {
		out := start()
		if block != kind {
			out += closeBlock()
			block = kind
			index++
			cb := map[string]any{"type": "text", "text": ""}
			if kind == "thinking" {
				cb = map[string]any{"type": "thinking", "thinking": "", "signature": ""}
			}
			out += event(map[string]any{"type": "content_block_start", "index": index, "content_block": cb})
		}
		d := map[string]any{"type": "text_delta", "text": text}
		if kind == "thinking" {
			d = map[string]any{"type": "thinking_delta", "thinking": text}
		}
		return out + event(map[string]any{"type": "content_block_delta", "index": index, "delta": d})
	}
	return wire{
		contentType: "text/event-stream",
		errorBody:   anthropicErrorBody,
		reasoning:   func(text string) string { return delta("thinking", text) },
		chunk:       func(text string) string { return delta("text", text) },
		end: func(u jessy.Usage) string {
			if reply.Message != "" {
				return start() + event(map[string]any{"type": "error", "error": map[string]any{"type": "api_error", "message": reply.Message}})
			}
			return start() + closeBlock() +
				event(map[string]any{"type": "message_delta",
					"delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
					"usage": map[string]int{"output_tokens": u.CompletionTokens}}) +
				event(map[string]any{"type": "message_stop"})
		},
		whole: func(text, reasoning string, u jessy.Usage) string {
			content := []any{}
			if reasoning != "" {
				content = append(content, map[string]any{"type": "thinking", "thinking": reasoning, "signature": "fake-signature"})
			}
			content = append(content, map[string]any{"type": "text", "text": text})
			return mustJSON(map[string]any{
				"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
				"content": content, "stop_reason": "end_turn", "stop_sequence": nil,
				"usage": map[string]int{"input_tokens": u.PromptTokens, "output_tokens": u.CompletionTokens},
			})
		},
		malformed: func() string {
			return start() + "event: content_block_delta\ndata: {\"this is\": not json\n\n"
		},
	}
}

func anthropicModels(s *Server, w http.ResponseWriter, r *http.Request) {
	reply, end := s.begin(Request{Path: r.URL.Path, Header: r.Header.Clone()})
	defer end()
	f := wire{
		errorBody: anthropicErrorBody,
		whole: func(string, string, jessy.Usage) string {
			ids := reply.Chunks
			if len(ids) == 0 {
				ids = []string{"fake-model"}
			}
			data := make([]any, len(ids))
			for i, id := range ids {
				data[i] = map[string]any{"type": "model", "id": id, "display_name": id, "created_at": "2026-01-01T00:00:00Z"}
			}
			return mustJSON(map[string]any{"data": data, "has_more": false, "first_id": ids[0], "last_id": ids[len(ids)-1]})
		},
	}
	play(w, r, reply, f, false)
}

// anthropicErrorBody is the Messages API error body for status with msg.
func anthropicErrorBody(status int, msg string) string {
	if msg == "" {
		msg = http.StatusText(status)
	}
	typ := "api_error"
	switch status {
	case 400, 422:
		typ = "invalid_request_error"
	case 401:
		typ = "authentication_error"
	case 402:
		typ = "billing_error"
	case 403:
		typ = "permission_error"
	case 404:
		typ = "not_found_error"
	case 413:
		typ = "request_too_large"
	case 429:
		typ = "rate_limit_error"
	case 503, 529:
		typ = "overloaded_error"
	case 504:
		typ = "timeout_error"
	}
	if strings.Contains(strings.ToLower(msg), "credit balance") {
		typ = "billing_error"
	}
	return mustJSON(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}, "request_id": "req_fake"})
}
