package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// Each backend kind answers when chosen only through LLM_PROVIDER and the
// usual variables of that kind.
func TestEachProviderFromEnvironment(t *testing.T) {
	script := func(_ int, req providertest.Request) providertest.Reply {
		if providertest.IsSynthesis(req) || strings.Contains(req.System, "final answer") {
			return okReply("the answer")
		}
		return okReply("an insight")
	}
	tests := []struct {
		name string
		env  func(s *providertest.Server) map[string]string
		new  func(t testing.TB, script providertest.Script) *providertest.Server
		key  string
	}{
		{"ollama", func(s *providertest.Server) map[string]string {
			return map[string]string{"LLM_PROVIDER": "ollama", "OLLAMA_HOST": s.URL, "LLM_MODEL": "stories260k"}
		}, func(t testing.TB, sc providertest.Script) *providertest.Server { return providertest.NewOllama(t, sc) }, ""},
		{"openai local without key", func(s *providertest.Server) map[string]string {
			return map[string]string{"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": s.URL + "/v1", "LLM_MODEL": "qwen"}
		}, providertest.NewOpenAI, ""},
		{"openai with key", func(s *providertest.Server) map[string]string {
			return map[string]string{"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": s.URL + "/v1", "OPENAI_API_KEY": "sk-test-123", "LLM_MODEL": "gpt"}
		}, providertest.NewOpenAI, "sk-test-123"},
		{"anthropic", func(s *providertest.Server) map[string]string {
			return map[string]string{"LLM_PROVIDER": "anthropic", "ANTHROPIC_BASE_URL": s.URL, "ANTHROPIC_API_KEY": "ak-test-456", "LLM_MODEL": "claude"}
		}, providertest.NewAnthropic, "ak-test-456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.new(t, script)
			env := tt.env(s)
			r := jessyRun(t, env, "", "--json", "q?")
			if r.code != exitOK {
				t.Fatalf("exit %d: %s\n%s", r.code, r.stderr, r.stdout)
			}
			var rep jessy.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Answer != "the answer" || rep.Answered != 8 || rep.Model != env["LLM_MODEL"] {
				t.Errorf("answer %q, %d answered, model %q", rep.Answer, rep.Answered, rep.Model)
			}
			reqs := s.Requests()
			if len(reqs) != 9 {
				t.Fatalf("%d requests, want 9", len(reqs))
			}
			for _, req := range reqs {
				auth := req.Header.Get("Authorization") + req.Header.Get("X-Api-Key")
				if (tt.key == "") != (auth == "") || !strings.Contains(auth, tt.key) {
					t.Errorf("credentials sent %q, want the key %q", auth, tt.key)
				}
			}
			if strings.Contains(r.stderr, "test-") || strings.Contains(r.stdout, "test-") {
				t.Error("the key appears in the output")
			}
		})
	}
}

