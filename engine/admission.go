package engine

import (
	"context"
	"fmt"
	"sync"
)

// admission decides which finished thoughts of a parallel run count, and
// cuts off the rest. Until it closes it admits every successful thought;
// closing it cancels ctx, the thoughts' context, with a cause wrapping
// ErrCutOff. It is safe for concurrent use.
type admission struct {
	// ctx is the thoughts' context, derived from the run's.
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	closed   bool
	admitted int
	reason   string
}

func newAdmission(run context.Context) *admission {
	a := &admission{}
	a.ctx, a.cancel = context.WithCancelCause(run)
	return a
}

// admit counts a successful thought in, and reports false when it came too
// late: the admission had closed.
func (a *admission) admit() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.admitted++
	return true
}

// close stops admitting thoughts and cuts off the ones still running or
// waiting, with reason as the cause. Only the first close counts.
func (a *admission) close(reason string) {
	a.mu.Lock()
	first := a.closeLocked(reason)
	a.mu.Unlock()
	if first {
		a.cancel(fmt.Errorf("%w: %s", ErrCutOff, reason))
	}
}

// closeLocked closes the admission, a.mu held, and reports whether it was
// open.
func (a *admission) closeLocked(reason string) bool {
	if a.closed {
		return false
	}
	a.closed, a.reason = true, reason
	return true
}

// commit closes the admission, with reason, when exactly size thoughts were
// admitted, and reports whether they were: a speculative synthesis built
// from size thoughts may answer only when no thought was admitted since it
// began.
func (a *admission) commit(size int, reason string) bool {
	a.mu.Lock()
	if a.admitted != size {
		a.mu.Unlock()
		return false
	}
	first := a.closeLocked(reason)
	a.mu.Unlock()
	if first {
		a.cancel(fmt.Errorf("%w: %s", ErrCutOff, reason))
	}
	return true
}

func (a *admission) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// cutOff is why the admission closed, "" while it is open.
func (a *admission) cutOff() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reason
}
