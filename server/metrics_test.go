package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

// metric finds the sample of name with exactly the given labels.
func metric(t *testing.T, s *Server, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := s.cfg.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

func counterValue(t *testing.T, s *Server, name string, labels map[string]string) float64 {
	t.Helper()
	m := metric(t, s, name, labels)
	if m == nil {
		return 0
	}
	if m.Counter != nil {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

func histCount(t *testing.T, s *Server, name string, labels map[string]string) uint64 {
	t.Helper()
	m := metric(t, s, name, labels)
	if m == nil {
		return 0
	}
	return m.GetHistogram().GetSampleCount()
}

func TestMetricsShowTheRun(t *testing.T) {
	f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
		if i == 7 {
			return providertest.Reply{Status: 400, Message: "no"}
		}
		return reply("insight", thoughtUsage)
	}, reply("The answer.", synthUsage)))
	s, ts := start(t, Config{}, catalog{"jessy": newEngine(f, engine.Options{})})
	resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	resp = post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(map[string]any{"model": "nope"}))
	resp.Body.Close()

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"jessy_runs_total", map[string]string{"outcome": "ok"}, 1},
		{"jessy_thoughts_total", map[string]string{"backend": "fake", "outcome": "ok"}, 7},
		{"jessy_thoughts_total", map[string]string{"backend": "fake", "outcome": "failed"}, 1},
		{"jessy_tokens_total", map[string]string{"backend": "fake", "type": "prompt"}, 7*10 + 100},
		{"jessy_tokens_total", map[string]string{"backend": "fake", "type": "completion"}, 7*5 + 20},
		{"jessy_runs_in_flight", map[string]string{}, 0},
		{"jessy_calls_in_flight", map[string]string{"backend": "fake"}, 0},
		{"jessy_queue_length", map[string]string{}, 0},
		{"jessy_http_requests_total", map[string]string{"route": "POST /v1/chat/completions", "code": "200"}, 1},
		{"jessy_http_requests_total", map[string]string{"route": "POST /v1/chat/completions", "code": "404"}, 1},
	} {
		if got := counterValue(t, s, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, h := range []struct {
		name   string
		labels map[string]string
		want   uint64
	}{
		{"jessy_phase_duration_seconds", map[string]string{"phase": "thinking"}, 1},
		{"jessy_phase_duration_seconds", map[string]string{"phase": "synthesis"}, 1},
		{"jessy_phase_duration_seconds", map[string]string{"phase": "total"}, 1},
		{"jessy_call_duration_seconds", map[string]string{"backend": "fake", "call": "thought"}, 8},
		{"jessy_call_duration_seconds", map[string]string{"backend": "fake", "call": "synthesis"}, 1},
	} {
		if got := histCount(t, s, h.name, h.labels); got != h.want {
			t.Errorf("%s%v count = %d, want %d", h.name, h.labels, got, h.want)
		}
	}

	// The endpoint serves the same registry in the text format.
	mresp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := mresp.Body.Read(buf)
		b.WriteString(string(buf[:n]))
		if err != nil {
			break
		}
	}
	for _, want := range []string{`jessy_runs_total{outcome="ok"} 1`, `jessy_thoughts_total{backend="fake",outcome="failed"} 1`, "go_goroutines"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestCallsInFlightPerBackend(t *testing.T) {
	g := &gated{inner: happy(), release: make(chan struct{})}
	s, ts := start(t, Config{}, catalog{"jessy": newEngine(g, engine.Options{Thoughts: 3})})
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(nil))
		resp.Body.Close()
	}()
	eventually(t, 5*time.Second, "3 calls in flight", func() bool {
		return counterValue(t, s, "jessy_calls_in_flight", map[string]string{"backend": "fake"}) == 3
	})
	if v := counterValue(t, s, "jessy_runs_in_flight", map[string]string{}); v != 1 {
		t.Errorf("runs in flight = %v, want 1", v)
	}
	close(g.release)
	<-done
	if v := counterValue(t, s, "jessy_calls_in_flight", map[string]string{"backend": "fake"}); v != 0 {
		t.Errorf("calls in flight after the run = %v", v)
	}
}
