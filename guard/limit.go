package guard

import (
	"context"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/jessy-llm/jessy"
)

// Gate bounds concurrent calls. Acquire blocks until a slot is free, ctx is
// done, or the gate gives up; the caller must call release exactly once.
// Implementations are safe for concurrent use.
type Gate interface {
	Acquire(ctx context.Context) (release func(), err error)
}

// Limit is a Gate of a fixed number of slots with a bounded wait.
type Limit struct {
	sem     *semaphore.Weighted
	n       int
	maxWait time.Duration
}

// NewLimit returns a Gate of n slots (n >= 1). A call that waits longer than
// maxWait for a slot fails with a *jessy.Error of KindOverloaded wrapping
// jessy.ErrBusy; 0 waits as long as ctx allows. Share one Limit between
// every call to a backend, across runs, to hold a per-backend limit.
func NewLimit(n int, maxWait time.Duration) *Limit {
	n = max(n, 1)
	return &Limit{sem: semaphore.NewWeighted(int64(n)), n: n, maxWait: maxWait}
}

// Size is the number of slots.
func (l *Limit) Size() int { return l.n }

// Acquire implements Gate.
func (l *Limit) Acquire(ctx context.Context) (func(), error) {
	wctx := ctx
	if l.maxWait > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, l.maxWait)
		defer cancel()
	}
	if err := l.sem.Acquire(wctx, 1); err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, jessy.Errorf(jessy.KindOverloaded, "no free slot for the backend after waiting %s (limit %d)",
			l.maxWait, l.n).WithCause(jessy.ErrBusy)
	}
	return func() { l.sem.Release(1) }, nil
}
