package ollama

import (
	"context"
	"fmt"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/jessy-llm/jessy"
)

// Embed returns one vector per input, in order, from /api/embed. An empty
// input returns nil without a call. Errors are *jessy.Error as for Chat; a
// model that cannot embed is refused by the server with its own message.
// It is safe for concurrent use.
func (p *Provider) Embed(ctx context.Context, model string, input []string) ([][]float64, error) {
	if model == "" {
		return nil, p.invalid("no model given", "")
	}
	if len(input) == 0 {
		return nil, nil
	}
	x := &exchange{}
	resp, err := p.client.Embed(withExchange(ctx, x), &api.EmbedRequest{
		Model:     model,
		Input:     input,
		KeepAlive: p.keepAlive,
	})
	if err != nil {
		return nil, p.classify(ctx, err, x, model)
	}
	if len(resp.Embeddings) != len(input) {
		return nil, &jessy.Error{
			Kind:    jessy.KindProtocol,
			Backend: p.backend,
			Message: fmt.Sprintf("asked for %d embeddings, got %d", len(input), len(resp.Embeddings)),
		}
	}
	out := make([][]float64, len(resp.Embeddings))
	for i, v := range resp.Embeddings {
		out[i] = make([]float64, len(v))
		for j, f := range v {
			out[i][j] = float64(f)
		}
	}
	return out, nil
}

// Models lists the models the server has (/api/tags), marking as Loaded
// those it holds in memory (/api/ps). Names are Ollama's, tag included
// ("stories260k:latest"). It is safe for concurrent use.
func (p *Provider) Models(ctx context.Context) ([]jessy.ModelInfo, error) {
	x := &exchange{}
	list, err := p.client.List(withExchange(ctx, x))
	if err != nil {
		return nil, p.classify(ctx, err, x, "")
	}
	running, err := p.Running(ctx)
	if err != nil {
		return nil, err
	}
	loaded := make(map[string]bool, len(running))
	for _, r := range running {
		loaded[r.Name] = true
	}
	out := make([]jessy.ModelInfo, 0, len(list.Models))
	for _, m := range list.Models {
		out = append(out, jessy.ModelInfo{Name: m.Name, Loaded: loaded[m.Name] || loaded[m.Model]})
	}
	return out, nil
}

// RunningModel is a model the server holds in memory.
type RunningModel struct {
	Name string
	// Size is the bytes it takes in memory, VRAM the part of them on a GPU.
	Size, VRAM int64
	// ContextLength is the context window it was loaded with, 0 when the
	// server does not say.
	ContextLength int
	// ExpiresAt is when the server will unload it.
	ExpiresAt time.Time
}

// Running lists the models the server holds in memory (/api/ps). It is safe
// for concurrent use.
func (p *Provider) Running(ctx context.Context) ([]RunningModel, error) {
	x := &exchange{}
	ps, err := p.client.ListRunning(withExchange(ctx, x))
	if err != nil {
		return nil, p.classify(ctx, err, x, "")
	}
	out := make([]RunningModel, 0, len(ps.Models))
	for _, m := range ps.Models {
		out = append(out, RunningModel{
			Name:          m.Name,
			Size:          m.Size,
			VRAM:          m.SizeVRAM,
			ContextLength: m.ContextLength,
			ExpiresAt:     m.ExpiresAt,
		})
	}
	return out, nil
}

// Version is the server's version (/api/version), e.g. "0.11.4". It is the
// cheapest way to check that the server is up. It is safe for concurrent
// use.
func (p *Provider) Version(ctx context.Context) (string, error) {
	x := &exchange{}
	v, err := p.client.Version(withExchange(ctx, x))
	if err != nil {
		return "", p.classify(ctx, err, x, "")
	}
	return v, nil
}
