package ollama

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	return dot / math.Sqrt(na*nb)
}

func TestEmbed(t *testing.T) {
	srv := providertest.NewOllama(t, providertest.Always(providertest.Reply{}))
	p := newProvider(t, srv.URL)
	in := []string{
		"the cat sat on the mat",
		"the cat sat on a mat",
		"quarterly revenue grew by four percent",
	}
	vecs, err := p.Embed(context.Background(), "stories260k", in)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(in) {
		t.Fatalf("got %d vectors, want %d", len(vecs), len(in))
	}
	for i, v := range vecs {
		if diff := cmp.Diff(providertest.Embedding(in[i]), v, cmpopts.EquateApprox(0, 1e-6)); diff != "" {
			t.Errorf("vector %d is not the server's (float32), in order (-want +got):\n%s", i, diff)
		}
	}
	if near, far := cosine(vecs[0], vecs[1]), cosine(vecs[0], vecs[2]); near <= far {
		t.Errorf("similar texts at cosine %.2f, unrelated at %.2f", near, far)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/embed" || len(reqs[0].Messages) != 3 {
		t.Errorf("server saw %+v, want one /api/embed request of 3 inputs", reqs)
	}

	if vecs, err := p.Embed(context.Background(), "stories260k", nil); err != nil || vecs != nil {
		t.Errorf("Embed(nil) = %v, %v; want nothing and no call", vecs, err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server saw %d requests, want no call for an empty input", n)
	}
}

func TestEmbedErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply providertest.Reply
		kind  jessy.Kind
	}{
		{"model not found", providertest.Reply{Status: 404, Message: `model "nope" not found, try pulling it first`}, jessy.KindModelNotFound},
		{"model cannot embed", providertest.Reply{Status: 400, Message: `"nope" does not support embeddings`}, jessy.KindBadRequest},
		{"server error", providertest.Reply{Status: 500, Message: "failed to load model"}, jessy.KindServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewOllama(t, providertest.Always(tt.reply))
			p := newProvider(t, srv.URL)
			_, err := p.Embed(context.Background(), "nope", []string{"x"})
			checkError(t, err, tt.kind, "ollama at "+srv.URL)
			if je := asError(t, err); je.Message != tt.reply.Message || je.Status != tt.reply.Status {
				t.Errorf("got status %d message %q, want the server's %d %q", je.Status, je.Message, tt.reply.Status, tt.reply.Message)
			}
		})
	}
}

func TestModelsMarksLoaded(t *testing.T) {
	srv := providertest.NewOllama(t, providertest.Always(providertest.Text("hi")), "stories260k:latest", "qwen3:0.6b")
	p := newProvider(t, srv.URL)
	ctx := context.Background()

	got, err := p.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []jessy.ModelInfo{{Name: "stories260k:latest"}, {Name: "qwen3:0.6b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("before use (-want +got):\n%s", diff)
	}

	req := ask("hi")
	req.Model = "stories260k:latest"
	if _, err := p.Chat(ctx, req, func(jessy.Delta) error { return nil }); err != nil {
		t.Fatal(err)
	}
	got, err = p.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want[0].Loaded = true
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after a chat (-want +got):\n%s", diff)
	}
	running, err := p.Running(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 1 || running[0].Name != "stories260k:latest" || running[0].ExpiresAt.IsZero() {
		t.Errorf("Running = %+v, want stories260k:latest with an expiry", running)
	}
}

func TestVersion(t *testing.T) {
	srv := providertest.NewOllama(t, providertest.Always(providertest.Reply{}))
	v, err := newProvider(t, srv.URL).Version(context.Background())
	if err != nil || v != providertest.OllamaVersion {
		t.Errorf("Version = %q, %v; want %q", v, err, providertest.OllamaVersion)
	}

	addr := closedPort(t)
	_, err = newProvider(t, "http://"+addr).Version(context.Background())
	checkError(t, err, jessy.KindUnreachable, "ollama at http://"+addr)
	_, err = newProvider(t, "http://"+addr).Models(context.Background())
	checkError(t, err, jessy.KindUnreachable, "ollama at http://"+addr)
}

func TestNewHost(t *testing.T) {
	// The provider reads no environment (config resolves OLLAMA_HOST) and
	// takes a base URL as it is.
	tests := []struct {
		env, host string
		want      string
		invalid   bool
	}{
		{env: "", host: "", want: DefaultHost},
		{env: "http://127.0.0.1:11435", host: "", want: DefaultHost},
		{env: "127.0.0.1:1", host: "http://127.0.0.1:11435/", want: "http://127.0.0.1:11435"},
		{host: "https://ollama.example", want: "https://ollama.example"},
		{host: "10.0.0.2:8080", invalid: true},
		{host: "ftp://x", invalid: true},
		{host: "http://", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.env+"|"+tt.host, func(t *testing.T) {
			t.Setenv("OLLAMA_HOST", tt.env)
			p, err := New(Config{Host: tt.host})
			if tt.invalid {
				if jessy.KindOf(err) != jessy.KindInvalid {
					t.Errorf("New(%q) err = %v, want invalid", tt.host, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Host() != tt.want {
				t.Errorf("Host() = %q, want %q", p.Host(), tt.want)
			}
		})
	}
}
