package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

func TestMain(m *testing.M) {
	// Keep the user's own config file out of the tests.
	dir, err := os.MkdirTemp("", "jessy-test-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("HOME", dir)
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// Pooled keep-alive connections to a real server are not leaks.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is what one run of the command printed.
type result struct {
	code           int
	stdout, stderr string
}

// jessyRun runs the command with args, env and stdin, as a user would.
func jessyRun(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	io := stdio{
		in: strings.NewReader(stdin), out: &out, err: &errb,
		getenv:    func(k string) string { return env[k] },
		inTTY:     stdin == "",
		termWidth: func() int { return 80 },
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	code := run(ctx, args, io)
	return result{code, out.String(), errb.String()}
}

// fakeOllama answers thoughts with thought and the synthesis with synth.
func fakeOllama(t *testing.T, thought func(n int) providertest.Reply, synth providertest.Reply) (*providertest.Server, map[string]string) {
	s := providertest.NewOllama(t, func(n int, req providertest.Request) providertest.Reply {
		if providertest.IsSynthesis(req) {
			return synth
		}
		return thought(n)
	})
	return s, map[string]string{"OLLAMA_HOST": s.URL, "LLM_MODEL": "stories260k"}
}

func okReply(text string) providertest.Reply {
	r := providertest.Text(text)
	r.Usage = jessy.Usage{PromptTokens: 20, CompletionTokens: 7}
	return r
}

func TestAnswerStreamsToStdoutAndProgressToStderr(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("an insight") }, okReply("The sky is blue because of scattering."))
	r := jessyRun(t, env, "", "Why", "is", "the", "sky", "blue?")
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r.stdout != "The sky is blue because of scattering.\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	for _, want := range []string{"thought 1 exploration: What do we know?", "thought 8 ok in", "synthesis from 8 of 8 thoughts", "8 of 8 thoughts answered", "thinking phase", "calls, summed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "\x1b[") {
		t.Error("escape codes in progress that is not on a terminal")
	}
}

