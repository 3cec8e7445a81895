package anthropic_test

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
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
		{name: "overloaded 529", reply: providertest.Reply{Status: 529, Message: "Overloaded"},
			wantKind: jessy.KindOverloaded, wantHTTP: 529, wantMsg: "Overloaded"},
		{name: "rate limited, Retry-After in seconds", reply: providertest.Reply{Status: 429, Message: "slow down", RetryAfter: "12"},
			wantKind: jessy.KindRateLimited, wantHTTP: 429, wantMsg: "slow down", wantRetry: [2]time.Duration{12 * time.Second, 12 * time.Second}},
		{name: "rate limited, Retry-After as HTTP date", reply: providertest.Reply{Status: 429, Message: "slow down", RetryAfter: date},
			wantKind: jessy.KindRateLimited, wantHTTP: 429, wantMsg: "slow down", wantRetry: [2]time.Duration{20 * time.Second, 31 * time.Second}},
		{name: "credit balance too low", reply: providertest.Reply{Status: 400, Message: "Your credit balance is too low"},
			wantKind: jessy.KindQuota, wantHTTP: 400, wantMsg: "credit balance"},
		{name: "model not found", reply: providertest.Reply{Status: 404, Message: "model: claude-x"},
			wantKind: jessy.KindModelNotFound, wantHTTP: 404, wantMsg: "model: claude-x"},
		{name: "bad key", reply: providertest.Reply{Status: 401, Message: "invalid x-api-key"},
			wantKind: jessy.KindAuth, wantHTTP: 401, wantMsg: "invalid x-api-key"},
		{name: "server error", reply: providertest.Reply{Status: 500, Message: "Internal server error"},
			wantKind: jessy.KindServer, wantHTTP: 500, wantMsg: "Internal server error"},
		{name: "error event inside the stream", reply: providertest.Reply{Chunks: []string{"half ", "an "}, Message: "Overloaded mid-stream"},
			wantKind: jessy.KindServer, wantMsg: "Overloaded mid-stream", wantText: "half an "},
		{name: "stream cut before message_stop", reply: providertest.Reply{Chunks: []string{"a", "b", "c"}, CutAfter: 2},
			wantKind: jessy.KindProtocol, wantMsg: "stream ended before message_stop", wantText: "ab"},
		{name: "stream cut after the last chunk", reply: providertest.Reply{Chunks: []string{"a", "b"}, CutAfter: 2},
			wantKind: jessy.KindProtocol, wantMsg: "stream ended before message_stop", wantText: "ab"},
		{name: "malformed JSON", reply: providertest.Reply{Chunks: []string{"a"}, Malformed: true},
			wantKind: jessy.KindProtocol, wantMsg: "malformed", wantText: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewAnthropic(t, providertest.Always(tt.reply))
			p := newProvider(t, s.URL, 0)
			ds, _, err := chat(t.Context(), p, ask("why?"))
			var je *jessy.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v (%T), want a *jessy.Error", err, err)
			}
			if je.Kind != tt.wantKind || je.Status != tt.wantHTTP || !strings.Contains(je.Message, tt.wantMsg) {
				t.Errorf("got kind %v status %d message %q, want %v %d %q", je.Kind, je.Status, je.Message, tt.wantKind, tt.wantHTTP, tt.wantMsg)
			}
			if want := "anthropic at " + s.URL; je.Backend != want {
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

// TestChatStreamDialects covers event streams the fake does not send.
func TestChatStreamDialects(t *testing.T) {
	ev := func(typ, data string) string { return "event: " + typ + "\ndata: " + data + "\n\n" }
	start := ev("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{"input_tokens":5,"cache_read_input_tokens":2,"output_tokens":1}}}`)
	text := ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
		ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}`) +
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
	tests := []struct {
		name      string
		body      string
		wantKind  jessy.Kind // KindOther: no error
		wantMsg   string
		wantUsage jessy.Usage
	}{
		{name: "pings and cached input tokens",
			body: start + ev("ping", `{"type":"ping"}`) + text +
				ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}`) +
				ev("message_stop", `{"type":"message_stop"}`),
			wantUsage: jessy.Usage{PromptTokens: 7, CompletionTokens: 4}},
		{name: "clean end without message_stop",
			body:     start + text + ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}`),
			wantKind: jessy.KindProtocol, wantMsg: "stream ended before message_stop"},
		{name: "overloaded error event",
			body:     start + ev("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`),
			wantKind: jessy.KindOverloaded, wantMsg: "Overloaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p := newProvider(t, srv.URL, 0)
			_, u, err := chat(t.Context(), p, ask("hi"))
			if tt.wantKind == jessy.KindOther {
				if err != nil || u != tt.wantUsage {
					t.Fatalf("usage %+v, error %v; want %+v", u, err, tt.wantUsage)
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
	p := newProvider(t, "http://"+addr, 0)
	_, _, err = chat(t.Context(), p, ask("hi"))
	var je *jessy.Error
	if !errors.As(err, &je) || je.Kind != jessy.KindUnreachable || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v, want KindUnreachable naming %s", err, addr)
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
			s := providertest.NewAnthropic(t, providertest.Always(tt.reply))
			p := newProvider(t, s.URL, 0)
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
			s := providertest.NewAnthropic(t, providertest.Always(tt.reply))
			p := newProvider(t, s.URL, 0)
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
	s := providertest.NewAnthropic(t, providertest.Always(providertest.Reply{
		Chunks: providertest.SplitWords("one two three four"), ChunkDelay: 20 * time.Millisecond,
	}))
	p := newProvider(t, s.URL, 0)
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
	for _, status := range []int{429, 500, 503, 529} {
		t.Run(cmp.Or(http.StatusText(status), "529"), func(t *testing.T) {
			s := providertest.NewAnthropic(t, providertest.Always(providertest.Reply{Status: status, RetryAfter: "0"}))
			p := newProvider(t, s.URL, 0)
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
	ev := func(typ, data string) string { return "event: " + typ + "\ndata: " + data + "\n\n" }
	var body strings.Builder
	body.WriteString(ev("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}`))
	body.WriteString(ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`))
	for _, w := range providertest.SplitWords("one two three four five six seven eight") {
		body.WriteString(ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`+w+`"}}`))
	}
	body.WriteString(ev("content_block_stop", `{"type":"content_block_stop","index":0}`))
	body.WriteString(ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":8}}`))
	body.WriteString(ev("message_stop", `{"type":"message_stop"}`))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(body.String()))
	}))
	t.Cleanup(srv.Close)
	p := newProvider(t, srv.URL, 0)
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
