package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// admission lets at most runs requests run at once and at most queue more
// wait for a slot; it turns the rest away at once. It is safe for
// concurrent use.
type admission struct {
	slots   chan struct{} // one token per run in progress
	waiting chan struct{} // one token per queued request
	timeout time.Duration
	queued  prometheus.Gauge
}

func newAdmission(runs, queue int, timeout time.Duration, queued prometheus.Gauge) *admission {
	return &admission{
		slots:   make(chan struct{}, runs),
		waiting: make(chan struct{}, queue),
		timeout: timeout,
		queued:  queued,
	}
}

// errBusy is the answer when every run slot and queue place is taken, or
// the queue wait timed out.
type errBusy struct{ queueFull bool }

// acquire takes a run slot, waiting in the queue when none is free. It
// returns at once with errBusy when the queue is full too, with errBusy
// after the queue timeout, and with ctx's cause when ctx ends first. On
// success the caller must call release exactly once.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-a.slots }
	select {
	case a.slots <- struct{}{}:
		return release, nil
	default:
	}
	select {
	case a.waiting <- struct{}{}:
	default:
		return nil, errBusy{queueFull: true}
	}
	a.queued.Inc()
	defer func() {
		<-a.waiting
		a.queued.Dec()
	}()
	var expired <-chan time.Time
	if a.timeout > 0 {
		t := time.NewTimer(a.timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case a.slots <- struct{}{}:
		return release, nil
	case <-expired:
		return nil, errBusy{}
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// running is the number of runs holding a slot.
func (a *admission) running() int { return len(a.slots) }

// waitingNow is the number of queued requests.
func (a *admission) waitingNow() int { return len(a.waiting) }

func (e errBusy) Error() string {
	if e.queueFull {
		return "the server is busy: every run slot and queue place is taken"
	}
	return "the server is busy: no run slot became free in time"
}
