package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jessy-llm/jessy/engine"
)

func TestNewRefusesPublicAddressWithoutKeys(t *testing.T) {
	for _, tc := range []struct {
		addr string
		keys []string
		ok   bool
	}{
		{"127.0.0.1:8080", nil, true},
		{"localhost:8080", nil, true},
		{"[::1]:8080", nil, true},
		{"127.0.0.2:0", nil, true},
		{"", nil, true}, // DefaultAddr
		{"0.0.0.0:8080", nil, false},
		{":8080", nil, false},
		{"192.0.2.1:8080", nil, false},
		{"[::]:8080", []string{" "}, false},
		{"0.0.0.0:8080", []string{"k1"}, true},
	} {
		_, err := New(Config{Addr: tc.addr, APIKeys: tc.keys}, catalog{})
		if (err == nil) != tc.ok {
			t.Errorf("New(%q, %d keys) error = %v, want ok %v", tc.addr, len(tc.keys), err, tc.ok)
		}
	}
	if _, err := New(Config{APIKeys: []string{"a b"}}, catalog{}); err == nil || strings.Contains(err.Error(), "a b") {
		t.Errorf("a key with a space: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the handler's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAuth(t *testing.T) {
	const key1, key2 = "sk-first-secret-key", "sk-second-secret-key"
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, ts := start(t, Config{Addr: "0.0.0.0:0", APIKeys: []string{key1, key2}, Logger: logger},
		catalog{"jessy": newEngine(happy(), engine.Options{Thoughts: 1})})
	for _, tc := range []struct {
		name, method, path, header string
		want                       int
	}{
		{"no key", "POST", "/v1/chat/completions", "", 401},
		{"wrong key", "POST", "/v1/chat/completions", "Bearer sk-wrong", 401},
		{"key as prefix", "POST", "/v1/chat/completions", "Bearer " + key1[:5], 401},
		{"not bearer", "POST", "/v1/chat/completions", "Basic " + key1, 401},
		{"first key", "POST", "/v1/chat/completions", "Bearer " + key1, 200},
		{"second key", "POST", "/v1/chat/completions", "bearer " + key2, 200},
		{"think needs a key", "POST", "/v1/think", "Bearer nope", 401},
		{"models needs a key", "GET", "/v1/models", "", 401},
		{"metrics needs a key", "GET", "/metrics", "", 401},
		{"metrics with key", "GET", "/metrics", "Bearer " + key1, 200},
		{"healthz is open", "GET", "/healthz", "", 200},
		{"readyz is open", "GET", "/readyz", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.method == "POST" {
				body = strings.NewReader(`{"model":"jessy","messages":[{"role":"user","content":"hi"}]}`)
			} else {
				body = strings.NewReader("")
			}
			req, _ := http.NewRequestWithContext(t.Context(), tc.method, ts.URL+tc.path, body)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 401 {
				eb := decode[errBody](t, resp.Body)
				if eb.Error.Code != "invalid_api_key" || eb.Error.Type != typeInvalidRequest {
					t.Errorf("error body %+v", eb)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			}
		})
	}
	out := logs.String()
	if strings.Count(out, `"msg":"request"`) != 12 {
		t.Errorf("want 12 request records, got:\n%s", out)
	}
	for _, secret := range []string{key1, key2, "sk-wrong", key1[:5], "Bearer", "Authorization"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
}

func TestKeyring(t *testing.T) {
	k, err := newKeyring([]string{"alpha", "", "  beta  "})
	if err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]bool{"alpha": true, "beta": true, "alph": false, "alphaa": false, "": false, "gamma": false} {
		if k.allows(tok) != want {
			t.Errorf("allows(%q) = %v", tok, !want)
		}
	}
}
