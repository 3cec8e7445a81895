package ollama

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestChatErrors(t *testing.T) {
	tests := []struct {
		name        string
		reply       providertest.Reply
		model       string
		wantKind    jessy.Kind
		wantStatus  int
		wantMessage string // the error's Message, exactly; "" to skip
		wantIn      string // a part of Error(); "" to skip
		wantHint    string // a part of the hint; "" for no hint
		wantRetry   time.Duration
		wantDeltas  int
	}{{
		name:        "404 model not found",
		model:       "nope",
		reply:       providertest.Reply{Status: 404, Message: `model "nope" not found, try pulling it first`},
		wantKind:    jessy.KindModelNotFound,
		wantStatus:  404,
		wantMessage: `model "nope" not found, try pulling it first`,
		wantHint:    "ollama pull nope",
	}, {
		name:        "404 for the test model points at the script",
		model:       "stories260k",
		reply:       providertest.Reply{Status: 404, Message: `model "stories260k" not found, try pulling it first`},
		wantKind:    jessy.KindModelNotFound,
		wantStatus:  404,
		wantMessage: `model "stories260k" not found, try pulling it first`,
		wantHint:    "scripts/ollama.sh up",
	}, {
		name:        "500 keeps the server's message",
		reply:       providertest.Reply{Status: 500, Message: "llama runner process has terminated: signal: killed"},
		wantKind:    jessy.KindServer,
		wantStatus:  500,
		wantMessage: "llama runner process has terminated: signal: killed",
	}, {
		name:        "503 busy is overloaded, with Retry-After",
		reply:       providertest.Reply{Status: 503, Message: "server busy, please try again.  maximum pending requests exceeded", RetryAfter: "7"},
		wantKind:    jessy.KindOverloaded,
		wantStatus:  503,
		wantMessage: "server busy, please try again.  maximum pending requests exceeded",
		wantRetry:   7 * time.Second,
	}, {
		name:       "429 is rate limited",
		reply:      providertest.Reply{Status: 429, Message: "slow down", RetryAfter: "2"},
		wantKind:   jessy.KindRateLimited,
		wantStatus: 429,
		wantRetry:  2 * time.Second,
	}, {
		name:        "400 is a bad request",
		reply:       providertest.Reply{Status: 400, Message: "invalid options"},
		wantKind:    jessy.KindBadRequest,
		wantStatus:  400,
		wantMessage: "invalid options",
	}, {
		name:       "401 is auth",
		reply:      providertest.Reply{Status: 401, Message: "unauthorized"},
		wantKind:   jessy.KindAuth,
		wantStatus: 401,
	}, {
		// What Ollama v0.11.4 sends when its runner dies mid-answer.
		name:        "error line mid-stream is an error",
		reply:       providertest.Reply{Chunks: []string{"Once", " upon"}, Message: "an error was encountered while running the model: unexpected EOF"},
		wantKind:    jessy.KindServer,
		wantMessage: "an error was encountered while running the model: unexpected EOF",
		wantDeltas:  2,
	}, {
		name:       "cut stream",
		reply:      providertest.Reply{Chunks: []string{"Once", " upon", " a"}, CutAfter: 2},
		wantKind:   jessy.KindProtocol,
		wantIn:     "stream ended before done",
		wantDeltas: 2,
	}, {
		name:       "malformed line",
		reply:      providertest.Reply{Chunks: []string{"Once"}, Malformed: true},
		wantKind:   jessy.KindProtocol,
		wantIn:     "malformed line",
		wantDeltas: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewOllama(t, providertest.Always(tt.reply))
			p := newProvider(t, srv.URL)
			req := ask("hi")
			if tt.model != "" {
				req.Model = tt.model
			}
			var rec recorder
			_, err := p.Chat(context.Background(), req, rec.fn)
			checkError(t, err, tt.wantKind, "ollama at "+srv.URL)
			je := asError(t, err)
			if je.Status != tt.wantStatus {
				t.Errorf("Status = %d, want %d", je.Status, tt.wantStatus)
			}
			if tt.wantMessage != "" && je.Message != tt.wantMessage {
				t.Errorf("Message = %q, want %q", je.Message, tt.wantMessage)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not say %q", err, tt.wantIn)
			}
			if tt.wantHint == "" && je.Hint != "" && tt.wantKind != jessy.KindModelNotFound {
				t.Errorf("Hint = %q, want none", je.Hint)
			}
			if !strings.Contains(je.Hint, tt.wantHint) {
				t.Errorf("Hint = %q, want it to say %q", je.Hint, tt.wantHint)
			}
			if je.RetryAfter != tt.wantRetry {
				t.Errorf("RetryAfter = %v, want %v", je.RetryAfter, tt.wantRetry)
			}
			if len(rec.deltas) != tt.wantDeltas {
				t.Errorf("fn got %d deltas before the error, want %d", len(rec.deltas), tt.wantDeltas)
			}
		})
	}
}

