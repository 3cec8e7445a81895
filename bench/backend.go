package bench

import (
	"context"
	"runtime"

	"github.com/jessy-llm/jessy"
)

// Describe fills in a Backend for provider p named name serving model: the
// version when p is, or wraps (see jessy.Find), a jessy.Versioner and
// answers, and numParallel, Ollama's OLLAMA_NUM_PARALLEL as the caller's
// configuration knows it ("" when it does not). It never fails; what it
// cannot learn stays empty.
func Describe(ctx context.Context, p jessy.Provider, name, model, numParallel string) Backend {
	b := Backend{Name: name, Model: model, CPUs: runtime.NumCPU()}
	if numParallel != "" {
		b.NumParallel, b.NumParallelSource = numParallel, "environment"
	}
	if v, ok := jessy.Find[jessy.Versioner](p); ok {
		if s, err := v.Version(ctx); err == nil {
			b.Version = s
		}
	}
	return b
}
