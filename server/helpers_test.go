package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// catalog is a Catalog over fixed engines.
type catalog map[string]*engine.Engine

func (c catalog) Engine(model string) (*engine.Engine, error) {
	if e, ok := c[model]; ok {
		return e, nil
	}
	return nil, &jessy.Error{Kind: jessy.KindModelNotFound, Message: fmt.Sprintf("no model %q", model)}
}

func (c catalog) Models() []ModelEntry {
	var out []ModelEntry
	for _, id := range []string{"jessy", "fast", "m"} {
		if _, ok := c[id]; ok {
			out = append(out, ModelEntry{ID: id})
		}
	}
	return out
}

func reply(text string, u jessy.Usage) providertest.Reply {
	r := providertest.Text(text)
	r.Usage = u
	return r
}

var thoughtUsage = jessy.Usage{PromptTokens: 10, CompletionTokens: 5}
var synthUsage = jessy.Usage{PromptTokens: 100, CompletionTokens: 20}

// happy answers thought i with "insight i" and the synthesis with "The
// answer is 42."
func happy() *providertest.Fake {
	return providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
		return reply(fmt.Sprintf("insight %d", i), thoughtUsage)
	}, reply("The answer is 42.", synthUsage)))
}

func newEngine(p jessy.Provider, opts engine.Options) *engine.Engine {
	return engine.New(engine.Target{Backend: "fake", Provider: p, Model: "m"}, opts)
}

// start serves s's handler on a loopback httptest server closed when t
// ends.
func start(t *testing.T, cfg Config, cat Catalog) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// post sends body as JSON to url+path with the optional bearer key.
func post(t *testing.T, ctx context.Context, url, key string, body any) *http.Response {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func chatBody(extra map[string]any) map[string]any {
	b := map[string]any{
		"model":    "jessy",
		"messages": []map[string]any{{"role": "user", "content": "Why is the sky blue?"}},
	}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// sseEvent is one parsed Server-Sent Event; comment lines are kept as
// events with only Comment set.
type sseEvent struct {
	Event, ID, Data, Comment string
}

// readSSE parses a whole event stream.
func readSSE(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur != (sseEvent{}) {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, ":"):
			cur.Comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			cur.Event = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			cur.ID = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			if cur.Data != "" {
				t.Fatalf("multi-line data in %q", line)
			}
			cur.Data = line[len("data: "):]
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != (sseEvent{}) {
		t.Fatalf("stream ended inside an event: %+v", cur)
	}
	return out
}

func decode[T any](t *testing.T, r io.Reader) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(r).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// gated is a provider that holds every call until release is closed (or
// the call's context ends), then answers with inner.
type gated struct {
	inner   jessy.Provider
	release chan struct{}
	entered chan struct{} // receives one value per call that reached the gate, if not nil
}

func (g *gated) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	if g.entered != nil {
		select {
		case g.entered <- struct{}{}:
		default:
		}
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return jessy.Usage{}, ctx.Err()
	}
	return g.inner.Chat(ctx, req, fn)
}

// eventually polls cond every millisecond for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// errBody is an OpenAI-style error body.
type errBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code"`
	} `json:"error"`
}

func jsonReader(t *testing.T, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
