package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jessy-llm/jessy/providertest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

// startServe runs `jessy serve` with args until the test ends and returns
// its base URL.
func startServe(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	var out, errb syncBuffer
	io := stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(k string) string { return env[k] }, termWidth: func() int { return 80 }}
	ctx, cancel := context.WithCancel(t.Context())
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io) }()
	t.Cleanup(func() {
		cancel()
		if c := <-code; c != exitOK {
			t.Errorf("serve exited %d after shutdown: %s", c, errb.String())
		}
	})
	re := regexp.MustCompile(`listening on (http://[0-9.:]+/v1)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			return m[1], &errb
		}
		select {
		case c := <-code:
			t.Fatalf("serve exited %d: %s", c, errb.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start: %s", errb.String())
	return "", nil
}

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return resp.StatusCode, m
}

func TestServeWiresCatalogAndProfiles(t *testing.T) {
	s := providertest.NewOllama(t, func(_ int, req providertest.Request) providertest.Reply {
		if providertest.IsSynthesis(req) {
			return okReply("answer by " + req.Model)
		}
		return okReply("insight")
	}, "stories260k", "other")
	path := writeConfig(t, fmt.Sprintf(`
backends:
  - {name: local, kind: ollama, base_url: %s, concurrency: 3}
defaults: {backend: local, model: stories260k}
profiles:
  fast: {defaults: {thoughts: 2}}
`, s.URL))
	base, logs := startServe(t, map[string]string{}, "--config", path)

	resp, err := http.Get(base + "/models")
	if err != nil {
		t.Fatal(err)
	}
	var models struct{ Data []struct{ ID string } }
	_ = json.NewDecoder(resp.Body).Decode(&models)
	resp.Body.Close()
	var ids []string
	for _, m := range models.Data {
		ids = append(ids, m.ID)
	}
	if got := strings.Join(ids, ","); got != "jessy,fast,other,stories260k" {
		t.Errorf("models = %s", got)
	}

	for _, tt := range []struct {
		model      string
		thoughts   int
		answerFrom string
	}{{"jessy", 8, "stories260k"}, {"fast", 2, "stories260k"}, {"other", 8, "other"}} {
		before := len(s.Requests())
		code, body := post(t, base+"/chat/completions", `{"model":"`+tt.model+`","messages":[{"role":"user","content":"hi"}]}`)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d %v", tt.model, code, body)
		}
		msg := body["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
		if msg["content"] != "answer by "+tt.answerFrom {
			t.Errorf("%s: answer %v", tt.model, msg["content"])
		}
		if n := len(s.Requests()) - before; n != tt.thoughts+1 {
			t.Errorf("%s: %d calls, want %d", tt.model, n, tt.thoughts+1)
		}
	}
	if s.PeakInFlight() > 3 {
		t.Errorf("peak in flight %d over the backend's limit 3", s.PeakInFlight())
	}
	code, body := post(t, base+"/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`)
	if code != http.StatusNotFound {
		t.Errorf("unknown model: status %d %v", code, body)
	}
	if !strings.Contains(logs.String(), "/v1/chat/completions") {
		t.Errorf("no request log:\n%s", logs.String())
	}
}

func TestServeRefusesPublicAddressWithoutKeys(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	r := jessyRun(t, env, "", "serve", "--addr", "0.0.0.0:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "key") {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
}

func TestServeAPIKeysFromEnvironment(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	env["JESSY_API_KEYS"] = "k1, k2"
	base, logs := startServe(t, env)
	for _, tt := range []struct {
		key  string
		want int
	}{{"", 401}, {"wrong", 401}, {"k2", 200}} {
		req, _ := http.NewRequest("GET", base+"/models", nil)
		if tt.key != "" {
			req.Header.Set("Authorization", "Bearer "+tt.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("key %q: status %d, want %d", tt.key, resp.StatusCode, tt.want)
		}
	}
	if strings.Contains(logs.String(), "k2") {
		t.Error("a key reached the log")
	}
}
