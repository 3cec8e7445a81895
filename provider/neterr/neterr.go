// Package neterr sorts the errors that HTTP providers meet before a
// response arrives (a cancelled context, a refused connection, a timeout)
// into *jessy.Error values, the same way for every provider.
package neterr

import (
	"context"
	"errors"
	"net"
	"net/url"
	"syscall"

	"github.com/jessy-llm/jessy"
)

// Canceled is the error of a call that ctx ended. It wraps ctx.Err(), so
// errors.Is(err, context.DeadlineExceeded) and context.Canceled hold, and
// says the cancellation's cause when there is one.
func Canceled(ctx context.Context, backend string) *jessy.Error {
	kind, msg := jessy.KindCanceled, "call canceled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		kind, msg = jessy.KindTimeout, "deadline exceeded"
	}
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		msg += ": " + cause.Error()
	}
	return &jessy.Error{Kind: kind, Backend: backend, Message: msg, Err: ctx.Err()}
}

// Transport sorts err, which came without a response: a refused connection
// is KindUnreachable naming the address, a network timeout KindTimeout,
// another failed request (DNS, reset, closed before the response)
// KindUnreachable, and anything else KindOther. hint goes with the
// unreachable kinds.
func Transport(backend string, err error, hint string) *jessy.Error {
	e := &jessy.Error{Kind: jessy.KindOther, Backend: backend, Err: err}
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind, e.Hint = jessy.KindUnreachable, hint
		e.Message = "cannot connect to " + Address(err) + ": connection refused"
	case errors.As(err, &ne) && ne.Timeout():
		e.Kind = jessy.KindTimeout
	case errors.As(err, &ue):
		e.Kind, e.Hint = jessy.KindUnreachable, hint
	}
	return e
}

// Address is the host:port a failed request went to, or "the server".
func Address(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Addr != nil {
		return oe.Addr.String()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Host
		}
	}
	return "the server"
}
