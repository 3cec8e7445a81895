package engine

import (
	"context"
	"errors"
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
			if stale || !f.adm.commit(a.size, "the speculative synthesis began answering") {
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
// the quorum is in (see SpeedOptions.Speculative). Its outcome holds the
// synthesis unless none ended with an answer that counts (the quorum was
// never reached, or the run's context ended first). It returns once every
// call has returned.
func (e *Engine) runSpeculative(ctx context.Context, conv []jessy.Message, levels []int, sink jessy.Sink) outcome {
	f := e.newFan(ctx, conv, levels)
	f.launch()
	var cur *specAttempt
	var final *synthEnd
	var restarts int
	var wasted jessy.Usage
	need := max(e.MinThoughts, 1)
	succeeded := 0
	for remaining := f.n; remaining > 0 || cur != nil; {
		m := <-f.msgs
		switch {
		case m.synth != nil:
			if m.synth.attempt != cur || errors.Is(m.synth.call.Err, errStale) {
				restarts++
				wasted = wasted.Add(m.synth.call.Usage)
				if m.synth.attempt == cur {
					cur = nil // the thought that made it stale will restart it
				}
				continue
			}
			final, cur = m.synth, nil
			f.adm.close("the synthesis ended")
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
			case cur != nil && landed && !f.adm.isClosed():
				cur.cancel(errRestart)
				cur = f.startSynthesis()
			case cur == nil && remaining == 0 && succeeded >= need:
				cur = f.startSynthesis() // the quorum was never reached
			}
		default:
			sink(m.ev)
		}
	}
	o := f.finish(levels)
	o.speed.SynthesisRestarts, o.speed.WastedUsage = restarts, wasted
	if final != nil {
		o.synthesis = &final.call
		o.thinkingDone = final.attempt.start
	}
	return o
}
