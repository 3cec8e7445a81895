package engine

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jessy-llm/jessy"
)

// think makes and returns thought i of n from angle with the given earlier
// thoughts. It sends its events to emit but for the last one, which the
// caller sends (see lastEvent). settle, when set, may change the finished
// thought (its status above all) before it is returned.
func (e *Engine) think(ctx context.Context, conv []jessy.Message, angle jessy.Angle, i, n int, earlier []jessy.Thought,
	emit func(jessy.Event), settle func(jessy.Thought) jessy.Thought) jessy.Thought {
	t := e.Thinkers[i%len(e.Thinkers)]
	th := jessy.Thought{Index: i, Phase: angle.Phase, Angle: angle.Question}
	th.Backend, th.Model = t.Backend, t.Model
	emit(jessy.Event{Type: jessy.EventThoughtStarted, Index: i, Thought: snapshotThought(th)})
	req := jessy.ChatRequest{
		Model:       t.Model,
		Messages:    e.Prompts.Thought(conv, angle, i, n, earlier),
		MaxTokens:   cmp.Or(e.MaxTokens, DefaultMaxTokens),
		Temperature: e.Temperature,
	}
	th.Call, _ = e.call(ctx, t, req, e.ThoughtTimeout, callHooks{
		delta: func(d jessy.Delta) {
			emit(jessy.Event{Type: jessy.EventThoughtDelta, Index: i, Text: d.Text, Reasoning: d.Reasoning})
		},
		retry: func(c jessy.Call, err error) {
			s := th
			s.Call = c
			emit(jessy.Event{Type: jessy.EventThoughtRetry, Index: i, Thought: &s, Err: err})
		},
	})
	if settle != nil {
		th = settle(th)
	}
	return th
}

// lastEvent is the last event of thought th, which started and finished:
// thought.done, thought.canceled or thought.failed.
func lastEvent(th jessy.Thought) jessy.Event {
	typ := jessy.EventThoughtFailed
	switch th.Status {
	case jessy.StatusOK:
		typ = jessy.EventThoughtDone
	case jessy.StatusCanceled:
		typ = jessy.EventThoughtCanceled
	}
	var err error
	if th.Status != jessy.StatusOK {
		err = th.Err
	}
	return jessy.Event{Type: typ, Index: th.Index, Thought: snapshotThought(th), Err: err}
}

// notStarted is the record of a thought that never got a slot.
func notStarted(e *Engine, angle jessy.Angle, i int, err error) jessy.Thought {
	t := e.Thinkers[i%len(e.Thinkers)]
	th := jessy.Thought{Index: i, Phase: angle.Phase, Angle: angle.Question}
	th.Backend, th.Model = t.Backend, t.Model
	th.Status, th.Err = jessy.StatusFailed, err
	return th
}

// runSequential runs the thoughts one after another, each seeing the
// earlier successful ones. From the fourth thought on, it stops when a
// thought's words are nearly those of the one before (Jaccard similarity of
// at least ConvergenceThreshold); the rest are recorded as skipped and the
// note says so.
func (e *Engine) runSequential(ctx context.Context, conv []jessy.Message, _ []int, sink jessy.Sink) outcome {
	n := e.thoughts()
	angles := e.Prompts.AnglesFor(n)
	thoughts := make([]jessy.Thought, 0, n)
	var ok []jessy.Thought
	note := ""
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			thoughts = append(thoughts, notStarted(e, angles[i], i, context.Cause(ctx)))
			continue
		}
		th := e.think(ctx, conv, angles[i], i, n, ok, sink, nil)
		sink(lastEvent(th))
		thoughts = append(thoughts, th)
		if th.Status != jessy.StatusOK {
			continue
		}
		ok = append(ok, th)
		if i+1 >= convergenceFrom && len(ok) >= 2 && i > 0 && thoughts[i-1].Status == jessy.StatusOK &&
			jessy.Jaccard(thoughts[i-1].Text, th.Text) >= ConvergenceThreshold {
			note = fmt.Sprintf("converged after %d of %d thoughts", i+1, n)
			for j := i + 1; j < n; j++ {
				s := notStarted(e, angles[j], j, nil)
				s.Status = jessy.StatusSkipped
				thoughts = append(thoughts, s)
			}
			break
		}
	}
	return outcome{thoughts: thoughts, note: note}
}
