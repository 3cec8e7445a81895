package openai_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

func TestCompleteBatch(t *testing.T) {
	temp := 0.5
	s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{
		Chunks: []string{"answer a", "answer b", "answer c"},
		Usage:  jessy.Usage{PromptTokens: 30, CompletionTokens: 9},
	}))
	p := newProvider(t, s, "")
	prompts := []string{"a?", "b?", "c?"}
	texts, u, err := p.CompleteBatch(t.Context(), jessy.BatchRequest{Model: "m", Prompts: prompts, MaxTokens: 16, Temperature: &temp})
	if err != nil {
		t.Fatal(err)
	}
	// The fake lists choices last first: only placing them by index gives
	// this order.
	if want := []string{"answer a", "answer b", "answer c"}; !slices.Equal(texts, want) {
		t.Errorf("texts %q, want %q", texts, want)
	}
	if u != (jessy.Usage{PromptTokens: 30, CompletionTokens: 9}) {
		t.Errorf("usage %+v", u)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want one for all prompts", len(reqs))
	}
	got := reqs[0]
	if got.Path != "/v1/completions" || got.Model != "m" || !slices.Equal(got.Prompts, prompts) || got.MaxTokens != 16 ||
		got.Temperature == nil || *got.Temperature != temp || got.Stream {
		t.Errorf("request %+v", got)
	}
}

func TestCompleteBatchUnsupported(t *testing.T) {
	refuseLists := func(status int) providertest.Script {
		return func(_ int, req providertest.Request) providertest.Reply {
			if len(req.Prompts) > 1 {
				return providertest.Reply{Status: status, Message: "prompt must be a string"}
			}
			return providertest.Text("ok")
		}
	}
	tests := []struct {
		name            string
		script          providertest.Script
		wantUnsupported bool
		wantKind        jessy.Kind
	}{
		{"400 for a list", refuseLists(400), true, jessy.KindBadRequest},
		{"404: no completions endpoint", refuseLists(404), true, jessy.KindModelNotFound},
		{"405", refuseLists(405), true, jessy.KindOther},
		{"422", refuseLists(422), true, jessy.KindBadRequest},
		{"choices do not cover every prompt", providertest.Always(providertest.Reply{Chunks: []string{"only one"}}), true, jessy.KindProtocol},
		{"server error is not a refusal", refuseLists(500), false, jessy.KindServer},
		{"rate limit is not a refusal", refuseLists(429), false, jessy.KindRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewOpenAI(t, tt.script)
			p := newProvider(t, s, "")
			texts, _, err := p.CompleteBatch(t.Context(), jessy.BatchRequest{Model: "m", Prompts: []string{"a?", "b?", "c?"}})
			if err == nil {
				t.Fatalf("no error, texts %q", texts)
			}
			if got := errors.Is(err, jessy.ErrBatchUnsupported); got != tt.wantUnsupported {
				t.Errorf("errors.Is(%v, ErrBatchUnsupported) = %v, want %v", err, got, tt.wantUnsupported)
			}
			if k := jessy.KindOf(err); k != tt.wantKind {
				t.Errorf("kind %v, want %v", k, tt.wantKind)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestEmbed(t *testing.T) {
	s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{}))
	p := newProvider(t, s, "")
	input := []string{"the cat sat on the mat", "the cat sat on a mat", "quantum chromodynamics lattice"}
	vecs, err := p.Embed(t.Context(), "embed-m", input)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(input) {
		t.Fatalf("%d vectors for %d inputs", len(vecs), len(input))
	}
	for i, text := range input {
		if !slices.Equal(vecs[i], providertest.Embedding(text)) {
			t.Errorf("vector %d is not the embedding of %q", i, text)
		}
	}
	if near, far := cosine(vecs[0], vecs[1]), cosine(vecs[0], vecs[2]); near <= far {
		t.Errorf("similar texts at %.2f, unrelated at %.2f", near, far)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Path != "/v1/embeddings" || reqs[0].Model != "embed-m" {
		t.Errorf("requests %+v", reqs)
	}
}

func TestEmbedError(t *testing.T) {
	s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{Status: 404, Message: "no such model"}))
	p := newProvider(t, s, "")
	_, err := p.Embed(t.Context(), "nope", []string{"x"})
	var je *jessy.Error
	if !errors.As(err, &je) || je.Kind != jessy.KindModelNotFound || je.Message != "no such model" {
		t.Fatalf("error %v, want KindModelNotFound with the server's message", err)
	}
}

func TestModels(t *testing.T) {
	s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{Chunks: []string{"qwen3:0.6b", "stories260k"}}))
	p := newProvider(t, s, "sk-x")
	models, err := p.Models(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []jessy.ModelInfo{{Name: "qwen3:0.6b"}, {Name: "stories260k"}}; !slices.Equal(models, want) {
		t.Errorf("models %+v, want %+v", models, want)
	}
	if h := s.Requests()[0].Header.Get("Authorization"); h != "Bearer sk-x" {
		t.Errorf("Authorization %q", h)
	}
}

func TestModelsError(t *testing.T) {
	s := providertest.NewOpenAI(t, providertest.Always(providertest.Reply{Status: 401, Message: "bad key"}))
	p := newProvider(t, s, "sk-wrong")
	_, err := p.Models(t.Context())
	if k := jessy.KindOf(err); k != jessy.KindAuth {
		t.Fatalf("error %v (kind %v), want KindAuth", err, k)
	}
}

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	return dot / math.Sqrt(na*nb)
}
