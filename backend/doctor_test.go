package backend

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/provider/ollama"
	"github.com/jessy-llm/jessy/providertest"
)

// closedURL returns the address of a port nobody listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// hanging starts a server that never answers until the client goes away.
func hanging(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv.URL
}

func TestDoctor(t *testing.T) {
	probeTimeout = 300 * time.Millisecond
	t.Cleanup(func() { probeTimeout = ProbeTimeout })

	good := providertest.NewOllama(t, providertest.Always(providertest.Text("hi")), "qwen3:4b", "gemma3:latest", "other:1b")
	// Load qwen3:4b, as a run would.
	p, err := ollama.New(ollama.Config{Host: good.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Chat(t.Context(), jessy.ChatRequest{Model: "qwen3:4b", Messages: ask("hi")}, func(jessy.Delta) error { return nil }); err != nil {
		t.Fatal(err)
	}
	lacking := providertest.NewOllama(t, providertest.Always(providertest.Text("hi")), "qwen3:4b")

	s := settings(t, `
backends:
  - {name: good, kind: ollama, base_url: "`+good.URL+`"}
  - {name: lacking, kind: ollama, base_url: "`+lacking.URL+`"}
  - {name: down, kind: ollama, base_url: "`+closedURL(t)+`"}
  - {name: stuck, kind: ollama, base_url: "`+hanging(t)+`"}
  - {name: hosted, kind: openai}
  - {name: idle, kind: ollama, base_url: "`+good.URL+`"}
thinkers:
  - {backend: good, model: qwen3:4b}
  - {backend: good, model: gemma3}
  - {backend: lacking, model: big:70b}
  - {backend: down, model: m}
  - {backend: stuck, model: m}
  - {backend: hosted, model: gpt-4.1-mini}
synthesizer: {backend: good, model: qwen3:4b}
`, config.Overrides{})

	start := time.Now()
	checks := Doctor(t.Context(), s)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Doctor took %v: a stuck backend held up the others", d)
	}
	byName := map[string]Check{}
	var names []string
	for _, c := range checks {
		byName[c.Backend] = c
		names = append(names, c.Backend)
	}
	if diff := cmp.Diff([]string{"good", "lacking", "down", "stuck", "hosted", "idle"}, names); diff != "" {
		t.Fatalf("checks out of order (-want +got):\n%s", diff)
	}
	tests := []struct {
		name    string
		ok      bool
		verdict []string
	}{
		{"good", true, []string{"ok: Ollama " + providertest.OllamaVersion, "3 models", "qwen3:4b present (loaded)", "gemma3 present", "1 model loaded"}},
		{"lacking", false, []string{"missing model big:70b (ollama pull big:70b)", "1 model"}},
		{"down", false, []string{"unreachable: "}},
		{"stuck", false, []string{"no answer: "}},
		{"hosted", false, []string{"not ready: ", "OPENAI_API_KEY is not set: api.openai.com needs an API key"}},
		{"idle", true, []string{"ok: ", "not used by this run"}},
	}
	for _, tt := range tests {
		c := byName[tt.name]
		if c.OK != tt.ok {
			t.Errorf("%s: OK = %v, want %v (%s)", tt.name, c.OK, tt.ok, c.Verdict)
		}
		for _, w := range tt.verdict {
			if !strings.Contains(c.Verdict, w) {
				t.Errorf("%s: verdict %q lacks %q", tt.name, c.Verdict, w)
			}
		}
		if strings.Contains(c.Verdict, "\n") {
			t.Errorf("%s: verdict spans lines: %q", tt.name, c.Verdict)
		}
	}
	if c := byName["good"]; c.Version != providertest.OllamaVersion || !cmp.Equal(c.Loaded, []string{"qwen3:4b"}) || len(c.Missing) != 0 {
		t.Errorf("good: %+v", c)
	}
	if c := byName["lacking"]; !cmp.Equal(c.Wanted, []string{"big:70b"}) || !cmp.Equal(c.Missing, []string{"big:70b"}) {
		t.Errorf("lacking: wanted %v, missing %v", c.Wanted, c.Missing)
	}
}

func TestModels(t *testing.T) {
	probeTimeout = 2 * time.Second
	t.Cleanup(func() { probeTimeout = ProbeTimeout })
	a := providertest.NewOllama(t, providertest.Always(providertest.Text("hi")), "m1", "m2")
	b := providertest.NewOllama(t, providertest.Always(providertest.Text("hi")), "m3")
	s := settings(t, `
backends:
  - {name: a, kind: ollama, base_url: "`+a.URL+`"}
  - {name: b, kind: ollama, base_url: "`+b.URL+`"}
  - {name: down, kind: ollama, base_url: "`+closedURL(t)+`"}
  - {name: claude, kind: anthropic}
`, config.Overrides{})
	got, err := Models(t.Context(), s)
	want := map[string][]jessy.ModelInfo{"a": {{Name: "m1"}, {Name: "m2"}}, "b": {{Name: "m3"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
	if err == nil || !strings.Contains(err.Error(), "backend down: ") || !strings.Contains(err.Error(), "claude: ANTHROPIC_API_KEY is not set") {
		t.Errorf("error = %v, want one naming each failed backend", err)
	}
	if jessy.KindOf(err) != jessy.KindUnreachable {
		t.Errorf("KindOf = %v, want the first failure's kind (unreachable)", jessy.KindOf(err))
	}
}

func TestSlotNote(t *testing.T) {
	tests := []struct {
		slots, conc int
		want        string
	}{
		{4, 0, "the server has 4 parallel slots (set concurrency: 4 to match)"},
		{4, 8, "the server has 4 parallel slots (concurrency 8: calls beyond 4 will queue on the server)"},
		{1, 1, "the server has 1 parallel slot"},
	}
	for _, tt := range tests {
		if got := slotNote(tt.slots, tt.conc); got != tt.want {
			t.Errorf("slotNote(%d, %d) = %q, want %q", tt.slots, tt.conc, got, tt.want)
		}
	}
}
