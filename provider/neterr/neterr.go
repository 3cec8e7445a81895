// Package neterr sorts the errors that HTTP providers meet before a
// response arrives (a cancelled context, a refused connection, a timeout)
// into *jessy.Error values, the same way for every provider.
package neterr

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
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
	return jessy.Errorf(kind, "%s", msg).WithBackend(backend).WithCause(ctx.Err())
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

// maxErrorBody is how much of an error response's body is read.
const maxErrorBody = 64 << 10

// Response sorts err, the error of an SDK call that may have got the
// response res: ctx's end first (Canceled), then an error status, whose
// body (up to 64 KiB) status turns into the provider's own error, then a
// 2xx whose body could not be read or decoded (KindProtocol), and last an
// error without a response (Transport, with hint).
func Response(ctx context.Context, backend string, err error, res *http.Response, hint string,
	status func(code int, h http.Header, body []byte) *jessy.Error) error {
	switch {
	case ctx.Err() != nil:
		return Canceled(ctx, backend)
	case res != nil && res.StatusCode >= 400:
		body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		return status(res.StatusCode, res.Header, body)
	case res != nil:
		return jessy.Errorf(jessy.KindProtocol, "unreadable response: %s", err.Error()).WithBackend(backend).WithCause(err)
	}
	return Transport(backend, err, hint)
}
