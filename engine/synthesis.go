package engine

import (
	"cmp"
	"context"
	"time"

	"github.com/jessy-llm/jessy"
)

// synthesize makes the synthesis call from the successful thoughts ok (of
// n), trying the Synthesizer and then each of the Fallbacks until one
// answers. It returns the call of the target that answered, or of the last
// one tried, with Start, Duration, TTFT and Usage covering every target and
// Attempts listing every attempt across them. Events reach sink from the
// calling goroutine.
func (e *Engine) synthesize(ctx context.Context, conv []jessy.Message, ok []jessy.Thought, n int, sink jessy.Sink) jessy.Call {
	targets := append([]Target{e.Synthesizer}, e.Fallbacks...)
	messages := e.Prompts.Synthesis(conv, ok, n)
	start := time.Now()
	var all jessy.Call
	hooks := callHooks{
		delta: func(d jessy.Delta) {
			sink(jessy.Event{Type: jessy.EventSynthesisDelta, Index: -1, Text: d.Text, Reasoning: d.Reasoning})
		},
	}
	sink(jessy.Event{Type: jessy.EventSynthesisStarted, Index: -1, Synthesis: &jessy.Call{Backend: e.Synthesizer.Backend, Model: e.Synthesizer.Model, Start: start}})
	for k, t := range targets {
		prior := all
		hooks.retry = func(c jessy.Call, err error) {
			m := merge(prior, c, start)
			sink(jessy.Event{Type: jessy.EventSynthesisRetry, Index: -1, Synthesis: &m, Err: err})
		}
		req := jessy.ChatRequest{
			Model:       t.Model,
			Messages:    messages,
			MaxTokens:   cmp.Or(e.SynthesisMaxTokens, DefaultSynthesisMaxTokens),
			Temperature: e.Temperature,
		}
		c, streamed := e.call(ctx, t, req, e.SynthesisTimeout, hooks)
		all = merge(prior, c, start)
		if c.Status == jessy.StatusOK || streamed || ctx.Err() != nil ||
			jessy.KindOf(c.Err) == jessy.KindCanceled || k == len(targets)-1 {
			break
		}
		next := targets[k+1]
		snap := jessy.Call{Backend: next.Backend, Model: next.Model, Start: start, Usage: all.Usage,
			Duration: time.Since(start), Attempts: append([]jessy.Attempt(nil), all.Attempts...)}
		sink(jessy.Event{Type: jessy.EventSynthesisFallback, Index: -1, Synthesis: &snap, Err: c.Err})
	}
	return all
}

// merge returns c, the call to one synthesis target, as part of a synthesis
// that began at start and had made the calls summed in prior. The result
// may share c's Attempts.
func merge(prior, c jessy.Call, start time.Time) jessy.Call {
	if c.Text != "" || c.Reasoning != "" {
		c.TTFT += c.Start.Sub(start)
	}
	c.Start = start
	c.Duration = time.Since(start)
	c.Usage = prior.Usage.Add(c.Usage)
	if len(prior.Attempts) > 0 {
		c.Attempts = append(append([]jessy.Attempt(nil), prior.Attempts...), c.Attempts...)
	}
	return c
}
