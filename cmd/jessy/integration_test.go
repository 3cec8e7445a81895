//go:build integration

package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

// realOllama returns the environment of the real Ollama that scripts/test.sh
// brings up. The test fails, never skips, when there is none.
func realOllama(t *testing.T) map[string]string {
	t.Helper()
	host := os.Getenv("JESSY_TEST_OLLAMA_HOST")
	if host == "" {
		t.Fatal("JESSY_TEST_OLLAMA_HOST is not set: run scripts/test.sh, or eval \"$(scripts/ollama.sh up)\" and set it to $OLLAMA_HOST")
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(host + "/api/version")
	if err != nil {
		t.Fatalf("the real Ollama at %s is not reachable (%v): run scripts/ollama.sh up", host, err)
	}
	resp.Body.Close()
	model := os.Getenv("JESSY_TEST_MODEL")
	if model == "" {
		model = "stories260k"
	}
	return map[string]string{"OLLAMA_HOST": host, "LLM_MODEL": model}
}

// The tiny model's context is 2048 tokens: short thoughts keep the
// synthesis prompt inside it.
var small = []string{"--max-tokens", "40", "--synthesis-max-tokens", "80"}

func runJSON(t *testing.T, env map[string]string, args ...string) (result, jessy.Report) {
	t.Helper()
	r := jessyRun(t, env, "", append(append([]string{"--json"}, small...), args...)...)
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report (%v): %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return r, rep
}

func TestRealOllamaParallelJSON(t *testing.T) {
	env := realOllama(t)
	r, rep := runJSON(t, env, "Why is the sky blue?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if rep.Mode != jessy.ModeParallel || len(rep.Thoughts) != 8 || rep.Answered != 8 {
		t.Fatalf("mode %s, %d thoughts, %d answered", rep.Mode, len(rep.Thoughts), rep.Answered)
	}
	for _, th := range rep.Thoughts {
		if th.Status != jessy.StatusOK || strings.TrimSpace(th.Text) == "" || th.DurationMS <= 0 || th.Usage.CompletionTokens == 0 {
			t.Errorf("thought %d: %+v", th.Index, th)
		}
	}
	if strings.TrimSpace(rep.Answer) == "" || rep.Usage.Total() == 0 || rep.Timings.TotalMS <= 0 {
		t.Errorf("answer %q usage %+v timings %+v", rep.Answer, rep.Usage, rep.Timings)
	}
	if rep.Timings.SequentialEquivalentMS < rep.Timings.ThinkingMS {
		t.Errorf("sequential equivalent %v below the thinking phase %v", rep.Timings.SequentialEquivalentMS, rep.Timings.ThinkingMS)
	}
}

func TestRealOllamaSequential(t *testing.T) {
	env := realOllama(t)
	r, rep := runJSON(t, env, "--sequential", "--thoughts", "4", "What is a story?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if rep.Mode != jessy.ModeSequential || rep.Answered < 1 || strings.TrimSpace(rep.Answer) == "" {
		t.Errorf("mode %s answered %d answer %q", rep.Mode, rep.Answered, rep.Answer)
	}
}

func TestRealOllamaTextOutput(t *testing.T) {
	env := realOllama(t)
	r := jessyRun(t, env, "", append(small, "--thoughts", "3", "Tell me about a cat.")...)
	if r.code != exitOK || strings.TrimSpace(r.stdout) == "" || !strings.Contains(r.stderr, "3 of 3 thoughts answered") {
		t.Errorf("exit %d stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestRealOllamaModelNotFound(t *testing.T) {
	env := realOllama(t)
	env["LLM_MODEL"] = "no-such-model-jessy"
	r, rep := runJSON(t, env, "q?")
	if r.code != exitFailed || rep.ErrorKind != "model_not_found" {
		t.Fatalf("exit %d kind %q", r.code, rep.ErrorKind)
	}
	if !strings.Contains(r.stderr, "ollama pull no-such-model-jessy") {
		t.Errorf("stderr lacks the pull hint:\n%s", r.stderr)
	}
}

// The OpenAI-compatible backend, chosen only through LLM_PROVIDER and
// OPENAI_BASE_URL, against the real Ollama's /v1 endpoint.
func TestRealOllamaThroughOpenAIProvider(t *testing.T) {
	env := realOllama(t)
	env = map[string]string{"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": env["OLLAMA_HOST"] + "/v1", "LLM_MODEL": env["LLM_MODEL"]}
	r, rep := runJSON(t, env, "--thoughts", "3", "Tell me a story.")
	if r.code != exitOK || rep.Answered != 3 || strings.TrimSpace(rep.Answer) == "" || rep.Usage.Total() == 0 {
		t.Errorf("exit %d answered %d answer %q usage %+v\n%s", r.code, rep.Answered, rep.Answer, rep.Usage, r.stderr)
	}
}
