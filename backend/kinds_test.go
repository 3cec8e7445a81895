package backend

import (
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/providertest"
)

const (
	openaiKey    = "sk-test-openai-0123456789"
	anthropicKey = "sk-ant-test-0123456789"
)

// settingsEnv is settings with an environment.
func settingsEnv(t *testing.T, text string, env map[string]string) *config.Settings {
	t.Helper()
	f, err := config.Parse("config.yaml", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	s, err := config.Resolve(f, "", func(k string) string { return env[k] }, config.Overrides{})
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return s
}

// A council over the three kinds: each backend gets its own provider with
// its own key, and the result says who produced what.
func TestBuildEveryKind(t *testing.T) {
	ol := providertest.NewOllama(t, providertest.Always(providertest.Text("from ollama")), "m1")
	oa := providertest.NewOpenAI(t, providertest.Always(providertest.Text("from openai")))
	an := providertest.NewAnthropic(t, providertest.Always(providertest.Text("the answer")))
	s := settingsEnv(t, `
backends:
  - {name: local, kind: ollama, base_url: "`+ol.URL+`"}
  - {name: vllm, kind: openai, base_url: "`+oa.URL+`/v1", api_key_env: VLLM_KEY}
  - {name: claude, kind: anthropic, base_url: "`+an.URL+`"}
thinkers:
  - {backend: local, model: m1}
  - {backend: vllm, model: m2}
synthesizer: {backend: claude, model: c1}
defaults: {thoughts: 4, retries: 0}
`, map[string]string{"VLLM_KEY": openaiKey, config.EnvAnthropicKey: anthropicKey})
	e, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(t.Context(), ask("why?"), nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, th := range res.Thoughts {
		want := [3]string{"local", "m1", "from ollama"}
		if th.Index%2 == 1 {
			want = [3]string{"vllm", "m2", "from openai"}
		}
		if got := [3]string{th.Backend, th.Model, th.Text}; got != want {
			t.Errorf("thought %d = %v, want %v", th.Index, got, want)
		}
	}
	if res.Answer() != "the answer" || res.Synthesis.Backend != "claude" || res.Synthesis.Model != "c1" {
		t.Errorf("synthesis %q by %s/%s", res.Answer(), res.Synthesis.Backend, res.Synthesis.Model)
	}
	if got := oa.Requests()[0].Header.Get("Authorization"); got != "Bearer "+openaiKey {
		t.Errorf("openai Authorization = %q, want the key from VLLM_KEY", got)
	}
	// The SDK sends the key as a bearer token (v2.15) or as x-api-key.
	if h := an.Requests()[0].Header; h.Get("Authorization") != "Bearer "+anthropicKey && h.Get("X-Api-Key") != anthropicKey {
		t.Errorf("anthropic request lacks the key from ANTHROPIC_API_KEY")
	}
	if len(ol.Requests()) != 2 || len(oa.Requests()) != 2 || len(an.Requests()) != 1 {
		t.Errorf("requests: ollama %d, openai %d, anthropic %d; want 2, 2, 1", len(ol.Requests()), len(oa.Requests()), len(an.Requests()))
	}
}

func TestDoctorHosted(t *testing.T) {
	models := providertest.Always(providertest.Reply{Chunks: []string{"m2", "other"}})
	oa := providertest.NewOpenAI(t, models)
	an := providertest.NewAnthropic(t, providertest.Always(providertest.Reply{Chunks: []string{"c1"}}))
	refusing := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{Status: 401, Message: "bad key"}))
	s := settingsEnv(t, `
backends:
  - {name: vllm, kind: openai, base_url: "`+oa.URL+`/v1"}
  - {name: claude, kind: anthropic, base_url: "`+an.URL+`"}
  - {name: locked, kind: openai, base_url: "`+refusing.URL+`/v1"}
thinkers:
  - {backend: vllm, model: m2}
  - {backend: vllm, model: m3}
  - {backend: locked, model: x}
synthesizer: {backend: claude, model: c1}
`, map[string]string{config.EnvAnthropicKey: anthropicKey})
	checks := Doctor(t.Context(), s)
	want := []struct {
		ok      bool
		verdict string
	}{
		{false, "missing model m3; 2 models; m2 present"},
		{true, "ok: 1 model; c1 present"},
		{false, "key refused: "},
	}
	for i, w := range want {
		if checks[i].OK != w.ok || !strings.HasPrefix(checks[i].Verdict, w.verdict) {
			t.Errorf("%s: OK %v, verdict %q; want %v, %q", checks[i].Backend, checks[i].OK, checks[i].Verdict, w.ok, w.verdict)
		}
	}
	got, err := Models(t.Context(), s)
	if jessy.KindOf(err) != jessy.KindAuth || len(got["vllm"]) != 2 || got["claude"][0].Name != "c1" {
		t.Errorf("Models = %v, %v", got, err)
	}
}
