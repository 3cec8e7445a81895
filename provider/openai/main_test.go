package openai_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/openai"
	"github.com/jessy-llm/jessy/providertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newProvider returns a Provider for s with its own transport, closed when t
// ends so no connection outlives the test.
func newProvider(t *testing.T, s *providertest.Server, key string) *openai.Provider {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	p, err := openai.New(openai.Config{BaseURL: s.URL + "/v1", APIKey: key, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// chat runs one Chat and returns the deltas it streamed.
func chat(ctx context.Context, p *openai.Provider, req jessy.ChatRequest) ([]jessy.Delta, jessy.Usage, error) {
	var ds []jessy.Delta
	u, err := p.Chat(ctx, req, func(d jessy.Delta) error {
		ds = append(ds, d)
		return nil
	})
	return ds, u, err
}

func join(ds []jessy.Delta) (text, reasoning string) {
	var t, r strings.Builder
	for _, d := range ds {
		t.WriteString(d.Text)
		r.WriteString(d.Reasoning)
	}
	return t.String(), r.String()
}

func ask(q string) jessy.ChatRequest {
	return jessy.ChatRequest{Model: "m", Messages: []jessy.Message{{Role: jessy.RoleUser, Content: q}}}
}

// newHTTPServer serves h on loopback until t ends and returns its URL.
func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// rawProvider returns a Provider for a server answering every request with
// status, content type and body.
func rawProvider(t *testing.T, status int, contentType, body string) *openai.Provider {
	t.Helper()
	url := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	p, err := openai.New(openai.Config{BaseURL: url + "/v1", HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
