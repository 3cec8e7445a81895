package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/server/dialect/openai"
)

// The error types of OpenAI-style error bodies.
const (
	typeInvalidRequest = "invalid_request_error"
	typeRateLimit      = "rate_limit_error"
	typeServer         = "server_error"
	typeBackend        = "backend_error"
)

// apiError is an error as the HTTP edge reports it: a status and an
// OpenAI-style body {"error": {"message", "type", "param", "code"}}.
type apiError struct {
	Status     int
	Type       string
	Code       string
	Param      string
	Message    string
	RetryAfter time.Duration
}

func (e *apiError) Error() string { return e.Message }

// body is the JSON form of e.
func (e *apiError) body() openai.ErrorBody {
	return openai.NewErrorBody(e.Message, e.Type, e.Code, e.Param)
}

// invalid is a 400 about the request.
func invalid(code, param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Code: code, Param: param,
		Message: fmt.Sprintf(format, args...)}
}

// toAPIError maps err to what the client is told. It is the one place where
// jessy.Kind becomes an HTTP status:
//
//	invalid, bad_request       400  the request (or what the backend made of it) is wrong
//	model_not_found            404
//	rate_limited               429  with Retry-After
//	overloaded                 503  with Retry-After
//	timeout                    504
//	canceled                   503  the run was cancelled (shutdown)
//	auth, quota                502  the backend refused the server's credentials or account
//	unreachable, server_error,
//	protocol                   502  the backend failed
//	too few thoughts (quorum)  502
//	other                      500
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	msg := err.Error()
	var qe *engine.QuorumError
	if errors.As(err, &qe) {
		return &apiError{Status: http.StatusBadGateway, Type: typeBackend, Code: "quorum_not_met", Message: msg}
	}
	kind := jessy.KindOf(err)
	e := &apiError{Type: typeBackend, Code: kind.String(), Message: msg}
	switch kind {
	case jessy.KindInvalid, jessy.KindBadRequest:
		e.Status, e.Type = http.StatusBadRequest, typeInvalidRequest
	case jessy.KindModelNotFound:
		e.Status, e.Type = http.StatusNotFound, typeInvalidRequest
	case jessy.KindRateLimited:
		e.Status, e.Type, e.RetryAfter = http.StatusTooManyRequests, typeRateLimit, jessy.RetryAfterOf(err)
	case jessy.KindOverloaded:
		e.Status, e.RetryAfter = http.StatusServiceUnavailable, jessy.RetryAfterOf(err)
	case jessy.KindTimeout:
		e.Status = http.StatusGatewayTimeout
	case jessy.KindCanceled:
		e.Status, e.Type = http.StatusServiceUnavailable, typeServer
	case jessy.KindAuth:
		e.Status = http.StatusBadGateway
		e.Message = "the backend refused the server's credentials (a server configuration problem): " + msg
	case jessy.KindQuota:
		e.Status = http.StatusBadGateway
		e.Message = "the backend's quota or billing is exhausted (a server configuration problem): " + msg
	case jessy.KindUnreachable, jessy.KindServer, jessy.KindProtocol:
		e.Status = http.StatusBadGateway
	default:
		e.Status, e.Type, e.Code = http.StatusInternalServerError, typeServer, "internal_error"
	}
	if (e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable) && e.RetryAfter <= 0 {
		e.RetryAfter = time.Second
	}
	return e
}

// retryAfterSeconds renders d as a Retry-After value: whole seconds, at
// least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// writeError sends err as an OpenAI-style JSON error response.
func writeError(w http.ResponseWriter, err error) {
	e := toAPIError(err)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	writeJSON(w, e.Status, e.body())
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"message":"cannot encode the response","type":"server_error","param":null}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
