package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jessy-llm/jessy"
)

// fan is one parallel thinking phase: the thought goroutines and what
// decides which of their thoughts count. Its concerns live apart: the
// concurrency slots, the admission of finished thoughts (and the cut-off),
// and the embeddings of the agreement check.
//
// Thought goroutines send events and, last, their finished thought on msgs;
// the goroutine that called Run reads msgs and alone calls the sink.
type fan struct {
	e      *Engine
	conv   []jessy.Message
	n      int
	angles []jessy.Angle
	start  time.Time
	// ctx is the run's context; the thoughts run under adm.ctx.
	ctx   context.Context
	slots *slots
	adm   *admission
	emb   *embeddings // nil unless the samples' agreement uses embeddings

	// agreement is the measure the last agreement check used; read and
	// written by the reader only.
	agreement string

	msgs chan fanMsg
	wg   sync.WaitGroup
	// thoughts[i] is written by thought i's goroutine, which then sends it
	// on msgs; until the wait for every goroutine, the reader reads it only
	// once it has recorded it (received[i]).
	thoughts []jessy.Thought
	received []bool
}

// fanMsg is a thought event, a finished thought with its last event (if it
// started), or a finished synthesis attempt.
type fanMsg struct {
	ev    jessy.Event
	done  *jessy.Thought
	synth *synthEnd
	// slot, with done, is the slot the thought held. The reader frees it
	// after applying the run's rules, so that no thought starts after the
	// run has decided to cut the rest off.
	slot chan struct{}
}

func (e *Engine) newFan(ctx context.Context, conv []jessy.Message, levels []int) *fan {
	n := e.thoughts()
	f := &fan{
		e: e, conv: conv, n: n, angles: e.Prompts.AnglesFor(n), start: time.Now(), ctx: ctx,
		slots: newSlots(levels, len(e.Thinkers), n), adm: newAdmission(ctx),
		msgs: make(chan fanMsg), thoughts: make([]jessy.Thought, n), received: make([]bool, n),
	}
	if e.Strategy == StrategySamples && !e.Agreement.Lexical {
		f.emb = newEmbeddings(e, n)
	}
	return f
}

// launch starts one goroutine per thought.
func (f *fan) launch() {
	f.wg.Add(f.n)
	for i := range f.n {
		go f.thought(i)
	}
}

// emit sends a thought's event to the reader.
func (f *fan) emit(ev jessy.Event) { f.msgs <- fanMsg{ev: ev} }

// thought is the goroutine of thought i: unless the run cut it off first,
// it waits for a slot, makes the thought into thoughts[i] and sends it with
// its last event.
func (f *fan) thought(i int) {
	defer f.wg.Done()
	slot := f.slots.acquire(f.adm.ctx, i)
	if f.adm.ctx.Err() != nil {
		f.thoughts[i] = f.notStarted(i)
		f.msgs <- fanMsg{done: &f.thoughts[i], slot: slot}
		return
	}
	f.thoughts[i] = f.e.think(f.adm.ctx, f.conv, f.angles[i], i, f.n, nil, f.emit, f.settle)
	f.msgs <- fanMsg{ev: lastEvent(f.thoughts[i]), done: &f.thoughts[i], slot: slot}
}

// notStarted is the record of thought i, cut off before it started:
// skipped when the run cut it off, failed when the run's context ended.
func (f *fan) notStarted(i int) jessy.Thought {
	th := notStarted(f.e, f.angles[i], i, context.Cause(f.adm.ctx))
	if f.ctx.Err() == nil {
		th.Status, th.Err = jessy.StatusSkipped, nil
	}
	return th
}

// deliver sends a message's event, if it has one, to sink.
func (m *fanMsg) deliver(sink jessy.Sink) {
	if m.ev.Type != "" {
		sink(m.ev)
	}
}

// settle decides, before a thought's last event, whether it counts: a
// thought that succeeded after the run closed, or failed because the run
// cut it off, is canceled. A sample that counts is embedded first.
func (f *fan) settle(th jessy.Thought) jessy.Thought {
	if th.Status == jessy.StatusFailed && errors.Is(th.Err, ErrCutOff) {
		th.Status = jessy.StatusCanceled
		return th
	}
	if th.Status != jessy.StatusOK {
		return th
	}
	if f.emb != nil {
		f.emb.embed(f.adm.ctx, th)
	}
	if !f.adm.admit() {
		th.Status, th.Err = jessy.StatusCanceled, fmt.Errorf("%w: finished after the run closed", ErrCutOff)
	}
	return th
}

