package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jessy-llm/jessy"
)

// fan is one parallel thinking phase: the thought goroutines, the slots
// they run in, and the state that decides which thoughts count.
//
// Thought goroutines send events and, last, their finished thought on msgs;
// the goroutine that called Run reads msgs and alone calls the sink.
type fan struct {
	e      *Engine
	conv   []jessy.Message
	n      int
	angles []jessy.Angle
	start  time.Time
	sp     *jessy.Speed

	// ctx is the run's context; cutCtx, derived from it, is the thoughts'
	// context, canceled with a cause wrapping ErrCutOff to cut them off.
	ctx    context.Context
	cutCtx context.Context
	cut    context.CancelCauseFunc

	// pools are the slots of each thinker target (all the same channel when
	// the run's concurrency is one number); levels are their sizes.
	pools  []chan struct{}
	levels []int

	// embedder embeds successful samples for the agreement check; vecs[i]
	// is written by thought i's goroutine before it sends its thought.
	embedder jessy.Embedder
	embModel string
	vecs     [][]float64
	embErr   error // guarded by mu

	mu       sync.Mutex
	closed   bool // no thought is admitted any more
	admitted int  // successful thoughts admitted

	msgs chan fanMsg
	// emit sends a thought's event to the reader.
	emit func(jessy.Event)
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
	// slot, with done, is the pool whose slot the thought held. The reader
	// frees it after applying the run's rules, so that no thought starts
	// after the run has decided to cut the rest off.
	slot chan struct{}
}

