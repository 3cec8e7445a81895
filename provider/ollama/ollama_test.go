package ollama

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// newProvider returns a Provider for the server at url.
func newProvider(t *testing.T, url string) *Provider {
	t.Helper()
	p, err := New(Config{Host: url})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ask(text string) jessy.ChatRequest {
	return jessy.ChatRequest{Model: "stories260k", Messages: []jessy.Message{{Role: jessy.RoleUser, Content: text}}}
}

// recorder collects the deltas of a call.
type recorder struct {
	deltas []jessy.Delta
}

func (r *recorder) fn(d jessy.Delta) error {
	r.deltas = append(r.deltas, d)
	return nil
}

func (r *recorder) text() string {
	var b strings.Builder
	for _, d := range r.deltas {
		b.WriteString(d.Text)
	}
	return b.String()
}

func (r *recorder) reasoning() string {
	var b strings.Builder
	for _, d := range r.deltas {
		b.WriteString(d.Reasoning)
	}
	return b.String()
}

func TestChatStreamsTextAndUsage(t *testing.T) {
	const answer = "Once upon a time there was a cat."
	srv := providertest.NewOllama(t, providertest.Always(providertest.Reply{
		Chunks:     providertest.SplitWords(answer),
		ChunkDelay: time.Millisecond,
		Usage:      jessy.Usage{PromptTokens: 7, CompletionTokens: 9},
	}))
	p := newProvider(t, srv.URL)
	var rec recorder
	req := ask("Tell me a story")
	req.Messages = append([]jessy.Message{{Role: jessy.RoleSystem, Content: "Be brief."}}, req.Messages...)

	usage, err := p.Chat(context.Background(), req, rec.fn)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.text(); got != answer {
		t.Errorf("text = %q, want %q", got, answer)
	}
	// One delta per chunk: the answer is streamed, not gathered.
	if len(rec.deltas) != len(providertest.SplitWords(answer)) {
		t.Errorf("got %d deltas, want one per chunk (%d)", len(rec.deltas), len(providertest.SplitWords(answer)))
	}
	if want := (jessy.Usage{PromptTokens: 7, CompletionTokens: 9}); usage != want {
		t.Errorf("usage = %+v, want %+v", usage, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	if reqs[0].Model != "stories260k" || !reqs[0].Stream {
		t.Errorf("request model %q stream %v, want stories260k streamed", reqs[0].Model, reqs[0].Stream)
	}
	if diff := cmp.Diff(req.Messages, reqs[0].Messages); diff != "" {
		t.Errorf("messages sent (-want +got):\n%s", diff)
	}
}

func TestChatKeepsReasoningApart(t *testing.T) {
	srv := providertest.NewOllama(t, providertest.Always(providertest.Reply{
		Reasoning: []string{"The user wants", " a story."},
		Chunks:    []string{"Once", " upon"},
	}))
	p := newProvider(t, srv.URL)
	var rec recorder
	if _, err := p.Chat(context.Background(), ask("story"), rec.fn); err != nil {
		t.Fatal(err)
	}
	if got := rec.text(); got != "Once upon" {
		t.Errorf("text = %q, want %q", got, "Once upon")
	}
	if got := rec.reasoning(); got != "The user wants a story." {
		t.Errorf("reasoning = %q, want %q", got, "The user wants a story.")
	}
	if len(rec.deltas) == 0 || rec.deltas[0].Reasoning == "" {
		t.Errorf("first delta %+v, want the reasoning first", rec.deltas)
	}
}

// bodyTap is a RoundTripper that keeps the request bodies it sends.
type bodyTap struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (b *bodyTap) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		b.mu.Lock()
		b.bodies = append(b.bodies, data)
		b.mu.Unlock()
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestChatSendsOptions(t *testing.T) {
	temp := 0.25
	keep := 10 * time.Minute
	tests := []struct {
		name       string
		cfg        Config
		req        jessy.ChatRequest
		wantOpts   map[string]any
		wantKeep   any
		wantMaxTok int
	}{{
		name:     "defaults leave the server's choices",
		req:      ask("hi"),
		wantOpts: map[string]any{},
	}, {
		name: "max tokens, temperature, context and keep-alive",
		cfg:  Config{NumCtx: 1024, KeepAlive: &keep},
		req: func() jessy.ChatRequest {
			r := ask("hi")
			r.MaxTokens = 42
			r.Temperature = &temp
			return r
		}(),
		wantOpts:   map[string]any{"num_predict": 42.0, "temperature": 0.25, "num_ctx": 1024.0},
		wantKeep:   "10m0s",
		wantMaxTok: 42,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewOllama(t, providertest.Always(providertest.Text("ok")))
			tap := &bodyTap{}
			cfg := tt.cfg
			cfg.Host = srv.URL
			cfg.HTTPClient = &http.Client{Transport: tap}
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Chat(context.Background(), tt.req, func(jessy.Delta) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if len(tap.bodies) != 1 {
				t.Fatalf("sent %d bodies, want 1", len(tap.bodies))
			}
			var body struct {
				Options   map[string]any `json:"options"`
				KeepAlive any            `json:"keep_alive"`
				Stream    *bool          `json:"stream"`
			}
			if err := json.Unmarshal(tap.bodies[0], &body); err != nil {
				t.Fatal(err)
			}
			if body.Options == nil {
				body.Options = map[string]any{}
			}
			if diff := cmp.Diff(tt.wantOpts, body.Options); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if body.KeepAlive != tt.wantKeep {
				t.Errorf("keep_alive = %v, want %v", body.KeepAlive, tt.wantKeep)
			}
			if body.Stream == nil || !*body.Stream {
				t.Errorf("stream = %v, want true", body.Stream)
			}
			if got := srv.Requests()[0].MaxTokens; got != tt.wantMaxTok {
				t.Errorf("server read num_predict %d, want %d", got, tt.wantMaxTok)
			}
		})
	}
}

func TestChatCancelMidStream(t *testing.T) {
	srv := providertest.NewOllama(t, providertest.Always(providertest.Reply{
		Chunks:     strings.Split(strings.Repeat("word ", 100), " "),
		ChunkDelay: 20 * time.Millisecond,
	}))
	p := newProvider(t, srv.URL)
	why := errors.New("the user pressed q")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var canceledAt time.Time
	n := 0
	_, err := p.Chat(ctx, ask("hi"), func(jessy.Delta) error {
		n++
		if n == 2 {
			canceledAt = time.Now()
			cancel(why)
		}
		return nil
	})
	if took := time.Since(canceledAt); took > time.Second {
		t.Errorf("Chat returned %v after the cancel", took)
	}
	checkError(t, err, jessy.KindCanceled, "ollama at "+srv.URL)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, why) {
		t.Errorf("err = %v, want context.Canceled with its cause", err)
	}
	if n > 3 {
		t.Errorf("fn called %d times, want the stream to stop at the cancel", n)
	}
	if !srv.WaitIdle(2 * time.Second) {
		t.Error("the server still has the call in flight after the cancel")
	}
}

func TestChatFnErrorStopsStream(t *testing.T) {
	srv := providertest.NewOllama(t, providertest.Always(providertest.Reply{
		Chunks:     strings.Split(strings.Repeat("word ", 100), " "),
		ChunkDelay: 5 * time.Millisecond,
	}))
	p := newProvider(t, srv.URL)
	stop := errors.New("enough")
	n := 0
	_, err := p.Chat(context.Background(), ask("hi"), func(jessy.Delta) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("err = %#v, want fn's error unchanged", err)
	}
	if n != 2 {
		t.Errorf("fn called %d times, want 2", n)
	}
	if !srv.WaitIdle(2 * time.Second) {
		t.Error("the server is still streaming after fn stopped")
	}
}

func TestChatConcurrentCallsKeepTheirOwnOutcome(t *testing.T) {
	// Each call's reply depends on its prompt, and one in three fails: the
	// per-call bookkeeping must not leak from one call into another. No
	// reply starts before two calls are in flight, so they overlap.
	var arrived atomic.Int32
	overlap := make(chan struct{})
	srv := providertest.NewOllama(t, func(_ int, req providertest.Request) providertest.Reply {
		if arrived.Add(1) == 2 {
			close(overlap)
		}
		select {
		case <-overlap:
		case <-time.After(10 * time.Second):
		}
		q := jessy.LastUserContent(req.Messages)
		if strings.HasSuffix(q, "fail") {
			return providertest.Reply{Chunks: []string{"half"}, Message: "boom " + q}
		}
		return providertest.Reply{Chunks: providertest.SplitWords("answer to " + q), ChunkDelay: time.Millisecond}
	})
	p := newProvider(t, srv.URL)
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	texts := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := fmt.Sprintf("q%d", i)
			if i%3 == 0 {
				q += " fail"
			}
			var rec recorder
			_, errs[i] = p.Chat(context.Background(), ask(q), rec.fn)
			texts[i] = rec.text()
		}()
	}
	wg.Wait()
	for i := range n {
		if i%3 == 0 {
			if jessy.KindOf(errs[i]) != jessy.KindServer || !strings.Contains(errs[i].Error(), fmt.Sprintf("boom q%d fail", i)) {
				t.Errorf("call %d: err = %v, want its own mid-stream error", i, errs[i])
			}
			continue
		}
		if errs[i] != nil || texts[i] != fmt.Sprintf("answer to q%d", i) {
			t.Errorf("call %d: text %q err %v", i, texts[i], errs[i])
		}
	}
	if srv.PeakInFlight() < 2 {
		t.Errorf("peak in flight %d: the calls never overlapped, so the test proved nothing", srv.PeakInFlight())
	}
}

func TestChatInvalidRequest(t *testing.T) {
	p := newProvider(t, "http://"+closedPort(t))
	for _, req := range []jessy.ChatRequest{{Messages: ask("hi").Messages}, {Model: "m"}} {
		_, err := p.Chat(context.Background(), req, func(jessy.Delta) error { return nil })
		if jessy.KindOf(err) != jessy.KindInvalid {
			t.Errorf("Chat(%+v) err = %v, want invalid before any call", req, err)
		}
	}
}
