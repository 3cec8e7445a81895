package engine

import (
	"fmt"
	"math"

	"github.com/jessy-llm/jessy"
)

// Cosine returns the cosine similarity of a and b, in [-1, 1]; 0 when
// either is a zero vector or their lengths differ.
func Cosine(a, b []float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// agreement measures how alike finished samples are.
type agreement struct {
	count     int
	threshold float64
	// vecs, when set, are the samples' embeddings by thought index; nil
	// uses the word-set Jaccard similarity of their texts.
	vecs [][]float64
}

func (a agreement) measure() string {
	if a.vecs != nil {
		return "cosine"
	}
	return "jaccard"
}

func (a agreement) similar(x, y jessy.Thought) bool {
	if a.vecs != nil {
		return Cosine(a.vecs[x.Index], a.vecs[y.Index]) >= a.threshold
	}
	return jessy.Jaccard(x.Text, y.Text) >= a.threshold
}

// agreed reports whether at least a.count of ok agree: some sample is
// similar to at least count-1 others. It says which when they do.
func (a agreement) agreed(ok []jessy.Thought) (string, bool) {
	if len(ok) < a.count {
		return "", false
	}
	for _, x := range ok {
		n := 1
		for _, y := range ok {
			if y.Index != x.Index && a.similar(x, y) {
				n++
			}
		}
		if n >= a.count {
			return fmt.Sprintf("%d of %d finished samples agree with sample %d (%s >= %.2g)",
				n, len(ok), x.Index+1, a.measure(), a.threshold), true
		}
	}
	return "", false
}
