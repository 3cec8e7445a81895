package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy/engine"
)

// FuzzChatCompletionsRequest feeds arbitrary bodies to the chat completions
// and think endpoints. Whatever arrives, the server must not panic, must
// answer 200 or a client error (4xx) — never a 5xx, since the fake backend
// always answers — and every error must be an OpenAI-style JSON error body.
func FuzzChatCompletionsRequest(f *testing.F) {
	seeds := []string{
		`{"model":"jessy","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"jessy","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"jessy","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"x"}}]}]}`,
		`{"model":"jessy","thoughts":3,"show_thoughts":true,"max_tokens":5,"temperature":0.3,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`,
		`{"model":"nope","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"jessy","messages":[]}`,
		`{"model":"jessy","messages":[{"role":"tool","content":null}]}`,
		`{"model":"jessy","thoughts":-1,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":1}`, `[]`, `null`, `{`, ``,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	s, err := New(Config{Limits: Limits{MaxThoughts: 4, MaxMessages: 8, MaxMessageChars: 256, MaxBodyBytes: 4096}},
		catalog{"jessy": newEngine(happy(), engine.Options{Thoughts: 2})})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/chat/completions", "/v1/think"} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(rec, req)
			switch {
			case rec.Code >= 500:
				t.Fatalf("%s: status %d for %q: %s", path, rec.Code, body, rec.Body)
			case rec.Code >= 400:
				var e struct {
					Error struct {
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Message == "" {
					t.Fatalf("%s: status %d with a body that is not an OpenAI error: %q", path, rec.Code, rec.Body)
				}
			case rec.Code == 200 && rec.Body.Len() == 0:
				t.Fatalf("%s: empty 200 for %q", path, body)
			case rec.Code == 200 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(bytes.TrimSpace(rec.Body.Bytes())):
				t.Fatalf("%s: invalid JSON answer %q", path, rec.Body)
			}
		}
	})
}
