package anthropic_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/provider/anthropic"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const key = "sk-ant-test"

// newProvider returns a Provider for the server at url with its own
// transport, closed when t ends so no connection outlives the test.
func newProvider(t *testing.T, url string, maxTokens int) *anthropic.Provider {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	p, err := anthropic.New(anthropic.Config{BaseURL: url, APIKey: key, HTTPClient: &http.Client{Transport: tr}, DefaultMaxTokens: maxTokens})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// chat runs one Chat and returns the deltas it streamed.
func chat(ctx context.Context, p *anthropic.Provider, req jessy.ChatRequest) ([]jessy.Delta, jessy.Usage, error) {
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
	return jessy.ChatRequest{Model: "claude-x", Messages: []jessy.Message{{Role: jessy.RoleUser, Content: q}}}
}
