package faults

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/anthropic"
	"github.com/jessy-llm/jessy/provider/ollama"
	"github.com/jessy-llm/jessy/provider/openai"
	"github.com/jessy-llm/jessy/providertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// format is one wire format Jessy speaks: a fake server for it, a provider
// that talks to a base URL, and what a stream of it looks like.
type format struct {
	name string
	// server starts a fake backend answering with script.
	server func(t testing.TB, script providertest.Script) *providertest.Server
	// provider returns a provider for the backend at baseURL, with its own
	// transport, whose idle connections are closed when t ends.
	provider func(t testing.TB, baseURL string) jessy.Provider
	// contentType is the content type of a streamed answer.
	contentType string
	// ends are the markers of which a complete stream carries at least one.
	ends []string
}

// formats are the wire formats under test: Ollama's NDJSON, OpenAI's SSE
// and Anthropic's SSE, each through its provider package.
func formats() []format {
	return []format{
		{
			name:   "ollama",
			server: func(t testing.TB, s providertest.Script) *providertest.Server { return providertest.NewOllama(t, s) },
			provider: func(t testing.TB, base string) jessy.Provider {
				p, err := ollama.New(ollama.Config{Host: base, HTTPClient: client(t)})
				if err != nil {
					t.Fatal(err)
				}
				return p
			},
			contentType: "application/x-ndjson",
			ends:        []string{"done"},
		},
		{
			name:   "openai",
			server: func(t testing.TB, s providertest.Script) *providertest.Server { return providertest.NewOpenAI(t, s) },
			provider: func(t testing.TB, base string) jessy.Provider {
				p, err := openai.New(openai.Config{BaseURL: base + "/v1", HTTPClient: client(t)})
				if err != nil {
					t.Fatal(err)
				}
				return p
			},
			contentType: "text/event-stream",
			ends:        []string{"[DONE]", "finish_reason"},
		},
		{
			name:   "anthropic",
			server: func(t testing.TB, s providertest.Script) *providertest.Server { return providertest.NewAnthropic(t, s) },
			provider: func(t testing.TB, base string) jessy.Provider {
				p, err := anthropic.New(anthropic.Config{BaseURL: base, APIKey: "test-key", HTTPClient: client(t)})
				if err != nil {
					t.Fatal(err)
				}
				return p
			},
			contentType: "text/event-stream",
			ends:        []string{"message_stop"},
		},
	}
}

// client is an HTTP client with a transport of its own, closed when t ends,
// so that no keep-alive connection outlives the test.
func client(t testing.TB) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