// checkError fails t unless err is a *jessy.Error of kind from backend.
func checkError(t *testing.T, err error, kind jessy.Kind, backend string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", kind)
	}
	je := asError(t, err)
	if je.Kind != kind {
		t.Errorf("kind = %v, want %v (err: %v)", je.Kind, kind, err)
	}
	if je.Backend != backend {
		t.Errorf("Backend = %q, want %q", je.Backend, backend)
	}
}

func asError(t *testing.T, err error) *jessy.Error {
	t.Helper()
	var je *jessy.Error
	if !errors.As(err, &je) {
		t.Fatalf("err = %#v (%v), want a *jessy.Error", err, err)
	}
	return je
}

func TestChatEndWithoutDoneIsProtocolError(t *testing.T) {
	// A body that ends cleanly but never says done: Ollama's client returns
	// nil for it, so Chat must notice on its own.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprintln(w, `{"model":"m","message":{"role":"assistant","content":"Once"},"done":false}`)
	}))
	defer srv.Close()
	p := newProvider(t, srv.URL)
	var rec recorder
	_, err := p.Chat(context.Background(), ask("hi"), rec.fn)
	checkError(t, err, jessy.KindProtocol, "ollama at "+srv.URL)
	if !strings.Contains(err.Error(), "stream ended before done") {
		t.Errorf("err = %v, want it to say the stream ended before done", err)
	}
	if rec.text() != "Once" {
		t.Errorf("text = %q, want the piece before the end", rec.text())
	}
}

func TestChatUnreachable(t *testing.T) {
	addr := closedPort(t)
	p := newProvider(t, "http://"+addr)
	_, err := p.Chat(context.Background(), ask("hi"), func(jessy.Delta) error {
		t.Error("fn called without a server")
		return nil
	})
	checkError(t, err, jessy.KindUnreachable, "ollama at http://"+addr)
	je := asError(t, err)
	if !strings.Contains(je.Message, addr) || !strings.Contains(je.Message, "connection refused") {
		t.Errorf("Message = %q, want the address and the reason", je.Message)
	}
	for _, want := range []string{"ollama serve", "OLLAMA_HOST", "scripts/ollama.sh up"} {
		if !strings.Contains(je.Hint, want) {
			t.Errorf("Hint = %q, want it to mention %q", je.Hint, want)
		}
	}
	if !jessy.KindUnreachable.Retryable() {
		t.Error("unreachable should be retryable")
	}
}

