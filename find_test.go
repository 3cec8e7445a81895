package jessy

import (
	"context"
	"testing"
)

type plain struct{}

func (plain) Chat(context.Context, ChatRequest, func(Delta) error) (Usage, error) {
	return Usage{}, nil
}

type embedding struct{ plain }

func (embedding) Embed(context.Context, string, []string) ([][]float64, error) { return nil, nil }

type wrapper struct {
	plain
	next Provider
}

func (w wrapper) Unwrap() Provider { return w.next }

func TestFind(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    Provider
		want bool
	}{
		{"bare embedder", embedding{}, true},
		{"plain", plain{}, false},
		{"wrapped embedder", wrapper{next: embedding{}}, true},
		{"twice wrapped embedder", wrapper{next: wrapper{next: embedding{}}}, true},
		{"wrapped plain", wrapper{next: plain{}}, false},
		{"wrapping nil", wrapper{}, false},
		{"nil", nil, false},
	} {
		if _, ok := Find[Embedder](tt.p); ok != tt.want {
			t.Errorf("%s: found %v, want %v", tt.name, ok, tt.want)
		}
	}
}