// ok returns the successful thoughts received so far, in index order.
func (f *fan) ok() []jessy.Thought {
	var out []jessy.Thought
	for i := range f.thoughts {
		if f.received[i] && f.thoughts[i].Status == jessy.StatusOK {
			out = append(out, f.thoughts[i])
		}
	}
	return out
}

// rules applies the quorum and agreement rules after thought th arrived
// with succeeded successes so far and remaining still out. It returns the
// grace wait to start once the quorum is in, and whether to start one.
func (f *fan) rules(th jessy.Thought, succeeded, remaining int) (grace time.Duration, start bool) {
	e := f.e
	if th.Status != jessy.StatusOK || remaining == 0 {
		return 0, false
	}
	if e.Strategy == StrategySamples {
		a := agreement{count: cmp.Or(e.Agreement.Count, (5*f.n+7)/8), threshold: e.Agreement.Threshold}
		if f.emb != nil && f.emb.failed() == nil {
			a.vecs = f.emb.vecs
		}
		if a.threshold == 0 {
			a.threshold = DefaultJaccardThreshold
			if a.vecs != nil {
				a.threshold = DefaultCosineThreshold
			}
		}
		f.agreement = a.measure()
		if why, ok := a.agreed(f.ok()); ok {
			f.adm.close(why)
			return 0, false
		}
	}
	if e.Quorum > 0 && succeeded == e.Quorum && !e.Speculative {
		return e.Grace.For(time.Since(f.start)), true
	}
	return 0, false
}

// record takes in a finished thought that arrived.
func (f *fan) record(th *jessy.Thought) { f.received[th.Index] = true }

// finish waits for every goroutine, dropping what they still send (the
// events and ends of abandoned speculative attempts), learns from the run,
// and returns the phase's outcome.
func (f *fan) finish(levels []int) outcome {
	go func() {
		f.wg.Wait()
		close(f.msgs)
	}()
	for m := range f.msgs {
		free(m)
	}
	f.adm.cancel(nil)
	if f.ctx.Err() == nil {
		f.e.learn(levels, f.thoughts)
	}
	o := outcome{thoughts: f.thoughts}
	o.speed.CutOff, o.speed.Agreement = f.adm.cutOff(), f.agreement
	if f.emb != nil && f.emb.failed() != nil && o.speed.Agreement == "jaccard" {
		o.speed.Agreement = "jaccard (embedding failed: " + f.emb.failed().Error() + ")"
	}
	return o
}

// free gives back the slot a finished thought held.
func free(m fanMsg) {
	if m.slot != nil {
		<-m.slot
	}
}

// runParallel runs the thoughts concurrently and returns them in index
// order once every one has returned. With a quorum K, once K have succeeded
// it waits the grace for the rest and then cuts them off; with the samples
// strategy it cuts them off as soon as enough agree. Events reach sink from
// the calling goroutine.
func (e *Engine) runParallel(ctx context.Context, conv []jessy.Message, levels []int, sink jessy.Sink) outcome {
	f := e.newFan(ctx, conv, levels)
	f.launch()
	var graceC <-chan time.Time
	var reason string
	succeeded := 0
	for remaining := f.n; remaining > 0; {
		var m fanMsg
		select {
		case m = <-f.msgs:
		case <-graceC:
			f.adm.close(reason)
			graceC = nil
			continue
		}
		m.deliver(sink)
		if m.done == nil {
			continue
		}
		remaining--
		f.record(m.done)
		if m.done.Status == jessy.StatusOK {
			succeeded++
		}
		if grace, start := f.rules(*m.done, succeeded, remaining); start {
			reason = fmt.Sprintf("quorum of %d in after %s, grace of %s over",
				e.Quorum, time.Since(f.start).Round(time.Millisecond), grace)
			if grace <= 0 {
				f.adm.close(reason)
			} else {
				t := time.NewTimer(grace)
				defer t.Stop()
				graceC = t.C
			}
		}
		free(m)
	}
	return f.finish(levels)
}

// learn tells the Tuner, when it chose this run's concurrency, how the
// thoughts of each thinker target went at the level it chose.
func (e *Engine) learn(levels []int, thoughts []jessy.Thought) {
	if e.Tuner == nil || e.Concurrency != 0 || len(levels) != len(e.Thinkers) {
		return
	}
	for i, t := range e.Thinkers {
		if levels[i] == 0 {
			continue
		}
		var mine []jessy.Thought
		for _, th := range thoughts {
			if th.Index%len(e.Thinkers) == i {
				mine = append(mine, th)
			}
		}
		e.Tuner.Learn(TuneKey(t.Backend, t.Model), levels[i], mine)
	}
}
