package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jessy-llm/jessy"
)

// The causes that end a speculative synthesis attempt early.
var (
	errRestart = errors.New("speculative synthesis restarted: a straggler landed before the first token")
	errStale   = errors.New("speculative synthesis is stale: a straggler landed before the first token")
)

// synthEnd is a finished synthesis attempt.
type synthEnd struct {
	attempt *specAttempt
	call    jessy.Call
}

// specAttempt is one speculative synthesis call, built from size thoughts.
type specAttempt struct {
	size   int
	start  time.Time
	cancel context.CancelCauseFunc
	// committed is set by the attempt's own goroutine at its first token.
	committed bool
}

// commit is called by a synthesis attempt built from size thoughts at its
// first token. It reports whether the attempt may answer: no thought was
// admitted since it began. Then the fan closes and the stragglers are cut
// off.
func (f *fan) commit(size int) bool {
	f.mu.Lock()
	if f.admitted != size {
		f.mu.Unlock()
		return false
	}
	already := f.closed
	f.closed = true
	f.mu.Unlock()
	if !already {
		f.sp.CutOff = "the speculative synthesis began answering"
		f.cut(fmt.Errorf("%w: %s", ErrCutOff, f.sp.CutOff))
	}
	return true
}

// startSynthesis begins a synthesis attempt (with the engine's fallbacks)
// from the successful thoughts received so far. Its events and its end go
// to f.msgs; its deltas only once it has committed at its first token.
func (f *fan) startSynthesis() *specAttempt {
	e := f.e
	ok := f.ok()
	actx, cancel := context.WithCancelCause(f.ctx)
	a := &specAttempt{size: len(ok), start: time.Now(), cancel: cancel}
	stale := false
	sink := func(ev jessy.Event) {
		if ev.Type == jessy.EventSynthesisDelta && !a.committed {
			if stale || !f.commit(a.size) {
				stale = true
				cancel(errStale)
				return
			}
			a.committed = true
		}
		f.msgs <- fanMsg{ev: ev}
	}
	f.wg.Go(func() {
		defer cancel(nil)
		c := e.synthesize(actx, f.conv, ok, f.n, sink)
		if !a.committed && c.Status == jessy.StatusOK {
			// An answer no delta reached the sink of cannot count.
			c.Status, c.Err = jessy.StatusFailed, errStale
		}
		if stale {
			c.Err = errStale
		}
		f.msgs <- fanMsg{synth: &synthEnd{attempt: a, call: c}}
	})
	return a
}

// runSpeculative runs the thoughts and a synthesis that starts as soon as
// the quorum is in (see SpeedOptions.Speculative). It fills res and returns
// the run's error; it returns once every call has returned.
func (e *Engine) runSpeculative(ctx context.Context, conv []jessy.Message, levels []int, sink jessy.Sink, res *jessy.Result, start time.Time) error {
	f := e.newFan(ctx, conv, levels, &res.Speed)
	f.launch()
	var cur *specAttempt
	var final *synthEnd
	need := max(e.MinThoughts, 1)
	succeeded := 0
	for remaining := f.n; remaining > 0 || cur != nil; {
		m := <-f.msgs
		switch {
		case m.synth != nil:
			if m.synth.attempt != cur || errors.Is(m.synth.call.Err, errStale) {
				res.Speed.SynthesisRestarts++
				res.Speed.WastedUsage = res.Speed.WastedUsage.Add(m.synth.call.Usage)
				if m.synth.attempt == cur {
					cur = nil // the thought that made it stale will restart it
				}
				continue
			}
			final, cur = m.synth, nil
			f.close("the synthesis ended")
		case m.done != nil:
			m.deliver(sink)
			remaining--
			f.record(m.done)
			if m.done.Status == jessy.StatusOK {
				succeeded++
			}
			f.rules(*m.done, succeeded, remaining)
			free(m)
			if final != nil || ctx.Err() != nil {
				continue
			}
			landed := m.done.Status == jessy.StatusOK && succeeded > e.Quorum
			switch {
			case cur == nil && (succeeded == e.Quorum || landed):
				cur = f.startSynthesis()
			case cur != nil && landed && !f.isClosed():
				cur.cancel(errRestart)
				cur = f.startSynthesis()
			case cur == nil && remaining == 0 && succeeded >= need:
				cur = f.startSynthesis() // the quorum was never reached
			}
		default:
			sink(m.ev)
		}
	}
	f.finish()
	res.Thoughts = f.thoughts
	if err := ctx.Err(); err != nil {
		if final != nil {
			res.Synthesis = final.call
		}
		return context.Cause(ctx)
	}
	if final == nil {
		var failures []error
		for _, t := range res.Thoughts {
			if t.Status == jessy.StatusFailed {
				failures = append(failures, fmt.Errorf("thought %d (%s): %w", t.Index+1, t.Angle, t.Err))
			}
		}
		return &QuorumError{Need: need, Got: succeeded, Total: f.n, Failures: failures}
	}
	res.Synthesis = final.call
	res.Timings.Thinking = final.attempt.start.Sub(start)
	res.Timings.Synthesis = res.Synthesis.Duration
	if res.Synthesis.Status != jessy.StatusOK {
		return fmt.Errorf("synthesis: %w", res.Synthesis.Err)
	}
	return nil
}
