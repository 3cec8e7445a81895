package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/neterr"
)

// wrap turns err from an SDK call into a *jessy.Error. res is the response
// the SDK got, if any; for an error status its body holds the API's error.
func (p *Provider) wrap(ctx context.Context, err error, res *http.Response) error {
	return neterr.Response(ctx, p.backend, err, res, transportHint, p.statusError)
}

// ctxError is the error for a call ended by ctx.
func (p *Provider) ctxError(ctx context.Context) error { return neterr.Canceled(ctx, p.backend) }

// transportHint is the hint of an error without a response.
const transportHint = "is the server running? check the base URL"

// statusError is the error for an error status with body.
func (p *Provider) statusError(status int, h http.Header, body []byte) *jessy.Error {
	eb := parseErrorBody(body)
	if eb.message == "" {
		eb.message = http.StatusText(status)
	}
	e := &jessy.Error{
		Kind:       jessy.KindForStatus(status),
		Backend:    p.backend,
		Status:     status,
		RetryAfter: retryAfter(h),
		Message:    eb.message,
	}
	refine(e, eb)
	return e
}

// refine adjusts e's kind from the error object's code and type, and adds a
// hint.
func refine(e *jessy.Error, eb errorBody) {
	switch {
	case eb.code == "insufficient_quota" || eb.typ == "insufficient_quota":
		e.Kind = jessy.KindQuota
	case eb.code == "model_not_found":
		e.Kind = jessy.KindModelNotFound
	}
	switch e.Kind {
	case jessy.KindAuth:
		e.Hint = "check OPENAI_API_KEY"
	case jessy.KindQuota:
		e.Hint = "check the account's plan and billing"
	case jessy.KindModelNotFound:
		e.Hint = "check the model name and the base URL (it normally ends in /v1)"
	}
}

// errorBody is what an OpenAI-style error object says.
type errorBody struct {
	message, typ, code string
}

// parseErrorBody reads {"error": {"message", "type", "code"}}, and the
// variants servers send instead: {"error": "text"}, a top-level object with
// "message" (older vLLM), a numeric code (llama.cpp), or plain text.
func parseErrorBody(body []byte) errorBody {
	body = bytes.TrimSpace(body)
	var outer struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &outer) == nil && len(outer.Error) > 0 && string(outer.Error) != "null" {
		return parseErrorObject(outer.Error)
	}
	if eb := parseErrorObject(body); eb.message != "" {
		return eb
	}
	if len(body) > 0 && body[0] != '{' {
		msg := string(body)
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return errorBody{message: msg}
	}
	return errorBody{}
}

// parseErrorObject reads one error object, or a bare string.
func parseErrorObject(raw json.RawMessage) errorBody {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return errorBody{message: s}
	}
	var o struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return errorBody{}
	}
	eb := errorBody{message: o.Message, typ: o.Type}
	if json.Unmarshal(o.Code, &eb.code) != nil {
		var n int
		if json.Unmarshal(o.Code, &n) == nil {
			eb.code = strconv.Itoa(n)
		}
	}
	return eb
}

// streamError is the error for an error object inside a stream. A numeric
// code (vLLM sends the status there) sorts it like a status; anything else
// is a server failure.
func (p *Provider) streamError(raw json.RawMessage) error {
	eb := parseErrorObject(raw)
	if eb.message == "" {
		eb.message = "error inside the stream: " + string(raw)
	}
	e := jessy.Errorf(jessy.KindServer, "%s", eb.message).WithBackend(p.backend)
	if n, err := strconv.Atoi(eb.code); err == nil && n >= 400 {
		e.Kind = jessy.KindForStatus(n)
	}
	refine(e, eb)
	return e
}

// retryAfter reads Retry-After (seconds or an HTTP date), or OpenAI's
// retry-after-ms when that is all there is.
func retryAfter(h http.Header) time.Duration {
	if d := jessy.ParseRetryAfter(h.Get("Retry-After"), time.Now()); d > 0 {
		return d
	}
	if ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Retry-After-Ms")), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	return 0
}

// protocolError is the error for a response that broke the wire format.
func (p *Provider) protocolError(msg string, err error) error {
	if err != nil {
		msg = fmt.Sprintf("%s: %v", msg, err)
	}
	return jessy.Errorf(jessy.KindProtocol, "%s", msg).WithBackend(p.backend).WithCause(err)
}
