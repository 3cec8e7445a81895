package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/providertest"
)

// TestLoad drives a server on loopback with a bounded number of requests
// within a time limit: below capacity every request succeeds; above it the
// excess gets 429 at once and the admitted requests still succeed; after
// both, the goroutine count returns to where it started.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const maxRuns, queue = 4, 4
	baseline := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	body, _ := json.Marshal(chatBody(map[string]any{"stream": true, "stream_options": map[string]bool{"include_usage": true}}))
	do := func(url string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", bytes.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("request: %v", err)
			return 0
		}
		readSSEOrJSON(resp)
		return resp.StatusCode
	}

	newServer := func(t *testing.T, p *gated) (*Server, string) {
		eng := engine.New(engine.Target{Backend: "fake", Provider: guard.Wrap(p, "fake", guard.Options{Slots: 16}), Model: "m"}, engine.Options{})
		s, err := New(Config{MaxRuns: maxRuns, Queue: queue}, catalog{"jessy": eng})
		if err != nil {
			t.Fatal(err)
		}
		url, _, _ := serve(t, s)
		return s, url
	}
	slow := providertest.NewFake(providertest.Run(func(int) providertest.Reply {
		r := reply("insight", thoughtUsage)
		r.Delay = 2 * time.Millisecond
		return r
	}, reply("The answer is 42.", synthUsage)))

	t.Run("below capacity", func(t *testing.T) {
		open := make(chan struct{})
		close(open)
		s, url := newServer(t, &gated{inner: slow, release: open})
		const total, workers = 48, maxRuns + queue
		var next atomic.Int64
		var wg sync.WaitGroup
		codes := make(chan int, total)
		for range workers {
			wg.Go(func() {
				for next.Add(1) <= total && ctx.Err() == nil {
					codes <- do(url)
				}
			})
		}
		wg.Wait()
		close(codes)
		n := 0
		for c := range codes {
			n++
			if c != http.StatusOK {
				t.Errorf("status %d below capacity", c)
			}
		}
		if n != total {
			t.Errorf("%d requests done, want %d (time limit?)", n, total)
		}
		if v := counterValue(t, s, "jessy_runs_total", map[string]string{"outcome": "ok"}); v != total {
			t.Errorf("runs ok = %v, want %d", v, total)
		}
	})

	t.Run("above capacity", func(t *testing.T) {
		g := &gated{inner: slow, release: make(chan struct{})}
		s, url := newServer(t, g)
		const total = 40
		var wg sync.WaitGroup
		var ok, busy, other atomic.Int64
		for range total {
			wg.Go(func() {
				switch do(url) {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					busy.Add(1)
				default:
					other.Add(1)
				}
			})
		}
		eventually(t, 30*time.Second, "the excess to be turned away", func() bool {
			return busy.Load() == total-maxRuns-queue && gauge(t, s, "jessy_runs_in_flight") == maxRuns && gauge(t, s, "jessy_queue_length") == queue
		})
		close(g.release)
		wg.Wait()
		if ok.Load() != maxRuns+queue || busy.Load() != total-maxRuns-queue || other.Load() != 0 {
			t.Errorf("ok %d, 429 %d, other %d; want %d, %d, 0", ok.Load(), busy.Load(), other.Load(), maxRuns+queue, total-maxRuns-queue)
		}
		// Nothing else broke: the server answers normally afterwards.
		if c := do(url); c != http.StatusOK {
			t.Errorf("after the overload: status %d", c)
		}
		if v := gauge(t, s, "jessy_runs_in_flight"); v != 0 {
			t.Errorf("runs in flight after the load = %v", v)
		}
	})

	tr.CloseIdleConnections()
	// Subtests' cleanups have stopped both servers.
	eventually(t, 10*time.Second, "the goroutine count to return to its baseline", func() bool {
		return runtime.NumGoroutine() <= baseline
	})
}