func TestJSONContract(t *testing.T) {
	s, env := fakeOllama(t, func(n int) providertest.Reply { return okReply("insight") }, okReply("answer text"))
	r := jessyRun(t, env, "", "--json", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"answer", "mode", "model", "thoughts", "timings", "usage"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if got["answer"] != "answer text" || got["mode"] != "parallel" || got["model"] != "stories260k" {
		t.Errorf("answer/mode/model = %v %v %v", got["answer"], got["mode"], got["model"])
	}
	if _, ok := got["error"]; ok {
		t.Error("a successful run has an error field")
	}
	thoughts := got["thoughts"].([]any)
	if len(thoughts) != 8 {
		t.Fatalf("%d thoughts", len(thoughts))
	}
	for i, th := range thoughts {
		m := th.(map[string]any)
		for _, k := range []string{"index", "phase", "angle", "status", "text", "duration_ms", "ttft_ms", "backend", "model"} {
			if _, ok := m[k]; !ok {
				t.Errorf("thought %d lacks %q", i, k)
			}
		}
		if m["status"] != "ok" || m["index"] != float64(i) || m["text"] != "insight" {
			t.Errorf("thought %d = %v", i, m)
		}
	}
	timings := got["timings"].(map[string]any)
	for _, k := range []string{"thinking_ms", "synthesis_ms", "total_ms", "sequential_equivalent_ms"} {
		if v, ok := timings[k].(float64); !ok || v < 0 {
			t.Errorf("timings.%s = %v", k, timings[k])
		}
	}
	usage := got["usage"].(map[string]any)
	if usage["prompt_tokens"] != float64(180) || usage["completion_tokens"] != float64(63) {
		t.Errorf("usage = %v, want 9 calls' worth", usage)
	}
	if len(s.Requests()) != 9 {
		t.Errorf("%d requests, want 9", len(s.Requests()))
	}
}

func TestFlagsReachTheBackend(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	r := jessyRun(t, env, "", "-q", "--thoughts", "3", "--max-tokens", "17", "--synthesis-max-tokens", "99", "--model", "other", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	reqs := s.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 3 thoughts + synthesis", len(reqs))
	}
	for _, req := range reqs {
		want := 17
		if providertest.IsSynthesis(req) {
			want = 99
		}
		if req.MaxTokens != want || req.Model != "other" {
			t.Errorf("request model %q max tokens %d, want other/%d", req.Model, req.MaxTokens, want)
		}
	}
	if r.stderr != "" || r.stdout != "y\n" {
		t.Errorf("--quiet printed stderr %q stdout %q", r.stderr, r.stdout)
	}
}

func TestQuestionFromStdin(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	r := jessyRun(t, env, "What is 2+2?\n", "-q")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if q := jessy.LastUserContent(s.Requests()[0].Messages); !strings.HasPrefix(q, "What is 2+2?") {
		t.Errorf("question sent = %q", q)
	}
}

func TestSequentialMode(t *testing.T) {
	s, env := fakeOllama(t, func(n int) providertest.Reply { return okReply("distinct " + strings.Repeat("x", n)) }, okReply("y"))
	r := jessyRun(t, env, "", "--sequential", "--json", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mode != jessy.ModeSequential || s.PeakInFlight() != 1 {
		t.Errorf("mode %s, peak in flight %d", rep.Mode, s.PeakInFlight())
	}
}

func TestUsageErrors(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no question", env, nil, "no question"},
		{"unknown flag", env, []string{"--nope", "q"}, "unknown flag"},
		{"unknown provider", map[string]string{"LLM_PROVIDER": "nope", "LLM_MODEL": "m"}, []string{"q"}, `LLM_PROVIDER is "nope"; it must be one of ollama, openai, anthropic`},
		{"no model", map[string]string{"OLLAMA_HOST": env["OLLAMA_HOST"]}, []string{"q"}, "no model"},
		{"zero thoughts", env, []string{"--thoughts", "0", "q"}, "--thoughts"},
		{"quorum above thoughts", env, []string{"--thoughts", "2", "--min-thoughts", "3", "q"}, "min_thoughts (3) exceeds thoughts (2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := jessyRun(t, tt.env, "", tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	r := jessyRun(t, map[string]string{"OLLAMA_HOST": "http://" + addr, "LLM_MODEL": "m"}, "", "--json", "q?")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, addr) || !strings.Contains(r.stderr, "ollama serve") {
		t.Errorf("stderr does not name the address and how to start Ollama:\n%s", r.stderr)
	}
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("no JSON on failure: %v\n%s", err, r.stdout)
	}
	if rep.Error == "" || rep.ErrorKind != "unreachable" || len(rep.Thoughts) != 8 || rep.Thoughts[0].Status != jessy.StatusFailed {
		t.Errorf("report error %q kind %q thoughts %d", rep.Error, rep.ErrorKind, len(rep.Thoughts))
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v to report an unreachable server", d)
	}
}

func TestSynthesisFailureShowsThoughts(t *testing.T) {
	_, env := fakeOllama(t, func(n int) providertest.Reply { return okReply("kept insight") },
		providertest.Reply{Status: 400, Message: "prompt too long for the context"})
	r := jessyRun(t, env, "", "q?")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "prompt too long for the context") || strings.Count(r.stderr, "kept insight") < 8 {
		t.Errorf("stderr lacks the real error or the thoughts:\n%s", r.stderr)
	}
	r = jessyRun(t, env, "", "--json", "q?")
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if r.code != exitFailed || rep.Answered != 8 || !strings.Contains(rep.Error, "prompt too long") || rep.Thoughts[3].Text != "kept insight" {
		t.Errorf("exit %d, report %+v", r.code, rep)
	}
}

func TestFailedThoughtsReported(t *testing.T) {
	_, env := fakeOllama(t, func(n int) providertest.Reply {
		if n < 2 {
			return providertest.Reply{Status: 400, Message: "bad angle"}
		}
		return okReply("fine")
	}, okReply("answer"))
	r := jessyRun(t, env, "", "--retries", "0", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "6 of 8 thoughts answered (2 failed)") || !strings.Contains(r.stderr, "bad angle") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestRunTimeoutFlag(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply { return providertest.Reply{Hang: true} }, okReply("y"))
	start := time.Now()
	r := jessyRun(t, env, "", "--timeout", "300ms", "q?")
	if r.code != exitFailed || !strings.Contains(r.stderr, "run timed out after 300ms") {
		t.Errorf("exit %d stderr:\n%s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if !s.WaitIdle(5 * time.Second) {
		t.Error("calls left in flight after the run timed out")
	}
}
