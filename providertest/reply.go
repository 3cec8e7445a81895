// Package providertest has fake backends for tests: in-process providers and
// httptest servers that speak each wire format Jessy uses (Ollama NDJSON,
// OpenAI SSE, Anthropic SSE), scripted reply by reply with latency and faults.
package providertest

import (
	"time"

	"github.com/jessy-llm/jessy"
)

// Reply scripts one response of a fake server. The zero Reply is an instant
// 200 with an empty answer.
type Reply struct {
	// Status is the HTTP status; 0 means 200. A non-2xx status sends an error
	// body in the wire format's own shape with Message.
	Status int
	// Message is the error message of a non-2xx reply.
	Message string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Delay is how long to wait before sending the response headers.
	Delay time.Duration
	// Chunks are the pieces of answer text, each sent as one stream event.
	Chunks []string
	// Reasoning pieces are sent before the text where the format has a field
	// for them.
	Reasoning []string
	// ChunkDelay is the pause before each chunk.
	ChunkDelay time.Duration
	// Usage is reported at the end of the stream.
	Usage jessy.Usage
	// Hang accepts the request and never answers until the client goes away.
	Hang bool
	// CutAfter, when positive, closes the connection abruptly after that many
	// chunks, without the stream's end marker.
	CutAfter int
	// StallAfter, when positive, stops sending (connection kept open) after
	// that many chunks, until the client goes away.
	StallAfter int
	// Malformed sends a line of invalid JSON after the chunks instead of the
	// end of the stream.
	Malformed bool
	// ContentType overrides the response's content type.
	ContentType string
	// Err, when set, is returned at once by the in-process Fake (after
	// Delay), before any output, as a provider returns a transport failure
	// such as a refused connection. Fake servers ignore it: close a Server,
	// or dial a closed port, to refuse connections on the wire.
	Err error
}

// Text is a Reply that streams text as word-sized chunks.
func Text(text string) Reply {
	return Reply{Chunks: SplitWords(text)}
}

// SplitWords splits text into chunks of one word each, keeping the spaces, so
// that joining the chunks gives text back.
func SplitWords(text string) []string {
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' {
			out = append(out, text[start:i])
			start = i
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}
