package anthropic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
const transportHint = "check the base URL and the network"

// statusError is the error for an error status with the API's error body,
// {"type": "error", "error": {"type", "message"}}.
func (p *Provider) statusError(status int, h http.Header, body []byte) *jessy.Error {
	var eb struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := ""
	if json.Unmarshal(body, &eb) == nil {
		msg = eb.Error.Message
	} else if s := strings.TrimSpace(string(body)); s != "" && s[0] != '{' {
		msg = s
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &jessy.Error{
		Kind:       jessy.KindForStatus(status),
		Backend:    p.backend,
		Status:     status,
		RetryAfter: jessy.ParseRetryAfter(h.Get("Retry-After"), time.Now()),
		Message:    msg,
	}
	if k, ok := typeKinds[eb.Error.Type]; ok {
		e.Kind = k
	}
	hint(e)
	return e
}

// typeKinds sorts the API's error types. A type is more precise than a
// status: a 400 billing_error is a quota problem.
var typeKinds = map[string]jessy.Kind{
	"invalid_request_error": jessy.KindBadRequest,
	"authentication_error":  jessy.KindAuth,
	"permission_error":      jessy.KindAuth,
	"billing_error":         jessy.KindQuota,
	"not_found_error":       jessy.KindModelNotFound,
	"request_too_large":     jessy.KindBadRequest,
	"rate_limit_error":      jessy.KindRateLimited,
	"api_error":             jessy.KindServer,
	"timeout_error":         jessy.KindServer,
	"overloaded_error":      jessy.KindOverloaded,
}

// eventError is the error for an error event inside a stream; cause is the
// SDK's error.
func (p *Provider) eventError(typ, msg string, cause error) error {
	if msg == "" {
		msg = "error event inside the stream"
		if typ != "" {
			msg += ": " + typ
		}
	}
	e := jessy.Errorf(jessy.KindServer, "%s", msg).WithBackend(p.backend).WithCause(cause)
	if k, ok := typeKinds[typ]; ok {
		e.Kind = k
	}
	hint(e)
	return e
}

// hint adds what the user can do about e.
func hint(e *jessy.Error) {
	switch e.Kind {
	case jessy.KindAuth:
		e.Hint = "check ANTHROPIC_API_KEY"
	case jessy.KindQuota:
		e.Hint = "check the account's plan and billing"
	case jessy.KindModelNotFound:
		e.Hint = "check the model name"
	}
}

// protocolError is the error for a response that broke the wire format.
func (p *Provider) protocolError(msg string, err error) error {
	if err != nil {
		msg = fmt.Sprintf("%s: %v", msg, err)
	}
	return jessy.Errorf(jessy.KindProtocol, "%s", msg).WithBackend(p.backend).WithCause(err)
}
