package faults

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
)

// fuzzStream feeds arbitrary bytes to fm's provider as the body of a 200
// streamed response, and checks what a provider promises of untrusted
// input: it never panics, returns before its deadline, and either answers
// or fails with a *jessy.Error that says what was wrong. A success needs the
// stream's end marker (a cut stream is an error). A provider may report a
// complete stream without text as a success; then the engine, which holds
// that rule for every provider, must turn it into a KindProtocol failure,
// so that a run never ends in an empty success.
func fuzzStream(f *testing.F, fm format) {
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", fm.contentType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(*body.Load())
	}))
	f.Cleanup(srv.Close)
	p := fm.provider(f, srv.URL)
	f.Fuzz(func(t *testing.T, data []byte) {
		body.Store(&data)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		var text, reasoning strings.Builder
		_, err := p.Chat(ctx, jessy.ChatRequest{Model: "m", Messages: question}, func(d jessy.Delta) error {
			text.WriteString(d.Text)
			reasoning.WriteString(d.Reasoning)
			return nil
		})
		if ctx.Err() != nil {
			t.Fatalf("the provider hung on %q: %v", data, err)
		}
		if err != nil {
			var je *jessy.Error
			if !errors.As(err, &je) || err.Error() == "" {
				t.Fatalf("error %v (%T) is not a *jessy.Error saying what was wrong", err, err)
			}
			return
		}
		if !slices.ContainsFunc(fm.ends, func(m string) bool { return strings.Contains(string(data), m) }) {
			t.Fatalf("success without an end marker %q in %q", fm.ends, data)
		}
		if strings.TrimSpace(text.String()) != "" {
			return
		}
		e := engine.New(engine.Target{Backend: fm.name, Provider: p, Model: "m"}, engine.Options{Thoughts: 1})
		res, err := e.Run(ctx, question, nil)
		if jessy.KindOf(err) != jessy.KindProtocol || !strings.Contains(err.Error(), "empty answer") || res.Answer() != "" {
			t.Fatalf("the engine let an empty answer through on %q: %v", data, err)
		}
	})
}

func FuzzOllamaStream(f *testing.F) { fuzzStream(f, formatNamed(f, "ollama")) }

func FuzzOpenAIStream(f *testing.F) { fuzzStream(f, formatNamed(f, "openai")) }

func FuzzAnthropicStream(f *testing.F) { fuzzStream(f, formatNamed(f, "anthropic")) }

func formatNamed(tb testing.TB, name string) format {
	for _, fm := range formats() {
		if fm.name == name {
			return fm
		}
	}
	tb.Fatalf("no format %q", name)
	return format{}
}
