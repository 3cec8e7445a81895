package providertest

import (
	"hash/fnv"
	"math"

	"github.com/jessy-llm/jessy"
)

// EmbedDims is the length of the fake servers' embeddings.
const EmbedDims = 64

// Embedding is how every fake server embeds text: each word adds ±1 to one
// of EmbedDims slots chosen by its hash, and the sum is scaled to unit
// length. The same text always gives the same vector, texts sharing words
// are close, and a text without words gives the zero vector.
func Embedding(text string) []float64 {
	v := make([]float64, EmbedDims)
	for _, word := range jessy.Words(text) {
		h := fnv.New64a()
		_, _ = h.Write([]byte(word))
		sum := h.Sum64()
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%EmbedDims] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range v {
			v[i] /= norm
		}
	}
	return v
}
