package openai_test

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/openai"
	"github.com/jessy-llm/jessy/providertest"
)

func TestChatErrors(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name      string
		reply     providertest.Reply
		wantKind  jessy.Kind
		wantHTTP  int
		wantMsg   string
		wantRetry [2]time.Duration // bounds of RetryAfter
		wantText  string           // text streamed before the error
	}{
		{name: "rate limited, Retry-After in seconds", reply: providertest.Reply{Status: 429, Message: "slow down", RetryAfter: "7"},
			wantKind: jessy.KindRateLimited, wantHTTP: 429, wantMsg: "slow down", wantRetry: [2]time.Duration{7 * time.Second, 7 * time.Second}},
		{name: "rate limited, Retry-After as HTTP date", reply: providertest.Reply{Status: 429, Message: "slow down", RetryAfter: date},
			wantKind: jessy.KindRateLimited, wantHTTP: 429, wantMsg: "slow down", wantRetry: [2]time.Duration{20 * time.Second, 31 * time.Second}},
		{name: "quota exhausted", reply: providertest.Reply{Status: 429, Message: "You exceeded your current quota"},
			wantKind: jessy.KindQuota, wantHTTP: 429, wantMsg: "exceeded your current quota"},
		{name: "model not found", reply: providertest.Reply{Status: 404, Message: "The model `m` does not exist"},
			wantKind: jessy.KindModelNotFound, wantHTTP: 404, wantMsg: "does not exist"},
		{name: "bad key", reply: providertest.Reply{Status: 401, Message: "Incorrect API key provided"},
			wantKind: jessy.KindAuth, wantHTTP: 401, wantMsg: "Incorrect API key"},
		{name: "bad request", reply: providertest.Reply{Status: 400, Message: "max_tokens is too large"},
			wantKind: jessy.KindBadRequest, wantHTTP: 400, wantMsg: "max_tokens is too large"},
		{name: "server error", reply: providertest.Reply{Status: 500, Message: "engine crashed"},
			wantKind: jessy.KindServer, wantHTTP: 500, wantMsg: "engine crashed"},
		{name: "overloaded", reply: providertest.Reply{Status: 503, Message: "busy", RetryAfter: "2"},
			wantKind: jessy.KindOverloaded, wantHTTP: 503, wantMsg: "busy", wantRetry: [2]time.Duration{2 * time.Second, 2 * time.Second}},
		{name: "error inside the stream", reply: providertest.Reply{Chunks: []string{"half ", "an "}, Message: "CUDA out of memory"},
			wantKind: jessy.KindServer, wantMsg: "CUDA out of memory", wantText: "half an "},
		{name: "stream cut before [DONE]", reply: providertest.Reply{Chunks: []string{"a", "b", "c"}, CutAfter: 2},
			wantKind: jessy.KindProtocol, wantMsg: "stream ended before [DONE]", wantText: "ab"},
		{name: "stream cut after the last chunk", reply: providertest.Reply{Chunks: []string{"a", "b"}, CutAfter: 2},
			wantKind: jessy.KindProtocol, wantMsg: "stream ended before [DONE]", wantText: "ab"},
		{name: "malformed JSON", reply: providertest.Reply{Chunks: []string{"a"}, Malformed: true},
			wantKind: jessy.KindProtocol, wantMsg: "malformed", wantText: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewOpenAI(t, providertest.Always(tt.reply))
			p := newProvider(t, s, "")
			ds, _, err := chat(t.Context(), p, ask("why?"))
			var je *jessy.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v (%T), want a *jessy.Error", err, err)
			}
			if je.Kind != tt.wantKind || je.Status != tt.wantHTTP || !strings.Contains(je.Message, tt.wantMsg) {
				t.Errorf("got kind %v status %d message %q, want %v %d %q", je.Kind, je.Status, je.Message, tt.wantKind, tt.wantHTTP, tt.wantMsg)
			}
			if want := "openai at " + s.URL + "/v1"; je.Backend != want {
				t.Errorf("backend %q, want %q", je.Backend, want)
			}
			if je.RetryAfter < tt.wantRetry[0] || je.RetryAfter > tt.wantRetry[1] {
				t.Errorf("RetryAfter %v, want within %v", je.RetryAfter, tt.wantRetry)
			}
			if text, _ := join(ds); text != tt.wantText {
				t.Errorf("streamed %q before the error, want %q", text, tt.wantText)
			}
		})
	}
}

