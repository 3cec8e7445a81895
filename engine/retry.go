package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jessy-llm/jessy"
)

// Defaults of RetryPolicy.
const (
	DefaultRetries       = 2
	DefaultBackoffBase   = 500 * time.Millisecond
	DefaultBackoffMax    = 8 * time.Second
	DefaultMaxRetryAfter = time.Minute
)

// RetryPolicy says when a failed call is tried again. The zero policy never
// retries.
//
// A call is retried only when all of these hold:
//   - its error's kind is retryable (unreachable, rate limited, overloaded,
//     a server error) and, when the error carries an HTTP status, the status
//     is one of jessy.RetryableStatus's (so 501 and quota errors are not);
//   - the error is not a local refusal: a backend cooling down
//     (jessy.ErrCoolingDown) or a full slot wait (jessy.ErrBusy) fails at once;
//   - no output of the call has arrived yet: a stream that already
//     delivered text is never replayed;
//   - retries are left, and the wait ends before the call's deadline.
//
// The wait before retry k (from 0) is the server's Retry-After when it sent
// one, else a random duration in [0, min(Max, Base*2^k)] (exponential
// backoff with full jitter). A Retry-After longer than MaxRetryAfter, or
// ending past the deadline, is not waited for: the call fails at once with
// the real error.
type RetryPolicy struct {
	// Retries is how many times a call may be retried after its first try.
	Retries int
	// Base is the backoff before the first retry; 0 means DefaultBackoffBase.
	Base time.Duration
	// Max caps the backoff; 0 means DefaultBackoffMax.
	Max time.Duration
	// MaxRetryAfter caps the Retry-After the engine waits for; 0 means
	// DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy retries twice, from 0.5 s up to 8 s, and waits for a
// Retry-After of up to a minute.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Retries: DefaultRetries, Base: DefaultBackoffBase, Max: DefaultBackoffMax}
}

// Retryable reports whether err is a failure another attempt of the same
// call may get past, ignoring retry counts, deadlines and streamed output.
// It is jessy.Retryable.
func Retryable(err error) bool { return jessy.Retryable(err) }

// decision is what the policy says after a failed attempt.
type decision struct {
	again  bool
	wait   time.Duration
	reason string
}

// next decides whether a call whose attempt (from 0) failed with err is
// tried again, and after what wait.
func (p RetryPolicy) next(ctx context.Context, attempt int, err error, streamed bool) decision {
	kind := jessy.KindOf(err)
	switch {
	case ctx.Err() != nil:
		return decision{reason: "not retried: the call's time is up or it was cancelled"}
	case streamed:
		return decision{reason: "not retried: output had already streamed"}
	case errors.Is(err, jessy.ErrCoolingDown):
		return decision{reason: "not retried: the backend is cooling down"}
	case errors.Is(err, jessy.ErrBusy):
		return decision{reason: "not retried: no free slot for the backend"}
	case !Retryable(err):
		return decision{reason: fmt.Sprintf("not retried: %s is not retryable", describe(err, kind))}
	case attempt >= p.Retries:
		return decision{reason: fmt.Sprintf("not retried: %d retries used", p.Retries)}
	}
	wait, why := jessy.RetryAfterOf(err), "as Retry-After asked"
	if wait > 0 {
		if limit := or(p.MaxRetryAfter, DefaultMaxRetryAfter); wait > limit {
			return decision{reason: fmt.Sprintf("not retried: Retry-After %s exceeds %s", wait, limit)}
		}
	} else {
		wait, why = p.backoff(attempt), "of backoff"
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return decision{reason: fmt.Sprintf("not retried: a wait of %s would end past the deadline", wait)}
	}
	return decision{again: true, wait: wait,
		reason: fmt.Sprintf("retrying after %s %s: %s", wait, why, describe(err, kind))}
}

// describe names err's kind and status for a retry reason.
func describe(err error, kind jessy.Kind) string {
	var je *jessy.Error
	if errors.As(err, &je) && je.Status != 0 {
		return fmt.Sprintf("%s (HTTP %d)", kind, je.Status)
	}
	return kind.String()
}

func (p RetryPolicy) backoff(attempt int) time.Duration {
	base, ceil := or(p.Base, DefaultBackoffBase), or(p.Max, DefaultBackoffMax)
	d := base << min(attempt, 30)
	if d <= 0 || d > ceil {
		d = ceil
	}
	return rand.N(d + 1)
}

func or(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