func (e *Engine) newFan(ctx context.Context, conv []jessy.Message, levels []int, sp *jessy.Speed) *fan {
	n := e.thoughts()
	f := &fan{
		e: e, conv: conv, n: n, angles: e.Prompts.AnglesFor(n), start: time.Now(), sp: sp, ctx: ctx,
		// Room for a thought's three messages (started, one delta, done),
		// so that thoughts that answer at once never wait for the reader.
		msgs: make(chan fanMsg, 3*n), thoughts: make([]jessy.Thought, n), received: make([]bool, n),
	}
	f.emit = func(ev jessy.Event) { f.msgs <- fanMsg{ev: ev} }
	f.cutCtx, f.cut = context.WithCancelCause(ctx)
	f.pools = make([]chan struct{}, len(e.Thinkers))
	f.levels = levels
	if len(levels) == 1 {
		pool := make(chan struct{}, levels[0])
		for i := range f.pools {
			f.pools[i] = pool
		}
	} else {
		for i, c := range levels {
			if c > 0 {
				f.pools[i] = make(chan struct{}, c)
			}
		}
	}
	if e.Strategy == StrategySamples && !e.Agreement.Lexical {
		f.embedder, f.embModel = e.Agreement.Embedder, e.Agreement.Model
		if f.embedder == nil {
			f.embedder, _ = jessy.Find[jessy.Embedder](e.Thinkers[0].Provider)
		}
		if f.embModel == "" {
			f.embModel = e.Thinkers[0].Model
		}
		if f.embedder != nil {
			f.vecs = make([][]float64, n)
		}
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

// thought is the goroutine of thought i: it makes the thought in
// thoughts[i] and sends it with its last event.
func (f *fan) thought(i int) {
	defer f.wg.Done()
	th := &f.thoughts[i]
	slot, started := f.runThought(i, th)
	m := fanMsg{done: th, slot: slot}
	if started {
		m.ev = lastEvent(th)
	}
	f.msgs <- m
}

// runThought waits for a slot and makes thought i into th, unless the run
// cut it off first. It returns the pool whose slot it holds, nil when it
// holds none, and whether the thought started.
func (f *fan) runThought(i int, th *jessy.Thought) (chan struct{}, bool) {
	pool := f.pools[i%len(f.pools)]
	select {
	case pool <- struct{}{}:
	default:
		// No free slot: wait for one, or for the run to cut the thought off.
		select {
		case pool <- struct{}{}:
		case <-f.cutCtx.Done():
			pool = nil
		}
	}
	if f.cutCtx.Err() != nil {
		f.notStarted(i, th)
		return pool, false
	}
	f.e.think(f.cutCtx, f.conv, f.angles[i], i, f.n, nil, f.emit, f.settle, th)
	return pool, true
}

// deliver sends a message's event, if it has one, to sink.
func (m *fanMsg) deliver(sink jessy.Sink) {
	if m.ev.Type != "" {
		sink(m.ev)
	}
}

// notStarted records thought i, cut off before it started, in th: skipped
// when the run cut it off, failed when the run's context ended.
func (f *fan) notStarted(i int, th *jessy.Thought) {
	*th = notStarted(f.e, f.angles[i], i, context.Cause(f.cutCtx))
	if f.ctx.Err() == nil {
		th.Status, th.Err = jessy.StatusSkipped, nil
	}
}

// free gives back the slot a finished thought held.
func free(m fanMsg) {
	if m.slot != nil {
		<-m.slot
	}
}

// settle decides, before a thought's last event, whether it counts: a
// thought that succeeded after the run closed, or failed because the run
// cut it off, is canceled. A sample that counts is embedded first.
func (f *fan) settle(th *jessy.Thought) {
	if th.Status == jessy.StatusFailed && errors.Is(th.Err, ErrCutOff) {
		th.Status = jessy.StatusCanceled
		return
	}
	if th.Status != jessy.StatusOK {
		return
	}
	if f.vecs != nil {
		v, err := f.embedder.Embed(f.cutCtx, f.embModel, []string{th.Text})
		if err == nil && len(v) != 1 {
			err = fmt.Errorf("embed: %d vectors for 1 input", len(v))
		}
		if err == nil {
			f.vecs[th.Index] = v[0]
		} else if f.cutCtx.Err() == nil {
			f.mu.Lock()
			f.embErr = cmpOr(f.embErr, err)
			f.mu.Unlock()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		th.Status, th.Err = jessy.StatusCanceled, fmt.Errorf("%w: finished after the run closed", ErrCutOff)
		return
	}
	f.admitted++
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// close stops admitting thoughts and cuts off the ones still running or
// waiting, with reason as the cause. Only the first close counts.
func (f *fan) close(reason string) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	f.mu.Unlock()
	f.sp.CutOff = reason
	f.cut(fmt.Errorf("%w: %s", ErrCutOff, reason))
}

func (f *fan) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
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
// grace wait to start (0 for none) once the quorum is in.
func (f *fan) rules(th jessy.Thought, succeeded, remaining int) (grace time.Duration, start bool) {
	e := f.e
	if th.Status != jessy.StatusOK || remaining == 0 {
		return 0, false
	}
	if e.Strategy == StrategySamples {
		a := agreement{count: e.Agreement.Count, threshold: e.Agreement.Threshold}
		if a.count == 0 {
			a.count = (5*f.n + 7) / 8
		}
		f.mu.Lock()
		embErr := f.embErr
		f.mu.Unlock()
		if f.vecs != nil && embErr == nil {
			a.vecs = f.vecs
		}
		if a.threshold == 0 {
			a.threshold = map[bool]float64{true: DefaultCosineThreshold, false: DefaultJaccardThreshold}[a.vecs != nil]
		}
		f.sp.Agreement = a.measure()
		if why, ok := a.agreed(f.ok()); ok {
			f.close(why)
			return 0, false
		}
	}
	if e.Quorum > 0 && succeeded == e.Quorum && !e.Speculative {
		took := time.Since(f.start)
		return e.Grace.For(took), true
	}
	return 0, false
}

// record takes in a finished thought that arrived.
func (f *fan) record(th *jessy.Thought) { f.received[th.Index] = true }

// finish waits for every goroutine, learns from the run and fills in the
// cut-off counts of sp.
func (f *fan) finish() {
	f.wg.Wait()
	f.cut(nil)
	if f.e.Tuner != nil && f.e.Concurrency == 0 && f.ctx.Err() == nil {
		for i, t := range f.e.Thinkers {
			if f.levels[i] == 0 {
				continue
			}
			var mine []jessy.Thought
			for _, th := range f.thoughts {
				if th.Index%len(f.e.Thinkers) == i {
					mine = append(mine, th)
				}
			}
			f.e.Tuner.Learn(TuneKey(t.Backend, t.Model), f.levels[i], mine)
		}
	}
	var okTokens, ok, canceledTokens int
	for _, th := range f.thoughts {
		switch th.Status {
		case jessy.StatusOK:
			okTokens += th.Usage.Total()
			ok++
		case jessy.StatusCanceled:
			f.sp.Canceled++
			canceledTokens += th.Usage.Total()
		case jessy.StatusSkipped:
			f.sp.Skipped++
		}
	}
	f.sp.CallsSaved = f.sp.Canceled + f.sp.Skipped
	if ok > 0 {
		f.sp.TokensSaved = max(0, okTokens*f.sp.CallsSaved/ok-canceledTokens)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.embErr != nil && f.sp.Agreement == "jaccard" {
		f.sp.Agreement = "jaccard (embedding failed: " + f.embErr.Error() + ")"
	}
}

// runParallel runs the thoughts concurrently and returns them in index
// order once every one has returned. With a quorum K, once K have succeeded
// it waits the grace for the rest and then cuts them off; with the samples
// strategy it cuts them off as soon as enough agree. Events reach sink from
// the calling goroutine.
func (e *Engine) runParallel(ctx context.Context, conv []jessy.Message, levels []int, sink jessy.Sink, sp *jessy.Speed) []jessy.Thought {
	f := e.newFan(ctx, conv, levels, sp)
	f.launch()
	var graceC <-chan time.Time
	var reason string
	succeeded := 0
	for remaining := f.n; remaining > 0; {
		var m fanMsg
		if graceC == nil {
			m = <-f.msgs
		} else {
			select {
			case m = <-f.msgs:
			case <-graceC:
				f.close(reason)
				graceC = nil
				continue
			}
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
		grace, start := f.rules(*m.done, succeeded, remaining)
		if start {
			reason = fmt.Sprintf("quorum of %d in after %s, grace of %s over",
				e.Quorum, time.Since(f.start).Round(time.Millisecond), grace)
			if grace <= 0 {
				f.close(reason)
			} else {
				t := time.NewTimer(grace)
				defer t.Stop()
				graceC = t.C
			}
		}
		free(m)
	}
	f.finish()
	return f.thoughts
}
