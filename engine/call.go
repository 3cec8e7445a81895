package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jessy-llm/jessy"
)

// callHooks receive what happens during one call; nil hooks are skipped.
type callHooks struct {
	// delta receives each piece of streamed output.
	delta func(jessy.Delta)
	// retry is told of a failed attempt that will be retried; c is a copy
	// of the call so far, its last attempt the failed one, that the hook
	// may keep.
	retry func(c jessy.Call, err error)
}

// call makes one model call to t with the run's retry policy, within
// timeout (0 for none), and returns its record. It returns when the call is
// over, and reports whether any output (text or reasoning that is not
// blank) reached hooks.delta: such a call is never retried, and no fallback
// may take it over.
//
// An answer that is empty or only white space is a failure of KindProtocol.
// A call that fails after retries ends with the error of its last attempt
// that reached the backend (see lastReal). A call that runs out of timeout
// fails with a *jessy.Error of KindTimeout,
// "timed out after <timeout>"; one whose ctx ends fails with ctx's cause.
func (e *Engine) call(ctx context.Context, t Target, req jessy.ChatRequest, timeout time.Duration, hooks callHooks) (jessy.Call, bool) {
	c := &jessy.Call{Backend: t.Backend, Model: t.Model, Start: time.Now()}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout,
			jessy.Errorf(jessy.KindTimeout, "timed out after %s", timeout).WithBackend(t.Backend).WithCause(jessy.ErrCallTimeout))
		defer cancel()
	}
	out := &output{c: c, delta: hooks.delta}
	for attempt := 0; ; attempt++ {
		a := jessy.Attempt{Start: time.Now(), Backend: t.Backend, Model: t.Model}
		usage, err := t.Provider.Chat(ctx, req, out.add)
		a.Duration = time.Since(a.Start)
		c.Usage = c.Usage.Add(usage)
		if err == nil && strings.TrimSpace(out.text.String()) == "" {
			err = jessy.Errorf(jessy.KindProtocol, "the model returned an empty answer").WithBackend(t.Backend)
		}
		if err != nil && ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		a.Err = err
		if err == nil {
			c.Attempts = append(c.Attempts, a)
			c.Status = jessy.StatusOK
			break
		}
		d := e.Retry.next(ctx, attempt, err, out.streamed)
		a.Wait, a.Reason = d.wait, d.reason
		c.Attempts = append(c.Attempts, a)
		if !d.again {
			c.Status, c.Err = jessy.StatusFailed, lastReal(c.Attempts)
			break
		}
		if hooks.retry != nil {
			snap := *c
			snap.Attempts = slices.Clone(c.Attempts)
			snap.Duration = time.Since(c.Start)
			hooks.retry(snap, err)
		}
		if !sleep(ctx, d.wait) {
			c.Status, c.Err = jessy.StatusFailed, context.Cause(ctx)
			break
		}
	}
	c.Text = out.text.String()
	c.Reasoning = out.reasoning.String()
	c.Duration = time.Since(c.Start)
	return *c, out.streamed
}

// output gathers the streamed output of one call, across its attempts.
type output struct {
	c               *jessy.Call
	delta           func(jessy.Delta) // callHooks.delta
	text, reasoning strings.Builder
	// started is set at the first piece of output, streamed at the first
	// that is not blank.
	started, streamed bool
}

// add takes one piece of output from the provider.
func (o *output) add(d jessy.Delta) error {
	if d.Text == "" && d.Reasoning == "" {
		return nil
	}
	if !o.started {
		o.started = true
		o.c.TTFT = time.Since(o.c.Start)
	}
	if strings.TrimSpace(d.Text) != "" || strings.TrimSpace(d.Reasoning) != "" {
		o.streamed = true
	}
	o.text.WriteString(d.Text)
	o.reasoning.WriteString(d.Reasoning)
	if o.delta != nil {
		o.delta(d)
	}
	return nil
}

// lastReal returns the error of the last failed attempt that reached the
// backend: a retry refused by an open breaker says less than the failure
// before it. It is the last attempt's error when none reached the backend.
func lastReal(attempts []jessy.Attempt) error {
	for i := len(attempts) - 1; i >= 0; i-- {
		if err := attempts[i].Err; err != nil && !errors.Is(err, jessy.ErrCoolingDown) {
			return err
		}
	}
	return attempts[len(attempts)-1].Err
}

// sleep waits for d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
