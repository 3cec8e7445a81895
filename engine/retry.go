package engine

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jessy-llm/jessy"
)

// RetryPolicy says when a failed call is tried again. The zero policy never
// retries.
//
// A call is retried only when its error's kind is retryable (unreachable,
// rate limited, overloaded, a server error) and no output of it has arrived
// yet: a stream that already delivered text is never replayed. The wait
// before retry k (from 0) is a random duration in [0, min(Max, Base*2^k)]
// (exponential backoff with full jitter), or the server's Retry-After when it
// sent one. A retry whose wait would end past the call's deadline is not
// made: the call fails at once with the real error.
type RetryPolicy struct {
	// Retries is how many times a call may be retried after its first try.
	Retries int
	// Base is the backoff before the first retry; 0 means 500ms.
	Base time.Duration
	// Max caps the backoff; 0 means 8s.
	Max time.Duration
}

// DefaultRetryPolicy retries twice, from 0.5 s up to 8 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Retries: 2, Base: 500 * time.Millisecond, Max: 8 * time.Second}
}

// next reports whether a call whose attempt (from 0) failed with err should
// be tried again, and after what wait.
func (p RetryPolicy) next(ctx context.Context, attempt int, err error, streamed bool) (time.Duration, bool) {
	if streamed || attempt >= p.Retries || !jessy.KindOf(err).Retryable() {
		return 0, false
	}
	wait := jessy.RetryAfterOf(err)
	if wait <= 0 {
		wait = p.backoff(attempt)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return 0, false
	}
	return wait, true
}

func (p RetryPolicy) backoff(attempt int) time.Duration {
	base, ceil := p.Base, p.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if ceil <= 0 {
		ceil = 8 * time.Second
	}
	d := base << min(attempt, 30)
	if d <= 0 || d > ceil {
		d = ceil
	}
	return rand.N(d + 1)
}
