// Package ollama is Jessy's backend for Ollama's native API (/api/chat,
// /api/embed, /api/tags, /api/ps, /api/version), built on Ollama's own Go
// client and wire types; /api/chat's stream is read by the package itself
// (see chat.go). Ollama's types stay inside this package.
package ollama

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/jessy-llm/jessy"
)

// DefaultHost is where Ollama listens when Config.Host is empty.
const DefaultHost = "http://127.0.0.1:11434"

// Config sets up a Provider. The zero Config talks to DefaultHost. The
// provider reads no environment variable: package config resolves
// OLLAMA_HOST into Host.
type Config struct {
	// Host is Ollama's base URL with its scheme, e.g.
	// "http://127.0.0.1:11435"; empty means DefaultHost.
	Host string
	// HTTPClient sends the requests; nil means a client without a timeout
	// on http.DefaultTransport (streams are bounded by the caller's ctx).
	HTTPClient *http.Client
	// KeepAlive, when set, is how long Ollama keeps the model loaded after
	// each call; negative keeps it loaded for good.
	KeepAlive *time.Duration
	// NumCtx, when positive, is the context window (options.num_ctx).
	NumCtx int
}

// Provider talks to one Ollama server. It is safe for concurrent use.
type Provider struct {
	client *api.Client
	// http sends /api/chat; client's transport is its own wrapped in an
	// observer.
	http      *http.Client
	base      *url.URL
	host      string
	backend   string
	keepAlive *api.Duration
	numCtx    int
}

var (
	_ jessy.Provider    = (*Provider)(nil)
	_ jessy.Embedder    = (*Provider)(nil)
	_ jessy.ModelLister = (*Provider)(nil)
)

// New returns a Provider for cfg. It does not contact the server; the only
// error is a KindInvalid *jessy.Error for a Host that is not a URL.
func New(cfg Config) (*Provider, error) {
	base, err := hostURL(cfg.Host)
	if err != nil {
		return nil, &jessy.Error{
			Kind:    jessy.KindInvalid,
			Backend: "ollama",
			Message: fmt.Sprintf("invalid Ollama host %q", cfg.Host),
			Hint:    "set OLLAMA_HOST to an address such as http://127.0.0.1:11434",
			Err:     err,
		}
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	obs := *hc
	if obs.Transport == nil {
		obs.Transport = http.DefaultTransport
	}
	obs.Transport = observer{base: obs.Transport}

	p := &Provider{
		client:  api.NewClient(base, &obs),
		http:    hc,
		base:    base,
		host:    jessy.RedactURL(base.String()),
		backend: "ollama at " + jessy.RedactURL(base.String()),
		numCtx:  cfg.NumCtx,
	}
	if cfg.KeepAlive != nil {
		p.keepAlive = &api.Duration{Duration: *cfg.KeepAlive}
	}
	return p, nil
}

// Host is the server's base URL as it may be shown, credentials redacted,
// e.g. "http://127.0.0.1:11434".
func (p *Provider) Host() string { return p.host }

// hostURL turns a Config.Host into a base URL; empty means DefaultHost.
func hostURL(host string) (*url.URL, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		host = DefaultHost
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host name")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Chat streams req through /api/chat, calling fn from the calling goroutine
// for each piece of answer (Delta.Text, from message.content) or reasoning
// (Delta.Reasoning, from message.thinking), in order; a nil fn drops them.
// It returns the usage of the final chunk (prompt_eval_count, eval_count).
//
// If fn returns an error the stream stops and Chat returns that error
// unchanged. Every other error is a *jessy.Error: KindTimeout or
// KindCanceled when ctx ends (errors.Is with ctx's error holds),
// KindUnreachable when no connection could be made, KindModelNotFound for
// an unknown model, the status's kind for other HTTP errors, KindServer for
// an error Ollama reports mid-stream, and KindProtocol for a malformed line
// or a stream that ends before its done line. It blocks until the stream
// ends and is safe for concurrent use.
func (p *Provider) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	var usage jessy.Usage
	if req.Model == "" {
		return usage, p.invalid("no model given", "set the model name, e.g. LLM_MODEL=stories260k")
	}
	if len(req.Messages) == 0 {
		return usage, p.invalid("no messages to send", "")
	}
	if fn == nil {
		fn = func(jessy.Delta) error { return nil }
	}
	msgs := make([]api.Message, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = api.Message{Role: string(m.Role), Content: m.Content}
	}
	opts := map[string]any{}
	if req.MaxTokens > 0 {
		opts["num_predict"] = req.MaxTokens
	}
	if req.Temperature != nil {
		opts["temperature"] = *req.Temperature
	}
	if p.numCtx > 0 {
		opts["num_ctx"] = p.numCtx
	}
	stream := true
	areq := &api.ChatRequest{
		Model:     req.Model,
		Messages:  msgs,
		Stream:    &stream,
		KeepAlive: p.keepAlive,
		Options:   opts,
	}

	var done bool
	var fnErr error
	err := p.stream(ctx, areq, func(r api.ChatResponse) error {
		d := jessy.Delta{Text: r.Message.Content, Reasoning: r.Message.Thinking}
		if d.Text != "" || d.Reasoning != "" {
			if err := fn(d); err != nil {
				fnErr = err
				return err
			}
		}
		if r.Done {
			done = true
			usage = jessy.Usage{PromptTokens: r.PromptEvalCount, CompletionTokens: r.EvalCount}
		}
		return nil
	})
	switch {
	case fnErr != nil:
		return usage, fnErr
	case err != nil && ctx.Err() != nil:
		return usage, p.ctxError(ctx)
	case err != nil:
		return usage, err
	case !done:
		return usage, jessy.Errorf(jessy.KindProtocol, "stream ended before done").WithBackend(p.backend)
	}
	return usage, nil
}

func (p *Provider) invalid(msg, hint string) error {
	return jessy.Errorf(jessy.KindInvalid, "%s", msg).WithBackend(p.backend).WithHint(hint)
}
