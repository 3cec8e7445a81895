package engine_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

// A run sends N thoughts (here 3) to one model and then synthesizes an
// answer from them. The fake provider answers each thought with its index
// and the synthesis with a fixed text.
func Example() {
	fake := providertest.NewFake(providertest.Run(
		func(i int) providertest.Reply { return providertest.Text(fmt.Sprintf("insight %d", i)) },
		providertest.Text("Rayleigh scattering."),
	))
	e := engine.New(engine.Target{Backend: "fake", Provider: fake, Model: "m"}, engine.Options{Thoughts: 3})
	conv := []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}
	res, err := e.Run(context.Background(), conv, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, th := range res.Thoughts {
		fmt.Printf("thought %d: %s\n", th.Index+1, th.Text)
	}
	fmt.Println("answer:", res.Answer())
	// Output:
	// thought 1: insight 0
	// thought 2: insight 1
	// thought 3: insight 2
	// answer: Rayleigh scattering.
}

// A council: thoughts go round-robin to several thinker targets, possibly
// different backends and models, and a separate synthesizer answers from
// them all. The sink sees every event from the goroutine that called Run.
func Example_council() {
	thinker := func(name string) engine.Target {
		return engine.Target{Backend: name, Model: name + "-model",
			Provider: providertest.NewFake(providertest.Always(providertest.Text("a view from " + name)))}
	}
	chair := providertest.NewFake(providertest.Always(providertest.Text("the council's answer")))
	e := &engine.Engine{
		Thinkers:    []engine.Target{thinker("alpha"), thinker("beta")},
		Synthesizer: engine.Target{Backend: "chair", Provider: chair, Model: "chair-model"},
		Options:     engine.Options{Thoughts: 4},
	}
	done := 0
	sink := func(ev jessy.Event) {
		if ev.Type == jessy.EventThoughtDone {
			done++
		}
	}
	conv := []jessy.Message{{Role: jessy.RoleUser, Content: "Should we ship on Friday?"}}
	res, err := e.Run(context.Background(), conv, sink)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, th := range res.Thoughts {
		fmt.Printf("thought %d by %s (%s): %s\n", th.Index+1, th.Backend, th.Model, th.Text)
	}
	fmt.Printf("%d thought.done events; answer by %s: %s\n", done, res.Synthesis.Backend, res.Answer())
	// Output:
	// thought 1 by alpha (alpha-model): a view from alpha
	// thought 2 by beta (beta-model): a view from beta
	// thought 3 by alpha (alpha-model): a view from alpha
	// thought 4 by beta (beta-model): a view from beta
	// 4 thought.done events; answer by chair: the council's answer
}

// shouter is a provider of its own: it answers with the last message of
// the request in capitals, streamed as one delta. Any type with this Chat
// method can be a Target's Provider.
type shouter struct{}

func (shouter) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	if err := ctx.Err(); err != nil {
		return jessy.Usage{}, err
	}
	last := req.Messages[len(req.Messages)-1].Content
	first, _, _ := strings.Cut(last, "\n")
	if err := fn(jessy.Delta{Text: strings.ToUpper(first)}); err != nil {
		return jessy.Usage{}, err
	}
	return jessy.Usage{PromptTokens: len(strings.Fields(last)), CompletionTokens: len(strings.Fields(first))}, nil
}

// A custom provider: implement jessy.Provider's one method and give it to
// a Target.
func Example_customProvider() {
	e := engine.New(engine.Target{Backend: "shouter", Provider: shouter{}, Model: "loud"},
		engine.Options{Thoughts: 2, Mode: jessy.ModeSequential})
	conv := []jessy.Message{{Role: jessy.RoleUser, Content: "hello there"}}
	res, err := e.Run(context.Background(), conv, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(res.Mode, len(res.Thoughts), "thoughts")
	fmt.Println("answer:", res.Answer())
	// Output:
	// sequential 2 thoughts
	// answer: HELLO THERE
}
