// Package clienttest checks the server with real OpenAI clients: the
// official Go SDK and the official Node.js package. It lives apart from
// package server so that the server's unit tests do not link the SDK.
//
// Start serves a server backed by a scripted in-process fake on
// 127.0.0.1:0, for those tests and for manual checks.
package clienttest

import (
	"context"
	"net"
	"testing"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/prompt"
	"github.com/jessy-llm/jessy/providertest"
	"github.com/jessy-llm/jessy/server"
)

// The fake backend's answers: each thought says "insight i" with
// ThoughtUsage, the synthesis says Answer with SynthesisUsage.
const Answer = "The sky is blue because air scatters blue light most."

var (
	ThoughtUsage   = jessy.Usage{PromptTokens: 10, CompletionTokens: 5}
	SynthesisUsage = jessy.Usage{PromptTokens: 100, CompletionTokens: 20}
)

// Thoughts is the number of thoughts of the "jessy" model.
const Thoughts = 8

// Key is the API key the test server requires.
const Key = "sk-jessy-client-test"

type catalog map[string]*engine.Engine

func (c catalog) Engine(model string) (*engine.Engine, error) {
	if e, ok := c[model]; ok {
		return e, nil
	}
	return nil, jessy.Errorf(jessy.KindModelNotFound, "no model %q", model)
}

func (c catalog) Models() []server.ModelEntry { return []server.ModelEntry{{ID: "jessy"}} }

// Start serves a server that requires Key, with one model "jessy" that
// runs Thoughts thoughts on a fake backend, until t ends. It returns the
// base URL (ending in /v1) and the fake.
func Start(t testing.TB) (string, *providertest.Fake) {
	t.Helper()
	f := providertest.NewFake(func(_ int, req providertest.Request) providertest.Reply {
		var r providertest.Reply
		if len(req.Messages) > 0 && req.Messages[0].Content == prompt.DefaultSynthesisSystem {
			r = providertest.Text(Answer)
			r.Usage = SynthesisUsage
		} else {
			r = providertest.Text("an insight")
			r.Usage = ThoughtUsage
		}
		return r
	})
	eng := engine.New(engine.Target{Backend: "fake", Provider: f, Model: "m"}, engine.Options{Thoughts: Thoughts})
	s, err := server.New(server.Config{APIKeys: []string{Key}}, catalog{"jessy": eng})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/v1", f
}

// WantUsage is the usage of one run: every thought plus the synthesis.
func WantUsage() jessy.Usage {
	u := SynthesisUsage
	for range Thoughts {
		u = u.Add(ThoughtUsage)
	}
	return u
}
