// Package anthropic is Jessy's backend for Anthropic's Messages API, built
// on the official SDK, github.com/anthropics/anthropic-sdk-go/v2, with the
// SDK's retries turned off, since Jessy retries in one place.
package anthropic

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/jessy-llm/jessy"
)

// DefaultBaseURL is Anthropic's own API.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens caps a reply when neither the request nor the Config
// says: the Messages API requires max_tokens.
const DefaultMaxTokens = 1024

// Config says where and how to reach the API.
type Config struct {
	// BaseURL is the API root without the version, e.g.
	// "https://api.anthropic.com"; empty means DefaultBaseURL. A trailing
	// "/v1" is dropped, since the paths carry it.
	BaseURL string
	// APIKey is required. The caller reads it (normally from
	// ANTHROPIC_API_KEY); this package reads no environment variable.
	APIKey string
	// HTTPClient carries the requests; nil means http.DefaultClient. Its
	// Timeout, if any, bounds whole streams: prefer a context deadline.
	HTTPClient *http.Client
	// DefaultMaxTokens caps replies of requests without MaxTokens; 0 means
	// the package's DefaultMaxTokens.
	DefaultMaxTokens int
}

// Provider talks to the Messages API. It is safe for concurrent use.
type Provider struct {
	backend   string
	maxTokens int
	messages  anthropic.MessageService
	models    anthropic.ModelService
}

var (
	_ jessy.Provider    = (*Provider)(nil)
	_ jessy.ModelLister = (*Provider)(nil)
)

// New returns a Provider for cfg. It makes no request. It fails with a
// *jessy.Error of KindAuth when the key is missing and of KindInvalid when
// the base URL is not an http(s) URL.
func New(cfg Config) (*Provider, error) {
	base := strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/v1")
	if base == "" {
		base = DefaultBaseURL
	}
	backend := "anthropic at " + jessy.RedactURL(base)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &jessy.Error{
			Kind: jessy.KindInvalid, Backend: backend,
			Message: fmt.Sprintf("base URL %q is not an http(s) URL", cfg.BaseURL),
			Hint:    "give the API root, e.g. " + DefaultBaseURL,
			Err:     err,
		}
	}
	if cfg.APIKey == "" {
		return nil, &jessy.Error{
			Kind: jessy.KindAuth, Backend: backend,
			Message: "ANTHROPIC_API_KEY is not set: the Messages API needs an API key",
			Hint:    "set ANTHROPIC_API_KEY",
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	maxTokens := cfg.DefaultMaxTokens
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	client := anthropic.NewClient(
		// No ANTHROPIC_* variable, profile or credential file of the
		// environment changes what is sent.
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(base+"/"),
		option.WithAPIKey(cfg.APIKey),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	)
	return &Provider{backend: backend, maxTokens: maxTokens, messages: client.Messages, models: client.Models}, nil
}

// Backend names the API, as in the errors: "anthropic at <base URL>".
func (p *Provider) Backend() string { return p.backend }

// Models lists the models the API offers (GET /v1/models, every page).
// Loaded is never set: the API does not say.
func (p *Provider) Models(ctx context.Context) ([]jessy.ModelInfo, error) {
	var out []jessy.ModelInfo
	params := anthropic.ModelListParams{Limit: anthropic.Int(1000)}
	for {
		var res *http.Response
		page, err := p.models.List(ctx, params, option.WithResponseInto(&res))
		if err != nil {
			return nil, p.wrap(ctx, err, res)
		}
		for _, m := range page.Data {
			out = append(out, jessy.ModelInfo{Name: m.ID})
		}
		if !page.HasMore || page.LastID == "" || len(page.Data) == 0 {
			return out, nil
		}
		params.AfterID = anthropic.String(page.LastID)
	}
}
