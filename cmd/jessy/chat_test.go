package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// chatSession runs `jessy chat -q --thoughts 2` with the lines of input.
func chatSession(t *testing.T, env map[string]string, input string) result {
	t.Helper()
	var out, errb bytes.Buffer
	sig := make(chan os.Signal, 1)
	io := stdio{
		in: strings.NewReader(input), out: &out, err: &errb,
		getenv:     func(k string) string { return env[k] },
		termWidth:  func() int { return 80 },
		interrupts: func() (<-chan os.Signal, func()) { return sig, func() {} },
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	code := run(ctx, []string{"chat", "-q", "--thoughts", "2"}, io)
	return result{code, out.String(), errb.String()}
}

func TestChatKeepsTheConversation(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply { return okReply("thinking") }, okReply("answer"))
	r := chatSession(t, env, "first question\nsecond question\n")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stdout != "answer\nanswer\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	reqs := s.Requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 2 runs of 3", len(reqs))
	}
	for _, req := range reqs[3:] {
		var roles []string
		for _, m := range req.Messages {
			roles = append(roles, string(m.Role))
		}
		got := strings.Join(roles, ",")
		if got != "system,user,assistant,user" || req.Messages[1].Content != "first question" || req.Messages[2].Content != "answer" {
			t.Errorf("second turn's request has roles %s: %+v", got, req.Messages)
		}
		if !strings.HasPrefix(req.Messages[3].Content, "second question") {
			t.Errorf("last message = %q", req.Messages[3].Content)
		}
	}
}

func TestChatReset(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	r := chatSession(t, env, "one\n/reset\ntwo\n/exit\nthree\n")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	reqs := s.Requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 2 runs (three comes after /exit)", len(reqs))
	}
	if n := len(reqs[5].Messages); n != 2 {
		t.Errorf("after /reset the synthesis saw %d messages, want system and the question", n)
	}
}

// Ctrl-C cancels the run in progress, every call of it, and the session
// goes on with the next question.
func TestChatInterruptCancelsOnlyTheRun(t *testing.T) {
	var sig chan os.Signal
	s := providertest.NewOllama(t, func(n int, req providertest.Request) providertest.Reply {
		if strings.Contains(jessy.LastUserContent(req.Messages), "slow") && !providertest.IsSynthesis(req) {
			sig <- os.Interrupt
			return providertest.Reply{Hang: true}
		}
		return okReply("fast answer")
	})
	env := map[string]string{"OLLAMA_HOST": s.URL, "LLM_MODEL": "m"}
	var out, errb bytes.Buffer
	sig = make(chan os.Signal, 2)
	io := stdio{
		in: strings.NewReader("slow question\nquick question\n"), out: &out, err: &errb,
		getenv:     func(k string) string { return env[k] },
		termWidth:  func() int { return 80 },
		interrupts: func() (<-chan os.Signal, func()) { return sig, func() {} },
	}
	code := run(t.Context(), []string{"chat", "--thoughts", "1", "--concurrency", "1"}, io)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "cancelled") || out.String() != "fast answer\n" {
		t.Errorf("stdout %q stderr:\n%s", out.String(), errb.String())
	}
	if !s.WaitIdle(5 * time.Second) {
		t.Error("the cancelled run left a call in flight")
	}
	last := s.Requests()[len(s.Requests())-1]
	if len(last.Messages) != 2 {
		t.Errorf("the cancelled turn stayed in the conversation: %+v", last.Messages)
	}
}
