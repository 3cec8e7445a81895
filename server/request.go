package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
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

// chatRequest is the body of POST /v1/chat/completions and POST /v1/think:
// the OpenAI fields Jessy honours plus its own extensions. Other fields are
// ignored.
type chatRequest struct {
	Model         string        `json:"model"`
	Messages      []wireMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Temperature         *float64 `json:"temperature"`
	MaxTokens           *int     `json:"max_tokens"`
	MaxCompletionTokens *int     `json:"max_completion_tokens"`

	// Jessy's extensions.
	Thoughts     *int  `json:"thoughts"`
	ShowThoughts *bool `json:"show_thoughts"`
}

// wireMessage is a message as OpenAI clients send it: content is a string,
// an array of content parts, or null.
type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// runSpec is a validated request, ready to run.
type runSpec struct {
	req   chatRequest
	model string
	conv  []jessy.Message
	// eng is this request's copy of the catalog's engine.
	eng *engine.Engine
	// show sends thoughts as reasoning_content.
	show bool
}

// includeUsage reports whether a streamed completion ends with a usage chunk.
func (sp *runSpec) includeUsage() bool {
	return sp.req.StreamOptions != nil && sp.req.StreamOptions.IncludeUsage
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
	var req chatRequest
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
	if sp.conv, err = conversation(req.Messages, lim); err != nil {
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

// conversation converts and checks the messages.
func conversation(msgs []wireMessage, lim Limits) ([]jessy.Message, error) {
	if len(msgs) == 0 {
		return nil, invalid("invalid_value", "messages", "messages must hold at least one message")
	}
	if len(msgs) > lim.MaxMessages {
		return nil, invalid("limit_exceeded", "messages", "%d messages sent, the limit is %d (max_messages)", len(msgs), lim.MaxMessages)
	}
	conv := make([]jessy.Message, 0, len(msgs))
	for i, m := range msgs {
		param := fmt.Sprintf("messages[%d]", i)
		text, err := contentText(m.Content)
		if err != nil {
			return nil, invalid("invalid_value", param+".content", "%s.content: %v", param, err)
		}
		if n := utf8.RuneCountInString(text); n > lim.MaxMessageChars {
			return nil, invalid("limit_exceeded", param+".content", "%s has %d characters, the limit is %d (max_message_chars)", param, n, lim.MaxMessageChars)
		}
		var role jessy.Role
		switch m.Role {
		case "system", "developer":
			role = jessy.RoleSystem
		case "user", "tool", "function":
			role = jessy.RoleUser
		case "assistant":
			role = jessy.RoleAssistant
		default:
			return nil, invalid("invalid_value", param+".role", "%s.role %q is not one of system, developer, user, assistant, tool", param, m.Role)
		}
		conv = append(conv, jessy.Message{Role: role, Content: text})
	}
	if strings.TrimSpace(jessy.LastUserContent(conv)) == "" {
		return nil, invalid("invalid_value", "messages", "messages must end with a question: no user message with text")
	}
	return conv, nil
}

// contentText returns the text of a message's content: the string itself,
// or the text parts of an array joined by newlines (other parts, such as
// images, are ignored).
func contentText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or an array of content parts")
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" || p.Type == "input_text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}
