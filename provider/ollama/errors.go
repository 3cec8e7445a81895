package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ollama/ollama/api"

	"github.com/jessy-llm/jessy"
)

// unreachableHint is the Hint of a KindUnreachable error.
const unreachableHint = "start Ollama with `ollama serve`, or set OLLAMA_HOST; " +
	"in Jessy's repository `eval \"$(scripts/ollama.sh up)\"` starts one with the test model"

// maxMessage caps how much of a server's message an error keeps.
const maxMessage = 1000

// exchange is what the transport saw of one call of Ollama's client (every
// call but Chat, which reads its stream itself). The client reports an HTTP
// error as a StatusError but hides the response headers, and passes read
// errors through as they are; the exchange lets classify tell them apart.
// It is written and read by the calling goroutine only.
type exchange struct {
	// responded is set once response headers arrived.
	responded bool
	header    http.Header
	// readErr is the body's first read error other than io.EOF.
	readErr error
}

type exchangeKey struct{}

func withExchange(ctx context.Context, x *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

// observer is a RoundTripper that fills in the exchange carried by a
// request's context.
type observer struct{ base http.RoundTripper }

func (o observer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(r)
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	if err != nil || x == nil {
		return resp, err
	}
	x.responded = true
	x.header = resp.Header
	resp.Body = &watchedBody{ReadCloser: resp.Body, x: x}
	return resp, nil
}

// watchedBody records a body's first read error.
type watchedBody struct {
	io.ReadCloser
	x *exchange
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.x.readErr == nil {
		b.x.readErr = err
	}
	return n, err
}

// classify turns an error of Ollama's client into a *jessy.Error.
func (p *Provider) classify(ctx context.Context, err error, x *exchange, model string) error {
	if ctx.Err() != nil {
		return p.ctxError(ctx)
	}
	e := &jessy.Error{Backend: p.backend, Err: err}
	var se api.StatusError
	var ae api.AuthorizationError
	var ue *url.Error
	switch {
	case errors.As(err, &se):
		p.fromStatus(e, se.StatusCode, se.ErrorMessage, x.header, model)
	case errors.As(err, &ae):
		p.fromStatus(e, ae.StatusCode, ae.Status, x.header, model)
	case isTimeout(err):
		// http.Client.Timeout, or a deadline of the caller's own transport.
		e.Kind, e.Message = jessy.KindTimeout, "timed out"
	case x.readErr != nil && errors.Is(err, x.readErr):
		e.Kind = jessy.KindProtocol
		e.Message = "response cut short: " + err.Error()
	case !x.responded && errors.As(err, &ue):
		return p.unreachable(err)
	case isJSONError(err):
		e.Kind = jessy.KindProtocol
		e.Message = "malformed response: " + err.Error()
	default:
		e.Kind = jessy.KindOther
	}
	return e
}

// ctxError is the error of a call whose ctx has ended: KindTimeout or
// KindCanceled, wrapping ctx's error and its cause.
func (p *Provider) ctxError(ctx context.Context) error {
	e := jessy.Errorf(jessy.KindCanceled, "canceled").WithBackend(p.backend).WithCause(ctxErr(ctx))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e.Kind, e.Message = jessy.KindTimeout, "timed out"
	}
	return e
}

// unreachable is the error for a request that got no response.
func (p *Provider) unreachable(err error) error {
	return &jessy.Error{
		Kind:    jessy.KindUnreachable,
		Backend: p.backend,
		Message: fmt.Sprintf("cannot connect to Ollama at %s: %s", p.host, netCause(err)),
		Hint:    unreachableHint,
		Err:     err,
	}
}

// fromStatus fills e for an HTTP error status with the server's message.
func (p *Provider) fromStatus(e *jessy.Error, status int, msg string, header http.Header, model string) {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		msg = http.StatusText(status)
	}
	e.Status = status
	e.Message = clip(msg)
	e.Kind = jessy.KindForStatus(status)
	if header != nil {
		// Ollama itself sends no Retry-After (v0.11.4 answers a full queue
		// with a bare 503), but a proxy in front of it may.
		e.RetryAfter = jessy.ParseRetryAfter(header.Get("Retry-After"), time.Now())
	}
	if modelMissing(status, msg, model) {
		e.Kind = jessy.KindModelNotFound
		e.Hint = pullHint(model)
		if !strings.Contains(strings.ToLower(msg), "model") {
			e.Hint = "the server at " + p.host + " has no such endpoint; check that OLLAMA_HOST points at Ollama"
		}
	}
}

// modelMissing reports whether an error says the model does not exist.
func modelMissing(status int, msg, model string) bool {
	if status == http.StatusNotFound {
		return true
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "not found") &&
		(strings.Contains(m, "model") || model != "" && strings.Contains(m, strings.ToLower(model)))
}

func pullHint(model string) string {
	if model == "" {
		model = "MODEL"
	}
	h := fmt.Sprintf("run `ollama pull %s`", model)
	if strings.HasPrefix(model, "stories260k") {
		h += "; Jessy's test model is created by `scripts/ollama.sh up`"
	}
	return h
}

// ctxErr is ctx's error, with its cause when the cause says more.
func ctxErr(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// netCause is the short reason a connection failed, e.g. "connection refused".
func netCause(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func isJSONError(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ)
}

// clip shortens a server's message to maxMessage bytes.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	i := maxMessage
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
