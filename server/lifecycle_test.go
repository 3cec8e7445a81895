package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

// hanging answers nothing until the caller goes away.
func hanging() *providertest.Fake {
	return providertest.NewFake(providertest.Always(providertest.Reply{Hang: true}))
}

func TestClientDisconnectCancelsTheRun(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		stream     bool
	}{
		{"chat", "/v1/chat/completions", false},
		{"chat stream", "/v1/chat/completions", true},
		{"think", "/v1/think", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := hanging()
			s, ts := start(t, Config{}, catalog{"jessy": newEngine(f, engine.Options{})})
			ctx, cancel := context.WithCancel(t.Context())
			errc := make(chan error, 1)
			go func() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+tc.path, jsonReader(t, chatBody(map[string]any{"stream": tc.stream})))
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					readSSEOrJSON(resp)
				}
				errc <- err
			}()
			eventually(t, 5*time.Second, "8 calls at the backend", func() bool { return f.InFlight() == 8 })
			cancel()
			<-errc
			// Every call of the run ends at once, not after some timeout.
			eventually(t, time.Second, "the backend calls to end", func() bool { return f.InFlight() == 0 })
			eventually(t, time.Second, "the run to be counted", func() bool {
				return counterValue(t, s, "jessy_runs_total", map[string]string{"outcome": "canceled"}) == 1
			})
			if v := counterValue(t, s, "jessy_calls_in_flight", map[string]string{"backend": "fake"}); v != 0 {
				t.Errorf("calls in flight = %v", v)
			}
		})
	}
}

// serve runs s.Serve on a loopback listener. It returns the base URL, a
// function that cancels Serve's context, and a channel that receives
// Serve's error. Serve is stopped, if still running, when t ends.
func serve(t *testing.T, s *Server) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		errc <- s.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String(), cancel, errc
}

func TestGracefulShutdownLetsRunsFinish(t *testing.T) {
	g := &gated{inner: happy(), release: make(chan struct{})}
	s, err := New(Config{ShutdownGrace: 10 * time.Second}, catalog{"jessy": newEngine(g, engine.Options{Thoughts: 2})})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, errc := serve(t, s)
	status := make(chan int, 1)
	go func() {
		resp := post(t, context.Background(), url+"/v1/chat/completions", "", chatBody(map[string]any{"stream": true}))
		readSSEOrJSON(resp)
		status <- resp.StatusCode
	}()
	eventually(t, 5*time.Second, "the run to start", func() bool { return gauge(t, s, "jessy_runs_in_flight") == 1 })
	stop()
	// The listener closes: new connections are refused while the run goes on.
	eventually(t, 5*time.Second, "the listener to close", func() bool {
		c, err := net.Dial("tcp", url[len("http://"):])
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-errc:
		t.Fatalf("Serve returned before the run finished: %v", err)
	default:
	}
	close(g.release)
	if st := <-status; st != http.StatusOK {
		t.Errorf("run in flight: status %d", st)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the last run")
	}
	if v := counterValue(t, s, "jessy_runs_total", map[string]string{"outcome": "ok"}); v != 1 {
		t.Errorf("runs ok = %v", v)
	}
}

func TestShutdownCancelsRunsAfterGrace(t *testing.T) {
	f := hanging()
	s, err := New(Config{ShutdownGrace: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, catalog{"jessy": newEngine(f, engine.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, errc := serve(t, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/think", jsonReader(t, chatBody(nil)))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			readSSEOrJSON(resp)
		}
	}()
	eventually(t, 5*time.Second, "8 calls at the backend", func() bool { return f.InFlight() == 8 })
	begin := time.Now()
	stop()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the grace period")
	}
	if d := time.Since(begin); d < 50*time.Millisecond {
		t.Errorf("Serve returned after %v, before the grace period", d)
	}
	if n := f.InFlight(); n != 0 {
		t.Errorf("%d backend calls still in flight after Serve returned", n)
	}
	if v := counterValue(t, s, "jessy_runs_total", map[string]string{"outcome": "canceled"}); v != 1 {
		t.Errorf("runs canceled = %v, want 1", v)
	}
	<-done
}

func TestRunFailsOnBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := New(Config{Addr: ln.Addr().String()}, catalog{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(t.Context()); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("Run on a busy address = %v", err)
	}
}

func TestProbes(t *testing.T) {
	readyErr := errors.New("ollama at http://127.0.0.1:11434 is unreachable")
	ready := func(ctx context.Context) error { return nil }
	_, ts := start(t, Config{Ready: func(ctx context.Context) error { return ready(ctx) }}, catalog{})
	get := func(path string) (int, map[string]string) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, decode[map[string]string](t, resp.Body)
	}
	if st, body := get("/healthz"); st != 200 || body["status"] != "ok" {
		t.Errorf("healthz %d %v", st, body)
	}
	if st, body := get("/readyz"); st != 200 || body["status"] != "ready" {
		t.Errorf("readyz %d %v", st, body)
	}
	ready = func(context.Context) error { return readyErr }
	if st, body := get("/readyz"); st != 503 || body["error"] != readyErr.Error() {
		t.Errorf("readyz when not ready: %d %v", st, body)
	}
	if st, _ := get("/healthz"); st != 200 {
		t.Errorf("healthz when not ready: %d", st)
	}
}

// A client that stops reading is dropped after WriteTimeout and its run
// cancelled, rather than holding a run slot and backend calls forever.
func TestStalledClientIsDropped(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	chunks := make([]string, 400) // 25 MiB: more than the socket buffers hold
	for i := range chunks {
		chunks[i] = big
	}
	f := providertest.NewFake(providertest.Always(providertest.Reply{Chunks: chunks}))
	s, err := New(Config{WriteTimeout: 200 * time.Millisecond}, catalog{"jessy": newEngine(f, engine.Options{Thoughts: 1})})
	if err != nil {
		t.Fatal(err)
	}
	url, _, _ := serve(t, s)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"model":"jessy","messages":[{"role":"user","content":"hi"}]}`
	fmt.Fprintf(conn, "POST /v1/think HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	eventually(t, 5*time.Second, "the run to start", func() bool { return gauge(t, s, "jessy_runs_in_flight") == 1 })
	// The test never reads from conn.
	eventually(t, 10*time.Second, "the run to be cancelled", func() bool {
		return gauge(t, s, "jessy_runs_in_flight") == 0 && f.InFlight() == 0
	})
}
