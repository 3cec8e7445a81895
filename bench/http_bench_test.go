package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/provider/ollama"
	"github.com/jessy-llm/jessy/providertest"
)

// rawOllama is a minimal streaming /api/chat client (net/http and
// encoding/json only), to tell the engine's cost from the Ollama client
// library's.
type rawOllama struct {
	url    string
	client *http.Client
}

func (r rawOllama) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	body, err := json.Marshal(map[string]any{"model": req.Model, "messages": req.Messages, "stream": true})
	if err != nil {
		return jessy.Usage{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/api/chat", bytes.NewReader(body))
	if err != nil {
		return jessy.Usage{}, err
	}
	resp, err := r.client.Do(hreq)
	if err != nil {
		return jessy.Usage{}, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var line struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
			Done       bool `json:"done"`
			PromptEval int  `json:"prompt_eval_count"`
			Eval       int  `json:"eval_count"`
		}
		if err := dec.Decode(&line); err != nil {
			return jessy.Usage{}, err
		}
		if line.Message.Content != "" {
			if err := fn(jessy.Delta{Text: line.Message.Content}); err != nil {
				return jessy.Usage{}, err
			}
		}
		if line.Done {
			return jessy.Usage{PromptTokens: line.PromptEval, CompletionTokens: line.Eval}, nil
		}
	}
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkHTTPAddedLatency measures what Jessy adds to one backend call
// over loopback HTTP: the same fake Ollama server (providertest.NewOllama,
// answering at once with a streamed two-word reply) is called directly with
// net/http, through the Ollama provider, and through a 1-thought engine run
// (2 calls). It reports the median added time per call: by the provider
// (ms-added-provider), by provider and engine (ms-added-engine), and by the
// engine alone (ms-engine-over-provider), and by the engine over a minimal
// client of net/http and encoding/json (ms-added-engine-raw-client), which
// tells the engine's cost from the provider's (whose /api/chat went through
// Ollama's api.Client until that was found to allocate an 8 MB line buffer
// per stream). Target: at most 0.5 ms.
//
//	go test -run '^$' -bench HTTPAddedLatency -count 1 ./bench/
func BenchmarkHTTPAddedLatency(b *testing.B) {
	srv := providertest.NewOllama(b, providertest.Always(providertest.Text("an insight")))
	p, err := ollama.New(ollama.Config{Host: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	body := `{"model":"stories260k","messages":[{"role":"user","content":"Why is the sky blue?"}],"stream":true}`
	client := &http.Client{}
	direct := func() time.Duration {
		start := time.Now()
		resp, err := client.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	req := jessy.ChatRequest{Model: "stories260k", Messages: []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}}
	provider := func() time.Duration {
		start := time.Now()
		if _, err := p.Chat(ctx, req, func(jessy.Delta) error { return nil }); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	e := engine.New(engine.Target{Backend: "ollama", Provider: p, Model: "stories260k"}, engine.Options{Thoughts: 1})
	run := func() time.Duration {
		res, err := e.Run(ctx, req.Messages, nil)
		if err != nil {
			b.Fatal(err)
		}
		return res.Timings.Total
	}
	raw := engine.New(engine.Target{Backend: "raw", Provider: rawOllama{url: srv.URL, client: client}, Model: "stories260k"}, engine.Options{Thoughts: 1})
	runRaw := func() time.Duration {
		res, err := raw.Run(ctx, req.Messages, nil)
		if err != nil {
			b.Fatal(err)
		}
		return res.Timings.Total
	}
	for range 50 { // warm the connections
		direct()
		provider()
		run()
		runRaw()
	}
	var ds, ps, rs, ws []time.Duration
	for b.Loop() {
		ds = append(ds, direct())
		ps = append(ps, provider())
		rs = append(rs, run())
		ws = append(ws, runRaw())
	}
	d, pr, r, w := medianOf(ds), medianOf(ps), medianOf(rs), medianOf(ws)
	b.ReportMetric(jessy.Milliseconds(w/2-d), "ms-added-engine-raw-client")
	b.ReportMetric(jessy.Milliseconds(d), "ms-direct")
	b.ReportMetric(jessy.Milliseconds(pr-d), "ms-added-provider")
	b.ReportMetric(jessy.Milliseconds(r/2-d), "ms-added-engine")
	b.ReportMetric(jessy.Milliseconds(r/2-pr), "ms-engine-over-provider")
}
