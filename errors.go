package jessy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Kind sorts an error by what the caller can do about it. Only the edges (the
// command line and the HTTP server) turn kinds into user words and statuses.
type Kind int

// The error kinds. The zero Kind is KindOther.
const (
	KindOther         Kind = iota
	KindInvalid            // the request or configuration is wrong (usage error)
	KindUnreachable        // the backend could not be connected to
	KindTimeout            // a deadline passed
	KindCanceled           // the caller cancelled
	KindRateLimited        // 429: too many requests
	KindOverloaded         // 503, 529: the backend is busy
	KindServer             // another 5xx or 408/409: the backend failed
	KindBadRequest         // 400, 422: the backend refused the request
	KindAuth               // 401, 403: missing or wrong credentials
	KindQuota              // billing or quota exhausted
	KindModelNotFound      // the model does not exist on the backend
	KindProtocol           // the response broke the protocol (malformed, cut, empty)
)

var kindNames = [...]string{
	KindOther:         "other",
	KindInvalid:       "invalid",
	KindUnreachable:   "unreachable",
	KindTimeout:       "timeout",
	KindCanceled:      "canceled",
	KindRateLimited:   "rate_limited",
	KindOverloaded:    "overloaded",
	KindServer:        "server_error",
	KindBadRequest:    "bad_request",
	KindAuth:          "auth",
	KindQuota:         "quota",
	KindModelNotFound: "model_not_found",
	KindProtocol:      "protocol",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Retryable reports whether another attempt of the same call may succeed.
func (k Kind) Retryable() bool {
	switch k {
	case KindUnreachable, KindRateLimited, KindOverloaded, KindServer:
		return true
	}
	return false
}

// Error is the error every provider returns for a failed call.
type Error struct {
	Kind Kind
	// Backend names where the call went, e.g. "ollama at http://127.0.0.1:11434".
	Backend string
	// Status is the HTTP status, 0 when there was no response.
	Status int
	// RetryAfter is the server's Retry-After, 0 when it sent none.
	RetryAfter time.Duration
	// Message is the server's own message, or a description of what was wrong.
	Message string
	// Hint tells the user what to do, when there is something to say.
	Hint string
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Backend != "" {
		b.WriteString(e.Backend)
		b.WriteString(": ")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d: ", e.Status)
	}
	switch {
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString(e.Kind.String())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind whose Message is format applied to args.
// It is the one constructor of Error; set Backend, Hint, Status, RetryAfter
// or Err on the result where they apply, or with its With methods.
func Errorf(kind Kind, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Kind: kind, Message: format}
	}
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WithBackend sets e's Backend and returns e.
func (e *Error) WithBackend(backend string) *Error {
	e.Backend = backend
	return e
}

// WithHint sets e's Hint and returns e.
func (e *Error) WithHint(hint string) *Error {
	e.Hint = hint
	return e
}

// WithCause sets e's underlying error and returns e.
func (e *Error) WithCause(err error) *Error {
	e.Err = err
	return e
}

// ErrBusy is wrapped by the error of a call that found no free slot at its
// backend within the slot wait. Such a call is not retried: the wait
// already was its backoff.
var ErrBusy = errors.New("no free slot")

// ErrCoolingDown is wrapped by the error of a call refused because its
// backend is benched after repeated failures. Such a call is not retried.
var ErrCoolingDown = errors.New("backend cooling down")

// ErrCallTimeout is wrapped by the cause of the cancellation of a call that
// ran out of its own time limit (the engine's ThoughtTimeout and
// SynthesisTimeout). Provider decorators read it to tell a call the backend
// took too long for from one its caller gave up on.
var ErrCallTimeout = errors.New("call timed out")

// Retryable reports whether err is a failure another attempt of the same
// call may get past: its kind is retryable and, when it carries an HTTP
// status, so is the status. A local refusal (ErrBusy, ErrCoolingDown) is
// not retryable; nor is nil.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, ErrCoolingDown) || errors.Is(err, ErrBusy) {
		return false
	}
	if !KindOf(err).Retryable() {
		return false
	}
	var je *Error
	if errors.As(err, &je) && je.Status != 0 {
		return RetryableStatus(je.Status)
	}
	return true
}

// KindOf returns the Kind of err: the Kind of the first *Error in its chain,
// KindTimeout for deadline errors, KindCanceled for context.Canceled,
// KindUnreachable for refused connections, and KindOther otherwise.
func KindOf(err error) Kind {
	if err == nil {
		return KindOther
	}
	var je *Error
	if errors.As(err, &je) {
		return je.Kind
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindUnreachable
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	return KindOther
}

// RetryAfterOf returns the Retry-After carried by err, or 0.
func RetryAfterOf(err error) time.Duration {
	var je *Error
	if errors.As(err, &je) {
		return je.RetryAfter
	}
	return 0
}

// HintOf returns the first user hint carried by err, or "".
func HintOf(err error) string {
	var je *Error
	if errors.As(err, &je) {
		return je.Hint
	}
	return ""
}

// KindForStatus sorts an HTTP status code into a Kind.
func KindForStatus(status int) Kind {
	switch {
	case status == 400 || status == 422:
		return KindBadRequest
	case status == 401 || status == 403:
		return KindAuth
	case status == 402:
		return KindQuota
	case status == 404:
		return KindModelNotFound
	case status == 408 || status == 409:
		return KindServer
	case status == 429:
		return KindRateLimited
	case status == 503 || status == 529:
		return KindOverloaded
	case status >= 500:
		return KindServer
	}
	return KindOther
}

// RetryableStatus reports whether an HTTP status is one a call may be retried
// after: 408, 409, 429, 500, 502, 503, 504 and Anthropic's 529. Other 5xx
// (501 Not Implemented, 505, ...) and every 4xx besides 408, 409 and 429
// are not: the same request would fail the same way.
func RetryableStatus(status int) bool {
	switch status {
	case 408, 409, 429, 500, 502, 503, 504, 529:
		return true
	}
	return false
}

// ParseRetryAfter reads a Retry-After header value, either delta-seconds or
// an HTTP date, relative to now. It returns 0 for an empty or invalid value
// or a date in the past; a number of seconds too large for a Duration gives
// the largest Duration. The result is never negative.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > math.MaxInt64/int64(time.Second) {
			return math.MaxInt64 // only overflow fails on digits
		}
		return time.Duration(secs) * time.Second
	}
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	return 0
}
