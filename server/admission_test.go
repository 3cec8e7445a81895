package server

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/providertest"
)

func gauge(t *testing.T, s *Server, name string) float64 {
	return counterValue(t, s, name, map[string]string{})
}

func TestAdmissionQueueThenTooManyRequests(t *testing.T) {
	for _, path := range []string{"/v1/chat/completions", "/v1/think"} {
		t.Run(path, func(t *testing.T) {
			const maxRuns, queue = 2, 1
			g := &gated{inner: happy(), release: make(chan struct{})}
			s, ts := start(t, Config{MaxRuns: maxRuns, Queue: queue}, catalog{"jessy": newEngine(g, engine.Options{Thoughts: 2})})

			var wg sync.WaitGroup
			statuses := make(chan int, maxRuns+queue)
			send := func() {
				wg.Go(func() {
					resp := post(t, t.Context(), ts.URL+path, "", chatBody(nil))
					readSSEOrJSON(resp)
					statuses <- resp.StatusCode
				})
			}
			for range maxRuns {
				send()
			}
			eventually(t, 5*time.Second, "the runs to start", func() bool { return gauge(t, s, "jessy_runs_in_flight") == maxRuns })
			for range queue {
				send()
			}
			eventually(t, 5*time.Second, "the queue to fill", func() bool { return gauge(t, s, "jessy_queue_length") == queue })

			resp := post(t, t.Context(), ts.URL+path, "", chatBody(nil))
			eb := decode[errBody](t, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" || eb.Error.Code != "server_busy" {
				t.Fatalf("request %d: status %d, Retry-After %q, error %+v", maxRuns+queue+1, resp.StatusCode, resp.Header.Get("Retry-After"), eb.Error)
			}
			if v := gauge(t, s, "jessy_runs_rejected_total"); v != 1 {
				t.Errorf("rejected = %v", v)
			}
			if v := gauge(t, s, "jessy_runs_in_flight"); v != maxRuns {
				t.Errorf("runs in flight = %v, want %d", v, maxRuns)
			}

			close(g.release)
			wg.Wait()
			close(statuses)
			for st := range statuses {
				if st != http.StatusOK {
					t.Errorf("an admitted request got %d", st)
				}
			}
			if v := counterValue(t, s, "jessy_runs_total", map[string]string{"outcome": "ok"}); v != maxRuns+queue {
				t.Errorf("runs ok = %v", v)
			}
		})
	}
}

// readSSEOrJSON drains and closes a response body.
func readSSEOrJSON(resp *http.Response) {
	buf := make([]byte, 4096)
	for {
		if _, err := resp.Body.Read(buf); err != nil {
			break
		}
	}
	resp.Body.Close()
}

func TestAdmissionQueueTimeout(t *testing.T) {
	g := &gated{inner: happy(), release: make(chan struct{})}
	s, ts := start(t, Config{MaxRuns: 1, Queue: 1, QueueTimeout: 30 * time.Millisecond, RetryAfter: 5 * time.Second},
		catalog{"jessy": newEngine(g, engine.Options{Thoughts: 1})})
	done := make(chan int)
	go func() {
		resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
		readSSEOrJSON(resp)
		done <- resp.StatusCode
	}()
	eventually(t, 5*time.Second, "the run to start", func() bool { return gauge(t, s, "jessy_runs_in_flight") == 1 })
	resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
	readSSEOrJSON(resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("queued request: status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(g.release)
	if st := <-done; st != http.StatusOK {
		t.Errorf("running request: %d", st)
	}
}

func TestNoQueue(t *testing.T) {
	g := &gated{inner: happy(), release: make(chan struct{})}
	s, ts := start(t, Config{MaxRuns: 1, Queue: -1}, catalog{"jessy": newEngine(g, engine.Options{Thoughts: 1})})
	done := make(chan int)
	go func() {
		resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
		readSSEOrJSON(resp)
		done <- resp.StatusCode
	}()
	eventually(t, 5*time.Second, "the run to start", func() bool { return gauge(t, s, "jessy_runs_in_flight") == 1 })
	resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
	readSSEOrJSON(resp)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second request: %d", resp.StatusCode)
	}
	close(g.release)
	<-done
}

// The per-backend limit is one guarded provider shared by every run's engine, so
// concurrent runs together never exceed it.
func TestBackendLimitSharedAcrossRuns(t *testing.T) {
	f := providertest.NewFake(providertest.Run(func(int) providertest.Reply {
		r := reply("insight", thoughtUsage)
		r.Delay = 10 * time.Millisecond
		return r
	}, reply("answer", synthUsage)))
	eng := engine.New(engine.Target{Backend: "fake", Provider: guard.Wrap(f, "fake", guard.Options{Slots: 3}), Model: "m"}, engine.Options{})
	_, ts := start(t, Config{MaxRuns: 4}, catalog{"jessy": eng})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
			readSSEOrJSON(resp)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if p := f.PeakInFlight(); p != 3 {
		t.Errorf("peak calls at the backend = %d, want the limit 3", p)
	}
	if n := len(f.Requests()); n != 4*9 {
		t.Errorf("%d calls, want %d", n, 4*9)
	}
}
