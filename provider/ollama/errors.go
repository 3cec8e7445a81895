package ollama

import (
	"bytes"
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

// exchange is what the transport saw of one call. Ollama's client reports an
// HTTP error as a StatusError, but it hides the response headers, turns an
// {"error": ...} line and a line that is not JSON alike into a plain error,
// and passes read errors through as they are; the exchange lets classify
// tell these apart. It is written and read by the calling goroutine only.
type exchange struct {
	// watchLines asks for the body's lines to be checked (streams only).
	watchLines bool
	// responded is set once response headers arrived.
	responded bool
	status    int
	header    http.Header
	// readErr is the body's first read error other than io.EOF.
	readErr error
	// badLine is the first body line that is not a JSON object, as Ollama's
	// client would quote it; hasBad says there was one.
	badLine string
	hasBad  bool
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
	x.status = resp.StatusCode
	x.header = resp.Header
	resp.Body = &watchedBody{ReadCloser: resp.Body, x: x}
	return resp, nil
}

// maxWatchedLine is the longest line watchedBody keeps to check; longer
// lines are taken to be JSON.
const maxWatchedLine = 64 << 10

// watchedBody records a body's read error and, when asked, its first line
// that is not a JSON object.
type watchedBody struct {
	io.ReadCloser
	x    *exchange
	line []byte
	long bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.x.watchLines && !b.x.hasBad {
		b.scan(p[:n])
		if err == io.EOF && (len(b.line) > 0 || b.long) {
			b.endLine()
		}
	}
	if err != nil && err != io.EOF && b.x.readErr == nil {
		b.x.readErr = err
	}
	return n, err
}

func (b *watchedBody) scan(data []byte) {
	for len(data) > 0 && !b.x.hasBad {
		i := bytes.IndexByte(data, '\n')
		part := data
		if i >= 0 {
			part = data[:i]
		}
		if len(b.line)+len(part) > maxWatchedLine {
			b.long = true
		} else if !b.long {
			b.line = append(b.line, part...)
		}
		if i < 0 {
			return
		}
		b.endLine()
		data = data[i+1:]
	}
}

func (b *watchedBody) endLine() {
	line := bytes.TrimSuffix(b.line, []byte("\r"))
	t := bytes.TrimSpace(line)
	if !b.long && (len(t) == 0 || t[0] != '{' || !json.Valid(t)) {
		b.x.badLine = string(line)
		b.x.hasBad = true
	}
	b.line = b.line[:0]
	b.long = false
}

// classify turns an error of Ollama's client into a *jessy.Error. streaming
// says whether the call was a stream, where a plain error is an error line.
func (p *Provider) classify(ctx context.Context, err error, x *exchange, model string, streaming bool) error {
	e := &jessy.Error{Backend: p.backend, Err: err}
	var se api.StatusError
	var ae api.AuthorizationError
	var ue *url.Error
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		e.Kind, e.Message = jessy.KindCanceled, "canceled"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			e.Kind, e.Message = jessy.KindTimeout, "timed out"
		}
		e.Err = ctxErr(ctx)
	case errors.As(err, &se):
		p.fromStatus(e, se.StatusCode, se.ErrorMessage, x, model)
	case errors.As(err, &ae):
		p.fromStatus(e, ae.StatusCode, ae.Status, x, model)
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		// http.Client.Timeout, or a deadline of the caller's own transport.
		e.Kind, e.Message = jessy.KindTimeout, "timed out"
	case x.readErr != nil && errors.Is(err, x.readErr):
		e.Kind = jessy.KindProtocol
		e.Message = "response cut short: " + err.Error()
		if streaming {
			e.Message = "stream ended before done: " + err.Error()
		}
	case !x.responded && errors.As(err, &ue):
		e.Kind = jessy.KindUnreachable
		e.Message = fmt.Sprintf("cannot connect to Ollama at %s: %s", p.host, netCause(err))
		e.Hint = unreachableHint
	case x.hasBad && err.Error() == x.badLine:
		e.Kind = jessy.KindProtocol
		e.Message = fmt.Sprintf("malformed line in stream: %q", clip(x.badLine))
	case isJSONError(err):
		e.Kind = jessy.KindProtocol
		e.Message = "malformed response: " + err.Error()
	case streaming && x.responded:
		// Ollama's client turns an {"error": ...} line into errors.New.
		msg := err.Error()
		e.Kind, e.Message = jessy.KindServer, clip(msg)
		if modelMissing(0, msg, model) {
			e.Kind, e.Hint = jessy.KindModelNotFound, pullHint(model)
		}
	default:
		e.Kind = jessy.KindOther
	}
	return e
}

// fromStatus fills e for an HTTP error status with the server's message.
func (p *Provider) fromStatus(e *jessy.Error, status int, msg string, x *exchange, model string) {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		msg = http.StatusText(status)
	}
	e.Status = status
	e.Message = clip(msg)
	e.Kind = jessy.KindForStatus(status)
	if x.header != nil {
		// Ollama itself sends no Retry-After (v0.11.4 answers a full queue
		// with a bare 503), but a proxy in front of it may.
		e.RetryAfter = jessy.ParseRetryAfter(x.header.Get("Retry-After"), time.Now())
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
