package bench

import (
	"context"
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
// engine alone (ms-engine-over-provider). Target: at most 0.5 ms.
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
	for range 50 { // warm the connections
		direct()
		provider()
		run()
	}
	var ds, ps, rs []time.Duration
	for b.Loop() {
		ds = append(ds, direct())
		ps = append(ps, provider())
		rs = append(rs, run())
	}
	d, pr, r := medianOf(ds), medianOf(ps), medianOf(rs)
	b.ReportMetric(jessy.Milliseconds(d), "ms-direct")
	b.ReportMetric(jessy.Milliseconds(pr-d), "ms-added-provider")
	b.ReportMetric(jessy.Milliseconds(r/2-d), "ms-added-engine")
	b.ReportMetric(jessy.Milliseconds(r/2-pr), "ms-engine-over-provider")
}
