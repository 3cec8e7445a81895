// Package openai is Jessy's backend for OpenAI's API and the servers that
// copy it: vLLM, llama.cpp, LM Studio, OpenRouter and Ollama's /v1. It is
// built on the official SDK, github.com/openai/openai-go/v3, with the SDK's
// retries turned off, since Jessy retries in one place.
package openai

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/jessy-llm/jessy"
)

// DefaultBaseURL is OpenAI's own API.
const DefaultBaseURL = "https://api.openai.com/v1"

// Config says where and how to reach the server.
type Config struct {
	// BaseURL is the API root including its version, e.g.
	// "http://127.0.0.1:8000/v1"; empty means DefaultBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token. The caller reads it (normally from
	// OPENAI_API_KEY); this package reads no environment variable. It may be
	// empty for local servers, which then get no Authorization header.
	APIKey string
	// HTTPClient carries the requests; nil means http.DefaultClient. Its
	// Timeout, if any, bounds whole streams: prefer a context deadline.
	HTTPClient *http.Client
}

// Provider talks to one OpenAI-compatible server. It is safe for concurrent
// use.
type Provider struct {
	backend     string
	chat        openai.ChatCompletionService
	completions openai.CompletionService
	embeddings  openai.EmbeddingService
	models      openai.ModelService
}

var (
	_ jessy.Provider    = (*Provider)(nil)
	_ jessy.Embedder    = (*Provider)(nil)
	_ jessy.ModelLister = (*Provider)(nil)
	_ jessy.Batcher     = (*Provider)(nil)
)

// New returns a Provider for cfg. It makes no request. It fails with a
// *jessy.Error of KindInvalid when the base URL is not an http(s) URL, and
// of KindAuth when the key is missing for a hosted API that needs one
// (api.openai.com and the like).
func New(cfg Config) (*Provider, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	backend := "openai at " + jessy.RedactURL(base)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &jessy.Error{
			Kind: jessy.KindInvalid, Backend: backend,
			Message: fmt.Sprintf("base URL %q is not an http(s) URL", cfg.BaseURL),
			Hint:    "give the API root, e.g. http://127.0.0.1:8000/v1",
			Err:     err,
		}
	}
	if cfg.APIKey == "" && jessy.HostNeedsKey(u.Hostname()) {
		return nil, &jessy.Error{
			Kind: jessy.KindAuth, Backend: backend,
			Message: "OPENAI_API_KEY is not set: " + u.Hostname() + " needs an API key",
			Hint:    "set OPENAI_API_KEY, or point the base URL at a local server",
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	// The services are built directly, not through openai.NewClient, so that
	// no OPENAI_* variable of the environment changes what is sent.
	opts := []option.RequestOption{
		option.WithBaseURL(base + "/"),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return &Provider{
		backend:     backend,
		chat:        openai.NewChatCompletionService(opts...),
		completions: openai.NewCompletionService(opts...),
		embeddings:  openai.NewEmbeddingService(opts...),
		models:      openai.NewModelService(opts...),
	}, nil
}

// Backend names the server, as in the errors: "openai at <base URL>".
func (p *Provider) Backend() string { return p.backend }

// Models lists the models the server offers (GET /models). Loaded is never
// set: the API does not say.
func (p *Provider) Models(ctx context.Context) ([]jessy.ModelInfo, error) {
	var res *http.Response
	page, err := p.models.List(ctx, option.WithResponseInto(&res))
	if err != nil {
		return nil, p.wrap(ctx, err, res)
	}
	out := make([]jessy.ModelInfo, 0, len(page.Data))
	for _, m := range page.Data {
		out = append(out, jessy.ModelInfo{Name: m.ID})
	}
	return out, nil
}
