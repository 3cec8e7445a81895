package backend

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jessy-llm/jessy/config"
)

func TestSlots(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/props" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"total_slots": 4, "default_generation_settings": {}}`))
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(func() { plain.CloseClientConnections(); plain.Close() })

	tests := []struct {
		name string
		b    config.Backend
		want int
	}{
		{"llama.cpp", config.Backend{Kind: config.KindOpenAI, BaseURL: srv.URL + "/v1"}, 4},
		{"llama.cpp without /v1", config.Backend{Kind: config.KindOpenAI, BaseURL: srv.URL}, 4},
		{"a server without /props", config.Backend{Kind: config.KindOpenAI, BaseURL: plain.URL + "/v1"}, 0},
		{"a hosted API is not asked", config.Backend{Kind: config.KindOpenAI, BaseURL: config.DefaultOpenAIURL}, 0},
	}
	for _, tt := range tests {
		if got := slots(t.Context(), &tt.b); got != tt.want {
			t.Errorf("%s: slots = %d, want %d", tt.name, got, tt.want)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("llama.cpp fake got %d requests, want 2", hits.Load())
	}
}
