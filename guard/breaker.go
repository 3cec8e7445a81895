package guard

import (
	"errors"
	"sync"
	"time"

	"github.com/jessy-llm/jessy"
)

// Defaults of NewBreaker.
const (
	DefaultBreakerThreshold = 5
	DefaultBreakerCooldown  = 30 * time.Second
)

// Breaker benches a backend after repeated failures, so that runs fail fast
// (or go to a fallback) instead of each waiting out the same timeouts.
//
// It counts consecutive failed attempts whose errors say the backend is
// unavailable: unreachable, timed out, rate limited, overloaded or a
// retryable server error. After Threshold of them in a row it opens for
// Cooldown: every call then fails at once with a *jessy.Error wrapping
// jessy.ErrCoolingDown that names the time the cooldown ends and the last
// failure. When the cooldown has passed, calls go through again; the first
// success closes the breaker, and another counted failure opens it for a
// new cooldown at once. Other errors (a bad request, a broken stream) leave
// it as it is: they show the backend is up.
//
// Share one Breaker between every call to a backend, across runs. It reads
// time.Now, so it is deterministic under testing/synctest. It is safe for
// concurrent use; the zero Breaker is not usable: call NewBreaker.
type Breaker struct {
	threshold int
	cooldown  time.Duration

	mu    sync.Mutex
	fails int
	until time.Time
	last  error
}

// NewBreaker returns a closed Breaker that opens after threshold (at least
// 1) consecutive counted failures, for cooldown.
func NewBreaker(threshold int, cooldown time.Duration) *Breaker {
	return &Breaker{threshold: max(threshold, 1), cooldown: cooldown}
}

// Allow returns nil when a call to backend may go ahead now, or, while the
// breaker is open, a *jessy.Error wrapping jessy.ErrCoolingDown of the kind of the
// failure that opened it (KindUnreachable or KindOverloaded), with that
// failure's hint when it had one, and RetryAfter set to the rest of the
// cooldown (for the HTTP server's Retry-After). It does not block.
func (b *Breaker) Allow(backend string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if !now.Before(b.until) {
		return nil
	}
	kind := jessy.KindOverloaded
	if jessy.KindOf(b.last) == jessy.KindUnreachable {
		kind = jessy.KindUnreachable
	}
	hint := jessy.HintOf(b.last)
	if hint == "" {
		hint = "the backend failed repeatedly; check that it is running, or wait for the cooldown"
	}
	err := jessy.Errorf(kind, "backend cooling down for %s more (until %s) after %d failures in a row; last: %v",
		b.until.Sub(now).Round(time.Millisecond), b.until.Format("15:04:05"), b.fails, b.last).
		WithBackend(backend).WithHint(hint).WithCause(jessy.ErrCoolingDown)
	err.RetryAfter = b.until.Sub(now)
	return err
}

// Record takes the outcome of one attempt that reached the backend: nil
// closes the breaker, a counted failure (see Breaker) counts towards
// opening it, any other error changes nothing.
func (b *Breaker) Record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.fails, b.until, b.last = 0, time.Time{}, nil
		return
	}
	if !counts(err) {
		return
	}
	b.fails++
	b.last = err
	if b.fails >= b.threshold {
		b.until = time.Now().Add(b.cooldown)
	}
}

// Open reports whether the breaker refuses calls now.
func (b *Breaker) Open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().Before(b.until)
}

// counts reports whether err says the backend is unavailable.
func counts(err error) bool {
	if errors.Is(err, jessy.ErrCoolingDown) || errors.Is(err, jessy.ErrBusy) {
		return false
	}
	switch jessy.KindOf(err) {
	case jessy.KindTimeout, jessy.KindUnreachable:
		return true
	}
	return jessy.Retryable(err)
}
