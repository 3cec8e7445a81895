// Package openai is the OpenAI Chat Completions dialect of Jessy's server,
// as pure translation: the wire structs clients send and receive, the
// request's messages into a jessy conversation, and a run's result and
// events into completions and chunks. It does no I/O and holds no state;
// package server wires it to the HTTP routes and to one run per request,
// so that other dialects can sit beside it without touching the run.
package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jessy-llm/jessy"
)

// ChatRequest is the body of POST /v1/chat/completions (and Jessy's
// /v1/think): the OpenAI fields Jessy honours plus its own extensions.
// Other fields are ignored.
type ChatRequest struct {
	Model         string    `json:"model"`
	Messages      []Message `json:"messages"`
	Stream        bool      `json:"stream"`
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

// IncludeUsage reports whether a streamed completion ends with a usage
// chunk.
func (r *ChatRequest) IncludeUsage() bool {
	return r.StreamOptions != nil && r.StreamOptions.IncludeUsage
}

// Message is a message as OpenAI clients send it: content is a string, an
// array of content parts, or null.
type Message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// Completion is a chat completion, or with Object "chat.completion.chunk"
// one chunk of a streamed one.
type Completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []Choice `json:"choices"`
	Usage   *Usage   `json:"usage,omitempty"`
}

// Choice is one choice of a completion (Message) or chunk (Delta).
type Choice struct {
	Index        int          `json:"index"`
	Message      *ChatMessage `json:"message,omitempty"`
	Delta        *Delta       `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
	Logprobs     *struct{}    `json:"logprobs"`
}

// ChatMessage is the assistant's message of a completion.
type ChatMessage struct {
	Role             string `json:"role"`
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

// Delta is the new part of the assistant's message in a chunk.
type Delta struct {
	Role             string  `json:"role,omitempty"`
	Content          *string `json:"content,omitempty"`
	ReasoningContent string  `json:"reasoning_content,omitempty"`
}

// Usage sums every call of the run; reasoning_tokens counts the thoughts'
// completion tokens, which are part of completion_tokens.
type Usage struct {
	PromptTokens            int `json:"prompt_tokens"`
	CompletionTokens        int `json:"completion_tokens"`
	TotalTokens             int `json:"total_tokens"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// UsageOf is the usage of a finished run.
func UsageOf(res *jessy.Result) *Usage {
	u := &Usage{PromptTokens: res.Usage.PromptTokens, CompletionTokens: res.Usage.CompletionTokens, TotalTokens: res.Usage.Total()}
	for _, th := range res.Thoughts {
		u.CompletionTokensDetails.ReasoningTokens += th.Usage.CompletionTokens
	}
	return u
}

// FinishStop is the finish_reason of a completed answer.
const FinishStop = "stop"

// ErrorBody is the JSON body of an error response.
type ErrorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code,omitempty"`
	} `json:"error"`
}

// NewErrorBody returns the body of an error of type typ with code, about
// param ("" for none).
func NewErrorBody(message, typ, code, param string) ErrorBody {
	var b ErrorBody
	b.Error.Message, b.Error.Type, b.Error.Code = message, typ, code
	if param != "" {
		b.Error.Param = &param
	}
	return b
}

// ParamError is a request the dialect refuses: Code and Param are
// OpenAI's error code and the field at fault.
type ParamError struct {
	Code, Param, Message string
}

func (e *ParamError) Error() string { return e.Message }

func paramError(code, param, format string, args ...any) *ParamError {
	return &ParamError{Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// Conversation converts and checks a request's messages: at most
// maxMessages of them, each of at most maxChars characters, ending with a
// user message with text. system and developer messages become system
// ones; tool and function results are read as user messages. Its errors
// are *ParamError values.
func Conversation(msgs []Message, maxMessages, maxChars int) ([]jessy.Message, error) {
	if len(msgs) == 0 {
		return nil, paramError("invalid_value", "messages", "messages must hold at least one message")
	}
	if len(msgs) > maxMessages {
		return nil, paramError("limit_exceeded", "messages", "%d messages sent, the limit is %d (max_messages)", len(msgs), maxMessages)
	}
	conv := make([]jessy.Message, 0, len(msgs))
	for i, m := range msgs {
		param := fmt.Sprintf("messages[%d]", i)
		text, err := ContentText(m.Content)
		if err != nil {
			return nil, paramError("invalid_value", param+".content", "%s.content: %v", param, err)
		}
		if n := utf8.RuneCountInString(text); n > maxChars {
			return nil, paramError("limit_exceeded", param+".content", "%s has %d characters, the limit is %d (max_message_chars)", param, n, maxChars)
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
			return nil, paramError("invalid_value", param+".role", "%s.role %q is not one of system, developer, user, assistant, tool", param, m.Role)
		}
		conv = append(conv, jessy.Message{Role: role, Content: text})
	}
	if strings.TrimSpace(jessy.LastUserContent(conv)) == "" {
		return nil, paramError("invalid_value", "messages", "messages must end with a question: no user message with text")
	}
	return conv, nil
}

// ContentText returns the text of a message's content: the string itself,
// or the text parts of an array joined by newlines (other parts, such as
// images, are ignored).
func ContentText(raw json.RawMessage) (string, error) {
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

// ThoughtBlock is the reasoning_content text of one finished thought of n.
func ThoughtBlock(th *jessy.Thought, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Thought %d of %d: %s\n\n", th.Index+1, n, th.Angle)
	if th.Status == jessy.StatusOK {
		b.WriteString(strings.TrimSpace(th.Text))
	} else {
		fmt.Fprintf(&b, "(failed: %s)", jessy.KindOf(th.Err))
	}
	b.WriteString("\n\n")
	return b.String()
}

// ReasoningOf is the reasoning_content of a finished run: every thought
// that answered or failed, in order, then the synthesis model's own
// reasoning if it sent any.
func ReasoningOf(res *jessy.Result) string {
	var b strings.Builder
	for i := range res.Thoughts {
		if st := res.Thoughts[i].Status; st == jessy.StatusOK || st == jessy.StatusFailed {
			b.WriteString(ThoughtBlock(&res.Thoughts[i], len(res.Thoughts)))
		}
	}
	b.WriteString(res.Synthesis.Reasoning)
	return b.String()
}
