// Package jessy holds the domain of Jessy: the messages and requests that go
// to a language model, the small Provider interface every backend
// implements, the angles a question is thought about from, the result of a
// run and the events it emits, and the error kinds that the command line and
// the HTTP server turn into user words and statuses.
//
// It imports nothing but the standard library. The engine that runs thoughts
// lives in package engine; each backend lives in its own package under
// provider/.
package jessy

import (
	"context"
	"errors"
	"strings"
)

// Role is the author of a Message.
type Role string

// The roles a conversation may hold.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is one call to a language model.
type ChatRequest struct {
	// Model is the backend's name for the model.
	Model string
	// Messages is the conversation; the last message is normally the user's.
	Messages []Message
	// MaxTokens caps the generated tokens; 0 leaves the backend's default.
	MaxTokens int
	// Temperature, when set, overrides the backend's sampling temperature.
	Temperature *float64
}

// Delta is a piece of streamed output.
type Delta struct {
	// Text is answer text.
	Text string
	// Reasoning is text a backend sends beside the answer (reasoning_content,
	// thinking blocks). It is never mixed into Text.
	Reasoning string
	// Stop, on the last piece of a call, says why the model stopped, where
	// the backend says; "" elsewhere.
	Stop StopReason
}

// StopReason says why a model stopped writing.
type StopReason string

// The stop reasons a provider reports.
const (
	// StopEnd: the model ended its answer.
	StopEnd StopReason = "stop"
	// StopLength: the output cap (ChatRequest.MaxTokens) or the context
	// window cut the answer.
	StopLength StopReason = "length"
)

// Usage counts the tokens of one or more calls, as the backend reported them.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Add returns the sum of u and o.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + o.PromptTokens,
		CompletionTokens: u.CompletionTokens + o.CompletionTokens,
	}
}

// Total is prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Provider is a language-model backend.
//
// Chat sends req and streams the reply to fn as it arrives, in order, from
// the calling goroutine. If fn returns an error the stream stops and Chat
// returns that error unchanged. Chat returns the usage the backend reported
// (zero when it reported none). Errors from the backend are *Error values
// with a Kind; a cancelled ctx ends the call promptly with ctx's error.
// Implementations must be safe for concurrent use.
type Provider interface {
	Chat(ctx context.Context, req ChatRequest, fn func(Delta) error) (Usage, error)
}

// Unwrapper is implemented by a Provider that decorates another (a guard,
// say): Unwrap returns the provider it wraps.
type Unwrapper interface {
	Unwrap() Provider
}

// Find returns p, or the first provider p wraps (following Unwrapper), that
// implements T, and whether there is one. Use it for optional interfaces a
// decorator does not forward, such as Embedder, ModelLister and Versioner:
// calls made through the result bypass the decorators above it.
func Find[T any](p Provider) (T, bool) {
	for p != nil {
		if t, ok := p.(T); ok {
			return t, true
		}
		u, ok := p.(Unwrapper)
		if !ok {
			break
		}
		p = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Embedder is implemented by providers that can embed text.
type Embedder interface {
	// Embed returns one vector per input, in order.
	Embed(ctx context.Context, model string, input []string) ([][]float64, error)
}

// ModelInfo describes a model a backend offers.
type ModelInfo struct {
	Name string `json:"name"`
	// Loaded reports whether the model is in memory, where the backend says.
	Loaded bool `json:"loaded,omitempty"`
}

// ModelLister is implemented by providers that can list their models.
type ModelLister interface {
	Models(ctx context.Context) ([]ModelInfo, error)
}

// Versioner is implemented by providers that can name the version of the
// server behind them.
type Versioner interface {
	Version(ctx context.Context) (string, error)
}

// LastUserContent returns the content of the last user message, or "".
func LastUserContent(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// Words splits text into lower-case words, dropping punctuation. It is the
// tokenisation used by the lexical similarity measures.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r > 127)
	})
}

// Jaccard returns the Jaccard similarity of the word sets of a and b: the
// size of their intersection over the size of their union, in [0, 1]. Two
// empty texts are identical (1).
func Jaccard(a, b string) float64 {
	sa := make(map[string]struct{})
	for _, w := range Words(a) {
		sa[w] = struct{}{}
	}
	sb := make(map[string]struct{})
	for _, w := range Words(b) {
		sb[w] = struct{}{}
	}
	if len(sa) == 0 && len(sb) == 0 {
		return 1
	}
	inter := 0
	for w := range sa {
		if _, ok := sb[w]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

// BatchRequest is several independent prompts for one model, sent as one
// request to a server that accepts a list of prompts (vLLM's /v1/completions).
type BatchRequest struct {
	Model       string
	Prompts     []string
	MaxTokens   int
	Temperature *float64
}

// Batcher is implemented by providers that can send several prompts in one
// request. CompleteBatch returns one text per prompt, in order, and the
// usage of the whole request. When the server refuses a list of prompts the
// error wraps ErrBatchUnsupported, and the caller should fall back to one
// Chat call per prompt.
type Batcher interface {
	CompleteBatch(ctx context.Context, req BatchRequest) ([]string, Usage, error)
}

// ErrBatchUnsupported is wrapped by a Batcher's error when the server does
// not take a list of prompts in one request.
var ErrBatchUnsupported = errors.New("server does not accept batched prompts")
