package backend

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/jessy-llm/jessy/config"
)

// slots asks an OpenAI-compatible server how many requests it serves in
// parallel, where it says: llama.cpp's server answers GET /props with
// total_slots. It returns 0 when the server does not say, and does not ask
// hosted APIs.
func slots(ctx context.Context, b *config.Backend) int {
	if b.NeedsKey() {
		return 0
	}
	root := strings.TrimSuffix(strings.TrimRight(b.BaseURL, "/"), "/v1")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/props", nil)
	if err != nil {
		return 0
	}
	if b.APIKey.IsSet() {
		req.Header.Set("Authorization", "Bearer "+b.APIKey.Reveal())
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0
	}
	var props struct {
		TotalSlots int `json:"total_slots"`
	}
	if json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&props) != nil {
		return 0
	}
	return max(props.TotalSlots, 0)
}
