package engine

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"sync"

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

// embeddings are the vectors of a samples run's successful thoughts, for
// the agreement check. vecs[i] is written by thought i's goroutine before it
// sends its thought, so the reader may read the vectors of the thoughts it
// received.
type embeddings struct {
	embedder jessy.Embedder
	model    string
	vecs     [][]float64

	mu  sync.Mutex
	err error // the first failure, while the run went on
}

// newEmbeddings returns the embeddings of a samples run of n thoughts, or
// nil when there is no embedder: the Agreement's, else one the first
// thinker's provider is or wraps (jessy.Find).
func newEmbeddings(e *Engine, n int) *embeddings {
	em := &embeddings{embedder: e.Agreement.Embedder, model: cmp.Or(e.Agreement.Model, e.Thinkers[0].Model)}
	if em.embedder == nil {
		em.embedder, _ = jessy.Find[jessy.Embedder](e.Thinkers[0].Provider)
	}
	if em.embedder == nil {
		return nil
	}
	em.vecs = make([][]float64, n)
	return em
}

// embed embeds th's text into vecs[th.Index]. A failure while ctx is live
// is kept (see failed); the agreement check then falls back to words.
func (em *embeddings) embed(ctx context.Context, th jessy.Thought) {
	v, err := em.embedder.Embed(ctx, em.model, []string{th.Text})
	if err == nil && len(v) != 1 {
		err = fmt.Errorf("embed: %d vectors for 1 input", len(v))
	}
	if err == nil {
		em.vecs[th.Index] = v[0]
		return
	}
	if ctx.Err() == nil {
		em.mu.Lock()
		em.err = cmp.Or(em.err, err)
		em.mu.Unlock()
	}
}

// failed returns the first embedding failure, nil when there was none.
func (em *embeddings) failed() error {
	em.mu.Lock()
	defer em.mu.Unlock()
	return em.err
}
