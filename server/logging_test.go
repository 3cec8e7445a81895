package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy/engine"
)

func TestRequestLog(t *testing.T) {
	for _, contents := range []bool{false, true} {
		var logs syncBuffer
		logger := slog.New(slog.NewJSONHandler(&logs, nil))
		_, ts := start(t, Config{Logger: logger, LogContents: contents}, catalog{"jessy": newEngine(happy(), engine.Options{Thoughts: 2})})
		body := chatBody(map[string]any{"messages": []map[string]string{{"role": "user", "content": "my secret question"}}})
		resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", body)
		resp.Body.Close()
		runID := resp.Header.Get("X-Jessy-Run-Id")

		var rec map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &rec); err != nil {
			t.Fatalf("log %q: %v", logs.String(), err)
		}
		for k, want := range map[string]any{"msg": "request", "method": "POST", "path": "/v1/chat/completions",
			"status": float64(http.StatusOK), "run_id": runID, "model": "jessy"} {
			if rec[k] != want {
				t.Errorf("contents=%v: %s = %v, want %v", contents, k, rec[k], want)
			}
		}
		if _, ok := rec["duration_ms"].(float64); !ok {
			t.Errorf("no duration_ms in %v", rec)
		}
		has := strings.Contains(logs.String(), "my secret question") && strings.Contains(logs.String(), "The answer is 42.")
		if has != contents {
			t.Errorf("contents=%v: log holds the messages and answer = %v:\n%s", contents, has, logs.String())
		}
	}
}
