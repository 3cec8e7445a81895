package engine

import (
	"context"
	"time"

	"github.com/jessy-llm/jessy"
)

// strategyFunc is a way of running a run's thinking phase: sequential,
// parallel, batched or speculative. It runs the thoughts at the thinker
// targets' concurrency levels (see choose), sends their events to sink from
// the calling goroutine, and returns once every call it started has
// returned.
type strategyFunc func(ctx context.Context, conv []jessy.Message, levels []int, sink jessy.Sink) outcome

// outcome is what a strategy made of the thinking phase.
type outcome struct {
	// thoughts are every thought of the run, in index order.
	thoughts []jessy.Thought
	// synthesis is set when the strategy made the synthesis call itself
	// and it ended with an answer that counts (or failed for good).
	synthesis *jessy.Call
	// thinkingDone, when set, is when the thinking phase ended; else it is
	// when the strategy returned.
	thinkingDone time.Time
	// note is the Result's Note.
	note string
	// speed holds the strategy's own speed facts: CutOff, Agreement,
	// SynthesisRestarts and WastedUsage.
	speed jessy.Speed
}

// strategy returns the strategy of e's runs.
func (e *Engine) strategy() strategyFunc {
	switch {
	case e.mode() == jessy.ModeSequential:
		return e.runSequential
	case e.Speculative:
		return e.runSpeculative
	case e.batcher() != nil:
		return e.runBatch
	}
	return e.runParallel
}

// speedOf returns sp, the run's speed so far, with the strategy's own facts
// from o and the counts of the cut-off computed from o's thoughts:
// Canceled, Skipped, CallsSaved and TokensSaved.
func speedOf(sp jessy.Speed, o outcome) jessy.Speed {
	sp.CutOff, sp.Agreement = o.speed.CutOff, o.speed.Agreement
	sp.SynthesisRestarts, sp.WastedUsage = o.speed.SynthesisRestarts, o.speed.WastedUsage
	var okTokens, ok, canceledTokens int
	for _, th := range o.thoughts {
		switch th.Status {
		case jessy.StatusOK:
			okTokens += th.Usage.Total()
			ok++
		case jessy.StatusCanceled:
			sp.Canceled++
			canceledTokens += th.Usage.Total()
		case jessy.StatusSkipped:
			sp.Skipped++
		}
	}
	sp.CallsSaved = sp.Canceled + sp.Skipped
	if ok > 0 {
		sp.TokensSaved = max(0, okTokens*sp.CallsSaved/ok-canceledTokens)
	}
	return sp
}