func TestMissingKeyForHostedAPI(t *testing.T) {
	r := jessyRun(t, map[string]string{"LLM_PROVIDER": "anthropic", "LLM_MODEL": "claude"}, "", "q?")
	if r.code != exitUsage || !strings.Contains(r.stderr, "ANTHROPIC_API_KEY") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming ANTHROPIC_API_KEY", r.code, r.stderr)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A council of two models on two backends with a third model as the
// synthesizer runs from a config file, and the report says who wrote what.
func TestCouncilFromConfigFile(t *testing.T) {
	local := providertest.NewOllama(t, func(_ int, req providertest.Request) providertest.Reply {
		return okReply("local insight from " + req.Model)
	}, "small", "smaller")
	remote := providertest.NewOpenAI(t, func(_ int, req providertest.Request) providertest.Reply {
		return okReply("chair answer from " + req.Model)
	})
	path := writeConfig(t, fmt.Sprintf(`
backends:
  - {name: laptop, kind: ollama, base_url: %s, concurrency: 2}
  - {name: gpu, kind: openai, base_url: %s/v1}
thinkers:
  - {backend: laptop, model: small}
  - {backend: laptop, model: smaller}
synthesizer: {backend: gpu, model: big}
`, local.URL, remote.URL))
	r := jessyRun(t, map[string]string{}, "", "--config", path, "--json", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	for i, th := range rep.Thoughts {
		want := []string{"small", "smaller"}[i%2]
		if th.Backend != "laptop" || th.Model != want || th.Text != "local insight from "+want {
			t.Errorf("thought %d by %s/%s: %q", i, th.Backend, th.Model, th.Text)
		}
	}
	if rep.Synthesis.Backend != "gpu" || rep.Synthesis.Model != "big" || rep.Answer != "chair answer from big" {
		t.Errorf("synthesis by %s/%s: %q", rep.Synthesis.Backend, rep.Synthesis.Model, rep.Answer)
	}
	if local.PeakInFlight() > 2 || len(local.Requests()) != 8 || len(remote.Requests()) != 1 {
		t.Errorf("laptop peak %d (limit 2), laptop calls %d, gpu calls %d", local.PeakInFlight(), len(local.Requests()), len(remote.Requests()))
	}
}

func TestConfigUnknownKeyNamesLine(t *testing.T) {
	path := writeConfig(t, "defaults:\n  thougths: 4\n")
	r := jessyRun(t, map[string]string{}, "", "--config", path, "q?")
	if r.code != exitUsage || !strings.Contains(r.stderr, ":2:") || !strings.Contains(r.stderr, `"thougths"`) {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
}

// --batch sends every thought in one request to a server that takes a list
// of prompts.
func TestBatchFlagSendsOneRequest(t *testing.T) {
	s := providertest.NewOpenAI(t, func(_ int, req providertest.Request) providertest.Reply {
		if len(req.Prompts) > 0 {
			r := providertest.Reply{Usage: jessy.Usage{PromptTokens: 80, CompletionTokens: 40}}
			for i := range req.Prompts {
				r.Chunks = append(r.Chunks, fmt.Sprintf("batched %d", i))
			}
			return r
		}
		return okReply("answer")
	})
	env := map[string]string{"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": s.URL + "/v1", "LLM_MODEL": "m"}
	r := jessyRun(t, env, "", "--batch", "--json", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var batches, chats int
	for _, req := range s.Requests() {
		switch {
		case strings.HasSuffix(req.Path, "/completions") && !strings.Contains(req.Path, "chat"):
			batches++
			if len(req.Prompts) != 8 {
				t.Errorf("batch of %d prompts, want 8", len(req.Prompts))
			}
		default:
			chats++
		}
	}
	var rep jessy.Report
	_ = json.Unmarshal([]byte(r.stdout), &rep)
	if batches != 1 || chats != 1 || rep.Answered != 8 || rep.Thoughts[5].Text != "batched 5" {
		t.Errorf("batches %d, chats %d, answered %d", batches, chats, rep.Answered)
	}
}

func TestInfoCommands(t *testing.T) {
	s := providertest.NewOllama(t, providertest.Always(okReply("x")), "stories260k")
	env := map[string]string{"OLLAMA_HOST": s.URL, "LLM_MODEL": "stories260k"}
	r := jessyRun(t, env, "", "doctor")
	if r.code != exitOK || !strings.Contains(r.stdout, "ok") || !strings.Contains(r.stdout, providertest.OllamaVersion) {
		t.Errorf("doctor: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = jessyRun(t, env, "", "models")
	if r.code != exitOK || !strings.Contains(r.stdout, "stories260k") {
		t.Errorf("models: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	env["LLM_MODEL"] = "absent"
	if r = jessyRun(t, env, "", "doctor"); r.code != exitFailed || !strings.Contains(r.stdout, "absent") {
		t.Errorf("doctor with a missing model: exit %d\n%s", r.code, r.stdout)
	}
	env = map[string]string{"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": "https://api.openai.com/v1", "OPENAI_API_KEY": "sk-secret-abcd", "LLM_MODEL": "m"}
	r = jessyRun(t, env, "", "config")
	if r.code != exitOK || strings.Contains(r.stdout, "sk-secret") || !strings.Contains(r.stdout, "api.openai.com") {
		t.Errorf("config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// --fallback names a synthesizer that takes over when the synthesis fails
// for good, and the report says it answered.
func TestFallbackFlag(t *testing.T) {
	s := providertest.NewOllama(t, func(_ int, req providertest.Request) providertest.Reply {
		switch {
		case !providertest.IsSynthesis(req):
			return okReply("insight")
		case req.Model == "chair":
			return providertest.Reply{Status: 400, Message: "chair refuses"}
		default:
			return okReply("answer by " + req.Model)
		}
	}, "m", "chair", "spare")
	env := map[string]string{"OLLAMA_HOST": s.URL, "LLM_MODEL": "m"}
	r := jessyRun(t, env, "", "--json", "--synthesis-model", "chair", "--fallback", "ollama=spare", "q?")
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s %s", err, r.stdout, r.stderr)
	}
	if r.code != exitOK || rep.Answer != "answer by spare" || rep.Synthesis.Model != "spare" {
		t.Errorf("exit %d, answer %q by %s", r.code, rep.Answer, rep.Synthesis.Model)
	}
	if r = jessyRun(t, env, "", "--fallback", "nope=x", "q?"); r.code != exitUsage || !strings.Contains(r.stderr, "--fallback") {
		t.Errorf("bad --fallback: exit %d %q", r.code, r.stderr)
	}
}