// TestChatServerDialects covers what real servers send beside the fake's
// shapes: other reasoning fields, streams without [DONE], other error
// bodies.
func TestChatServerDialects(t *testing.T) {
	chunk := func(delta, finish string) string {
		return `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + finish + `}]}` + "\n\n"
	}
	tests := []struct {
		name          string
		status        int
		contentType   string
		body          string
		wantText      string
		wantReasoning string
		wantKind      jessy.Kind // KindOther: no error
		wantMsg       string
	}{
		{name: "reasoning field (Ollama, OpenRouter)", contentType: "text/event-stream",
			body:     chunk(`{"reasoning":"hmm"}`, "null") + chunk(`{"content":"ok"}`, "null") + "data: [DONE]\n\n",
			wantText: "ok", wantReasoning: "hmm"},
		{name: "finish_reason then clean end without [DONE]", contentType: "text/event-stream",
			body:     chunk(`{"content":"ok"}`, "null") + chunk(`{}`, `"stop"`),
			wantText: "ok"},
		{name: "clean end without finish_reason or [DONE]", contentType: "text/event-stream",
			body:     chunk(`{"content":"ok"}`, "null"),
			wantText: "ok", wantKind: jessy.KindProtocol, wantMsg: "stream ended before [DONE]"},
		{name: "vLLM error in the stream with numeric code", contentType: "text/event-stream",
			body:     `data: {"error":{"object":"error","message":"prompt too long","type":"BadRequestError","code":400}}` + "\n\n",
			wantKind: jessy.KindBadRequest, wantMsg: "prompt too long"},
		{name: "error as a bare string", contentType: "text/event-stream",
			body:     `data: {"error":"model crashed"}` + "\n\n",
			wantKind: jessy.KindServer, wantMsg: "model crashed"},
		{name: "older vLLM error body at top level", status: 404, contentType: "application/json",
			body:     `{"object":"error","message":"The model m does not exist.","type":"NotFoundError","param":null,"code":404}`,
			wantKind: jessy.KindModelNotFound, wantMsg: "does not exist"},
		{name: "llama.cpp error body with numeric code", status: 503, contentType: "application/json",
			body:     `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`,
			wantKind: jessy.KindOverloaded, wantMsg: "Loading model"},
		{name: "model_not_found code on a 400", status: 400, contentType: "application/json",
			body:     `{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found"}}`,
			wantKind: jessy.KindModelNotFound, wantMsg: "no such model"},
		{name: "plain-text body from a proxy", status: 502, contentType: "text/plain",
			body:     "upstream connect error",
			wantKind: jessy.KindServer, wantMsg: "upstream connect error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rawProvider(t, cmp.Or(tt.status, 200), tt.contentType, tt.body)
			ds, _, err := chat(t.Context(), p, ask("hi"))
			if text, reasoning := join(ds); text != tt.wantText || reasoning != tt.wantReasoning {
				t.Errorf("text %q reasoning %q, want %q and %q", text, reasoning, tt.wantText, tt.wantReasoning)
			}
			if tt.wantKind == jessy.KindOther {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var je *jessy.Error
			if !errors.As(err, &je) || je.Kind != tt.wantKind || !strings.Contains(je.Message, tt.wantMsg) {
				t.Fatalf("error %v, want %v with %q", err, tt.wantKind, tt.wantMsg)
			}
		})
	}
}

func TestChatConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, err := openai.New(openai.Config{BaseURL: "http://" + addr + "/v1", HTTPClient: &http.Client{Transport: &http.Transport{}}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = chat(t.Context(), p, ask("hi"))
	var je *jessy.Error
	if !errors.As(err, &je) || je.Kind != jessy.KindUnreachable || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v, want KindUnreachable naming %s", err, addr)
	}
	if !je.Kind.Retryable() {
		t.Error("a refused connection should be retryable")
	}
}

func TestChatDeadline(t *testing.T) {
	tests := []struct {
		name  string
		reply providertest.Reply
	}{
		{"stalled mid-stream", providertest.Reply{Chunks: []string{"a", "b", "c"}, StallAfter: 1}},
		{"no response headers", providertest.Reply{Hang: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewOpenAI(t, providertest.Always(tt.reply))
			p := newProvider(t, s, "")
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, _, err := chat(ctx, p, ask("hi"))
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("returned after %v, want promptly after the 200ms deadline", took)
			}
			if !errors.Is(err, context.DeadlineExceeded) || jessy.KindOf(err) != jessy.KindTimeout {
				t.Fatalf("error %v (kind %v), want DeadlineExceeded and KindTimeout", err, jessy.KindOf(err))
			}
			if !s.WaitIdle(2 * time.Second) {
				t.Error("the call is still in flight at the server")
			}
		})
	}
}

func TestChatCancelLeavesNothingInFlight(t *testing.T) {
	words := providertest.SplitWords("one two three four five six seven eight nine ten")
	tests := []struct {
		name  string
		reply providertest.Reply
	}{
		{"server still streaming", providertest.Reply{Chunks: words, ChunkDelay: 50 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewOpenAI(t, providertest.Always(tt.reply))
			p := newProvider(t, s, "")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			n := 0
			_, err := p.Chat(ctx, ask("hi"), func(jessy.Delta) error {
				if n++; n == 1 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) || jessy.KindOf(err) != jessy.KindCanceled {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if n != 1 {
				t.Errorf("%d deltas after the cancel, want none", n-1)
			}
			if !s.WaitIdle(2 * time.Second) {
				t.Error("the call is still in flight at the server")
			}
		})
	}
}

func TestChatFnErrorStopsStream(t *testing.T) {
	s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{
		Chunks: providertest.SplitWords("one two three four"), ChunkDelay: 20 * time.Millisecond,
	}))
	p := newProvider(t, s, "")
	stop := errors.New("enough")
	n := 0
	_, err := p.Chat(t.Context(), ask("hi"), func(jessy.Delta) error {
		n++
		return stop
	})
	if err != stop {
		t.Fatalf("error %v, want fn's error unchanged", err)
	}
	if n != 1 {
		t.Errorf("fn called %d times, want 1", n)
	}
	if !s.WaitIdle(2 * time.Second) {
		t.Error("the call is still in flight at the server")
	}
}

func TestNoSDKRetries(t *testing.T) {
	for _, status := range []int{429, 500, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{Status: status, RetryAfter: "0"}))
			p := newProvider(t, s, "")
			if _, _, err := chat(t.Context(), p, ask("hi")); err == nil {
				t.Fatal("no error")
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("%d requests, want exactly 1 (Jessy retries, not the SDK)", n)
			}
		})
	}
}

// TestChatNoDeltaAfterCancel: deltas already read into the client's buffer
// must not reach fn once ctx is cancelled. The server sends the whole stream
// in one write so that the rest of it is buffered when fn cancels.
func TestChatNoDeltaAfterCancel(t *testing.T) {
	var body strings.Builder
	for _, w := range providertest.SplitWords("one two three four five six seven eight") {
		body.WriteString(`data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"` + w + `"},"finish_reason":null}]}` + "\n\n")
	}
	body.WriteString("data: [DONE]\n\n")
	p := rawProvider(t, 200, "text/event-stream", body.String())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n := 0
	_, err := p.Chat(ctx, ask("hi"), func(jessy.Delta) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("%d deltas, error %v; want 1 delta and context.Canceled", n, err)
	}
}
