package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy/providertest"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := jessyRun(t, nil, "", args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "jessy ") || strings.TrimSpace(r.stdout) == "jessy" {
			t.Errorf("jessy %v: exit %d, stdout %q, want \"jessy <version>\"", args, r.code, r.stdout)
		}
	}
}

func TestMistypedCommandIsNotAsked(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply { return okReply("a thought") }, okReply("the answer"))
	for _, c := range []struct {
		args    []string
		code    int
		suggest string // in stderr; "" for a question that runs
	}{
		{[]string{"doctr"}, exitUsage, "did you mean doctor?"},
		{[]string{"modles"}, exitUsage, "did you mean models?"},
		{[]string{"srve"}, exitUsage, "did you mean serve?"},
		{[]string{"--", "doctr"}, exitOK, ""},
		{[]string{"hello"}, exitOK, ""},
		{[]string{"why is the sky blue"}, exitOK, ""},
	} {
		before := len(s.Requests())
		r := jessyRun(t, env, "", c.args...)
		calls := len(s.Requests()) - before
		if r.code != c.code {
			t.Errorf("jessy %q: exit %d, want %d; stderr %s", c.args, r.code, c.code, r.stderr)
		}
		if c.suggest != "" {
			if !strings.Contains(r.stderr, c.suggest) {
				t.Errorf("jessy %q: stderr %q, want %q", c.args, r.stderr, c.suggest)
			}
			if calls != 0 {
				t.Errorf("jessy %q made %d backend calls, want none", c.args, calls)
			}
		} else if calls != 9 {
			t.Errorf("jessy %q made %d backend calls, want the 9 of a run", c.args, calls)
		}
	}
}

func TestInterruptExits130(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return providertest.Reply{Hang: true} }, okReply("never"))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	var out, errb syncBuffer
	code := run(ctx, []string{"a question"}, stdio{in: strings.NewReader(""), out: &out, err: &errb,
		getenv: func(k string) string { return env[k] }, inTTY: true, termWidth: func() int { return 80 }})
	if code != exitInterrupted {
		t.Errorf("exit %d after the interrupt, want %d; stderr %s", code, exitInterrupted, errb.String())
	}
}
