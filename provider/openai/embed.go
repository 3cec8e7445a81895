package openai

import (
	"context"
	"fmt"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Embed returns one vector per input, in order (POST /embeddings, floats).
// It implements jessy.Embedder; errors are *jessy.Error as for Chat. No
// input is no request.
func (p *Provider) Embed(ctx context.Context, model string, input []string) ([][]float64, error) {
	if len(input) == 0 {
		return nil, nil
	}
	var res *http.Response
	out, err := p.embeddings.New(ctx, openai.EmbeddingNewParams{
		Model:          model,
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: input},
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	}, option.WithResponseInto(&res))
	if err != nil {
		return nil, p.wrap(ctx, err, res)
	}
	vecs := make([][]float64, len(input))
	for _, e := range out.Data {
		i := int(e.Index)
		if i < 0 || i >= len(vecs) || vecs[i] != nil {
			return nil, p.protocolError(fmt.Sprintf("embedding index %d out of place for %d inputs", i, len(input)), nil)
		}
		vecs[i] = e.Embedding
	}
	for i, v := range vecs {
		if v == nil {
			return nil, p.protocolError(fmt.Sprintf("no embedding for input %d", i), nil)
		}
	}
	return vecs, nil
}
