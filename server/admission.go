package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// admission lets at most max requests run at once and at most queue more
// wait for a slot, first come first served; it turns the rest away at once.
// A finishing run hands its slot straight to the first waiter, so the
// capacity is exact: max+queue requests are always admitted, the next one
// never. It is safe for concurrent use.
type admission struct {
	max, queue int
	timeout    time.Duration
	queued     prometheus.Gauge

	mu      sync.Mutex
	running int
	waiters []chan struct{} // closed when handed a slot
}

func newAdmission(runs, queue int, timeout time.Duration, queued prometheus.Gauge) *admission {
	return &admission{max: runs, queue: queue, timeout: timeout, queued: queued}
}

// errBusy is the answer when every run slot and queue place is taken, or
// the queue wait timed out.
type errBusy struct{ queueFull bool }

func (e errBusy) Error() string {
	if e.queueFull {
		return "the server is busy: every run slot and queue place is taken"
	}
	return "the server is busy: no run slot became free in time"
}

// acquire takes a run slot, waiting in the queue when none is free. It
// returns at once with errBusy when the queue is full too, with errBusy
// after the queue timeout, and with ctx's cause when ctx ends first. On
// success the caller must call release exactly once.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	a.mu.Lock()
	if a.running < a.max {
		a.running++
		a.mu.Unlock()
		return a.release, nil
	}
	if len(a.waiters) >= a.queue {
		a.mu.Unlock()
		return nil, errBusy{queueFull: true}
	}
	ready := make(chan struct{})
	a.waiters = append(a.waiters, ready)
	a.queued.Set(float64(len(a.waiters)))
	a.mu.Unlock()

	var expired <-chan time.Time
	if a.timeout > 0 {
		t := time.NewTimer(a.timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ready:
		return a.release, nil
	case <-expired:
		err = errBusy{}
	case <-ctx.Done():
		err = context.Cause(ctx)
	}
	a.mu.Lock()
	if i := slices.Index(a.waiters, ready); i >= 0 {
		a.waiters = slices.Delete(a.waiters, i, i+1)
		a.queued.Set(float64(len(a.waiters)))
		a.mu.Unlock()
		return nil, err
	}
	a.mu.Unlock()
	// A slot was handed over just as the wait ended: pass it on.
	a.release()
	return nil, err
}

// release gives a slot to the first waiter, or frees it.
func (a *admission) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.waiters) > 0 {
		close(a.waiters[0])
		a.waiters = a.waiters[1:]
		a.queued.Set(float64(len(a.waiters)))
		return
	}
	a.running--
}
