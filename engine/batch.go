package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/prompt"
)

// batchNote is the Result.Note of a run whose batched request was refused.
const batchNote = "the server refused batched prompts; sent one request per thought"

// batcher returns the only thinker's provider when a parallel run's
// thoughts go to it as one batched request: Options.Batch is set and the
// provider is a jessy.Batcher itself (a decorator that guards batches is
// one; jessy.Find is not used, so no guard is bypassed). Else it is nil.
func (e *Engine) batcher() jessy.Batcher {
	if !e.Batch || len(e.Thinkers) != 1 {
		return nil
	}
	b, _ := e.Thinkers[0].Provider.(jessy.Batcher)
	return b
}

// runBatch sends every thought of a parallel run as one batched request to
// the only thinker (see batcher). When the server refuses the list, having
// sent nothing to sink, it runs the thoughts one request each (runParallel)
// and says so in the note.
func (e *Engine) runBatch(ctx context.Context, conv []jessy.Message, levels []int, sink jessy.Sink) outcome {
	t, b := e.Thinkers[0], e.batcher()
	n := e.thoughts()
	angles := e.Prompts.AnglesFor(n)
	req := jessy.BatchRequest{Model: t.Model, MaxTokens: cmp.Or(e.MaxTokens, DefaultMaxTokens), Temperature: e.Temperature}
	thoughts := make([]jessy.Thought, n)
	for i, a := range angles {
		req.Prompts = append(req.Prompts, prompt.Flatten(e.Prompts.Thought(conv, a, i, n, nil)))
		th := jessy.Thought{Index: i, Phase: a.Phase, Angle: a.Question}
		th.Backend, th.Model = t.Backend, t.Model
		thoughts[i] = th
	}

	cctx := ctx
	if e.ThoughtTimeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeoutCause(ctx, e.ThoughtTimeout,
			jessy.Errorf(jessy.KindTimeout, "batched thoughts timed out after %s", e.ThoughtTimeout).
				WithBackend(t.Backend).WithCause(jessy.ErrCallTimeout))
		defer cancel()
	}
	start := time.Now()
	texts, usage, err := b.CompleteBatch(cctx, req)
	if errors.Is(err, jessy.ErrBatchUnsupported) && ctx.Err() == nil {
		o := e.runParallel(ctx, conv, levels, sink)
		o.note = batchNote
		return o
	}
	if err != nil && cctx.Err() != nil {
		err = context.Cause(cctx)
	}
	d := time.Since(start)
	for i := range thoughts {
		th := &thoughts[i]
		th.Start, th.Duration = start, d
		th.Attempts = []jessy.Attempt{{Start: start, Duration: d, Err: err}}
		sink(jessy.Event{Type: jessy.EventThoughtStarted, Index: i, Thought: snapshotThought(*th)})
		switch {
		case err != nil:
			th.Status, th.Err = jessy.StatusFailed, err
		case i >= len(texts) || strings.TrimSpace(texts[i]) == "":
			th.Status = jessy.StatusFailed
			th.Err = jessy.Errorf(jessy.KindProtocol, "the model returned an empty answer").WithBackend(t.Backend)
		default:
			th.Status, th.Text, th.TTFT = jessy.StatusOK, texts[i], d
		}
		th.Attempts[0].Err = th.Err
		typ := jessy.EventThoughtDone
		if th.Status != jessy.StatusOK {
			typ = jessy.EventThoughtFailed
		} else {
			sink(jessy.Event{Type: jessy.EventThoughtDelta, Index: i, Text: th.Text})
		}
		sink(jessy.Event{Type: typ, Index: i, Thought: snapshotThought(*th), Err: th.Err})
	}
	// The request's usage is the thoughts' usage; it is put on the first
	// thought so that sums over thoughts stay right.
	thoughts[0].Usage = usage
	return outcome{thoughts: thoughts, note: fmt.Sprintf("batched: %d thoughts in one request", n)}
}

// snapshotThought returns a copy of th for an event, with its own Attempts.
func snapshotThought(th jessy.Thought) *jessy.Thought {
	th.Attempts = slices.Clone(th.Attempts)
	return &th
}
