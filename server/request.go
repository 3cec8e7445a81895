package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/server/dialect/openai"
)

// Defaults of Limits.
const (
	DefaultMaxBodyBytes    = 1 << 20
	DefaultMaxMessages     = 200
	DefaultMaxMessageChars = 32 * 1024
	DefaultMaxThoughts     = 32
)

// Limits bound what one request may ask for. A zero field means its default;
// a violation is a 400 whose message names the limit.
type Limits struct {
	// MaxBodyBytes bounds the request body (max_body_bytes).
	MaxBodyBytes int64
	// MaxMessages bounds the number of messages (max_messages).
	MaxMessages int
	// MaxMessageChars bounds the characters of each message (max_message_chars).
	MaxMessageChars int
	// MaxThoughts bounds the thoughts a request may ask for with the
	// "thoughts" field (max_thoughts). A profile's own count is trusted.
	MaxThoughts int
}

func (l Limits) withDefaults() (Limits, error) {
	if l.MaxBodyBytes < 0 || l.MaxMessages < 0 || l.MaxMessageChars < 0 || l.MaxThoughts < 0 {
		return l, errors.New("server: limits must not be negative")
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	l.MaxMessages = orDefault(l.MaxMessages, DefaultMaxMessages)
	l.MaxMessageChars = orDefault(l.MaxMessageChars, DefaultMaxMessageChars)
	l.MaxThoughts = orDefault(l.MaxThoughts, DefaultMaxThoughts)
	return l, nil
}

// runSpec is a validated request, ready to run.
type runSpec struct {
	req   openai.ChatRequest
	model string
	conv  []jessy.Message
	// eng is this request's copy of the catalog's engine.
	eng *engine.Engine
	// show sends thoughts as reasoning_content.
	show bool
}

// prepare reads and checks the request body, resolves its model and derives
// the request's engine. Errors are *apiError values.
func (s *Server) prepare(w http.ResponseWriter, r *http.Request) (*runSpec, error) {
	lim := s.cfg.Limits
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, lim.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, invalid("limit_exceeded", "", "the request body is larger than %d bytes (max_body_bytes)", lim.MaxBodyBytes)
		}
		return nil, invalid("invalid_body", "", "cannot read the request body: %v", err)
	}
	var req openai.ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, invalid("invalid_json", "", "the request body is not valid JSON for a chat completion: %v", err)
	}
	sp := &runSpec{req: req, model: req.Model, show: s.cfg.ShowThoughts}
	if sp.model == "" {
		sp.model = "jessy"
	}
	if req.ShowThoughts != nil {
		sp.show = *req.ShowThoughts
	}
	if sp.conv, err = openai.Conversation(req.Messages, lim.MaxMessages, lim.MaxMessageChars); err != nil {
		var pe *openai.ParamError
		if errors.As(err, &pe) {
			return nil, invalid(pe.Code, pe.Param, "%s", pe.Message)
		}
		return nil, err
	}
	base, err := s.cat.Engine(sp.model)
	if err != nil {
		if jessy.KindOf(err) == jessy.KindModelNotFound {
			return nil, &apiError{Status: http.StatusNotFound, Type: typeInvalidRequest, Code: "model_not_found", Param: "model",
				Message: fmt.Sprintf("the model %q does not exist; GET /v1/models lists the models this server offers", sp.model)}
		}
		return nil, err
	}
	eng := *base
	if t := req.Temperature; t != nil {
		if *t < 0 || *t > 2 {
			return nil, invalid("invalid_value", "temperature", "temperature must be between 0 and 2, got %g", *t)
		}
		eng.Temperature = t
	}
	for _, mt := range []*int{req.MaxTokens, req.MaxCompletionTokens} {
		if mt == nil {
			continue
		}
		if *mt < 1 {
			return nil, invalid("invalid_value", "max_tokens", "max_tokens must be at least 1, got %d", *mt)
		}
		eng.SynthesisMaxTokens = *mt
	}
	if n := req.Thoughts; n != nil {
		if *n < 1 {
			return nil, invalid("invalid_value", "thoughts", "thoughts must be at least 1, got %d", *n)
		}
		if *n > lim.MaxThoughts {
			return nil, invalid("limit_exceeded", "thoughts", "%d thoughts asked for, the limit is %d (max_thoughts)", *n, lim.MaxThoughts)
		}
		eng.Thoughts, eng.ThoughtsAuto = *n, false
	}
	// A request for fewer thoughts than the profile's quorum lowers the
	// quorum to all of them rather than failing.
	eng.MinThoughts = min(eng.MinThoughts, orDefault(eng.Thoughts, engine.DefaultThoughts))
	sp.eng = &eng
	return sp, nil
}