func TestChatDeadline(t *testing.T) {
	tests := []struct {
		name  string
		reply providertest.Reply
		fn    int // deltas expected before the deadline
	}{
		{"stalled stream", providertest.Reply{Chunks: []string{"Once", " upon", " a", " time"}, StallAfter: 1}, 1},
		{"no headers", providertest.Reply{Hang: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := providertest.NewOllama(t, providertest.Always(tt.reply))
			p := newProvider(t, srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			var rec recorder
			start := time.Now()
			_, err := p.Chat(ctx, ask("hi"), rec.fn)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Chat took %v after a 200ms deadline", took)
			}
			checkError(t, err, jessy.KindTimeout, "ollama at "+srv.URL)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want errors.Is(err, context.DeadlineExceeded)", err)
			}
			if jessy.KindOf(err) != jessy.KindTimeout {
				t.Errorf("KindOf = %v, want timeout", jessy.KindOf(err))
			}
			if len(rec.deltas) != tt.fn {
				t.Errorf("got %d deltas, want %d", len(rec.deltas), tt.fn)
			}
			if !srv.WaitIdle(2 * time.Second) {
				t.Error("the server still has the call in flight")
			}
		})
	}
}

// rawServer answers every request with status and body, as given.
func rawServer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestChatLongLines(t *testing.T) {
	// The line buffer starts small and grows as far as Ollama's own client
	// allows (8 MB); a longer line is a protocol error, not a hang or a
	// bare bufio error.
	chunk := func(content string) string {
		return `{"model":"m","message":{"role":"assistant","content":"` + content + `"},"done":false}` + "\n"
	}
	const doneLine = `{"model":"m","message":{"role":"assistant","content":""},"done":true,"prompt_eval_count":1,"eval_count":2}` + "\n"
	long := strings.Repeat("x", 1<<20)
	url := rawServer(t, 200, chunk("a")+chunk(long)+doneLine)
	var rec recorder
	usage, err := newProvider(t, url).Chat(context.Background(), ask("hi"), rec.fn)
	if err != nil || rec.text() != "a"+long || usage.CompletionTokens != 2 {
		t.Errorf("1 MB line: %d bytes of text, usage %+v, err %v", len(rec.text()), usage, err)
	}

	url = rawServer(t, 200, chunk("a")+chunk(strings.Repeat("x", maxLine))+doneLine)
	rec = recorder{}
	_, err = newProvider(t, url).Chat(context.Background(), ask("hi"), rec.fn)
	checkError(t, err, jessy.KindProtocol, "ollama at "+url)
	if !strings.Contains(err.Error(), "longer than 8 MB") {
		t.Errorf("err = %v, want it to say the line is too long", err)
	}
	if rec.text() != "a" {
		t.Errorf("text = %q, want the piece before the long line", rec.text())
	}
}

func TestChatStatusBodies(t *testing.T) {
	tests := []struct {
		name, body  string
		status      int
		kind        jessy.Kind
		wantMessage string
	}{
		{"empty body", "", 503, jessy.KindOverloaded, "Service Unavailable"},
		{"plain text", "upstream connect error\n", 502, jessy.KindServer, "upstream connect error"},
		{"JSON error", `{"error":"no key"}` + "\n", 401, jessy.KindAuth, "no key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rawServer(t, tt.status, tt.body)
			_, err := newProvider(t, url).Chat(context.Background(), ask("hi"), func(jessy.Delta) error { return nil })
			checkError(t, err, tt.kind, "ollama at "+url)
			if je := asError(t, err); je.Status != tt.status || je.Message != tt.wantMessage {
				t.Errorf("status %d message %q, want %d %q", je.Status, je.Message, tt.status, tt.wantMessage)
			}
		})
	}
}

// A base URL's credentials never reach an error, the backend's name or Host.
func TestCredentialsRedacted(t *testing.T) {
	addr := closedPort(t)
	p := newProvider(t, "http://jessy:s3cret@"+addr)
	_, err := p.Chat(context.Background(), ask("hi"), func(jessy.Delta) error { return nil })
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(p.Host(), "s3cret") {
		t.Errorf("error %q, host %q: the password shows", err, p.Host())
	}
	if jessy.KindOf(err) != jessy.KindUnreachable {
		t.Errorf("kind %v, want unreachable", jessy.KindOf(err))
	}
}
