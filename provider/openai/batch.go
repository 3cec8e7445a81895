package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/jessy-llm/jessy"
)

// CompleteBatch sends every prompt of req in one POST /completions with
// "prompt" as a list of strings, not streamed, as vLLM takes it. It returns
// one text per prompt, in order (choices are placed by their index), and the
// usage of the whole request. It implements jessy.Batcher: when the server
// refuses the list (400, 404, 405, 422, 501) or answers choices that do not
// cover every prompt exactly once, the error wraps jessy.ErrBatchUnsupported
// and the caller should fall back to Chat. Other errors are *jessy.Error as
// for Chat. No prompts is no request.
func (p *Provider) CompleteBatch(ctx context.Context, req jessy.BatchRequest) ([]string, jessy.Usage, error) {
	if len(req.Prompts) == 0 {
		return nil, jessy.Usage{}, nil
	}
	params := openai.CompletionNewParams{
		Model:  openai.CompletionNewParamsModel(req.Model),
		Prompt: openai.CompletionNewParamsPromptUnion{OfArrayOfStrings: req.Prompts},
	}
	if req.MaxTokens > 0 {
		params.MaxTokens = openai.Int(int64(req.MaxTokens))
	}
	if req.Temperature != nil {
		params.Temperature = openai.Float(*req.Temperature)
	}
	var res *http.Response
	comp, err := p.completions.New(ctx, params, option.WithResponseInto(&res))
	if err != nil {
		err = p.wrap(ctx, err, res)
		var je *jessy.Error
		if errors.As(err, &je) && refusesList(je.Status) {
			je.Err = jessy.ErrBatchUnsupported
		}
		return nil, jessy.Usage{}, err
	}
	usage := jessy.Usage{PromptTokens: int(comp.Usage.PromptTokens), CompletionTokens: int(comp.Usage.CompletionTokens)}
	texts := make([]string, len(req.Prompts))
	seen := make([]bool, len(req.Prompts))
	for _, c := range comp.Choices {
		i := int(c.Index)
		if !c.JSON.Index.Valid() || i < 0 || i >= len(texts) || seen[i] {
			return nil, usage, p.notBatched(len(comp.Choices), len(texts))
		}
		texts[i], seen[i] = c.Text, true
	}
	if len(comp.Choices) != len(texts) {
		return nil, usage, p.notBatched(len(comp.Choices), len(texts))
	}
	return texts, usage, nil
}

// refusesList reports whether status is how servers refuse a list prompt.
func refusesList(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed,
		http.StatusUnprocessableEntity, http.StatusNotImplemented:
		return true
	}
	return false
}

// notBatched is the error for choices that do not answer the prompts one to
// one: the server took the list for something else.
func (p *Provider) notBatched(choices, prompts int) error {
	return &jessy.Error{
		Kind: jessy.KindProtocol, Backend: p.backend,
		Message: fmt.Sprintf("%d choices for %d prompts: the server did not batch them", choices, prompts),
		Err:     jessy.ErrBatchUnsupported,
	}
}
