package clienttest

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newClient(base, key string) openai.Client {
	return openai.NewClient(option.WithBaseURL(base), option.WithAPIKey(key), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
}

func params() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    "jessy",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("Why is the sky blue?")},
	}
}

func TestGoSDK(t *testing.T) {
	base, f := Start(t)
	client := newClient(base, Key)
	want := WantUsage()

	t.Run("not streamed", func(t *testing.T) {
		p := params()
		p.SetExtraFields(map[string]any{"show_thoughts": true})
		c, err := client.Chat.Completions.New(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Choices) != 1 || c.Choices[0].Message.Content != Answer {
			t.Fatalf("choices = %+v", c.Choices)
		}
		if c.Usage.PromptTokens != int64(want.PromptTokens) || c.Usage.CompletionTokens != int64(want.CompletionTokens) ||
			c.Usage.TotalTokens != int64(want.Total()) {
			t.Errorf("usage = %+v, want %+v", c.Usage, want)
		}
		rc := c.Choices[0].Message.JSON.ExtraFields["reasoning_content"].Raw()
		if !strings.Contains(rc, "Thought 8 of 8") {
			t.Errorf("reasoning_content = %s", rc)
		}
	})

	t.Run("streamed", func(t *testing.T) {
		p := params()
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		stream := client.Chat.Completions.NewStreaming(t.Context(), p)
		defer stream.Close()
		var acc openai.ChatCompletionAccumulator
		chunks := 0
		for stream.Next() {
			acc.AddChunk(stream.Current())
			chunks++
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		if len(acc.Choices) != 1 || acc.Choices[0].Message.Content != Answer {
			t.Fatalf("streamed answer = %+v", acc.Choices)
		}
		if chunks < 3 {
			t.Errorf("%d chunks: the answer was not streamed", chunks)
		}
		if acc.Usage.PromptTokens != int64(want.PromptTokens) || acc.Usage.CompletionTokens != int64(want.CompletionTokens) ||
			acc.Usage.TotalTokens != int64(want.Total()) {
			t.Errorf("usage = %+v, want %+v", acc.Usage, want)
		}
	})

	if n := len(f.Requests()); n != 2*(Thoughts+1) {
		t.Errorf("the backend got %d calls, want %d (8 thoughts and a synthesis per run)", n, 2*(Thoughts+1))
	}

	t.Run("models", func(t *testing.T) {
		page, err := client.Models.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 1 || page.Data[0].ID != "jessy" {
			t.Errorf("models = %+v", page.Data)
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		wrong := newClient(base, "sk-wrong")
		_, err := wrong.Chat.Completions.New(t.Context(), params())
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "invalid_api_key" {
			t.Errorf("err = %v", err)
		}
	})
}
