// Package guard holds jessy.Provider decorators that protect one backend:
// a bound on the calls in flight to it (Limit) and a circuit breaker that
// benches it after repeated failures (Breaker). Wrap builds one; the backend
// layer wraps each backend's provider once and shares the result between
// every engine and run that calls that backend, the way an http.RoundTripper
// wraps another.
//
// The errors a guard returns are the root's: a *jessy.Error wrapping
// jessy.ErrBusy when no slot freed up in time, and one wrapping
// jessy.ErrCoolingDown while the backend is benched.
package guard

import (
	"context"
	"errors"
	"time"

	"github.com/jessy-llm/jessy"
)

// Options say what a guard does. The zero Options guard nothing.
type Options struct {
	// Slots bounds the calls in flight to the backend; 0 means no bound.
	Slots int
	// MaxWait bounds the wait for a slot; 0 waits as long as the call's ctx
	// allows.
	MaxWait time.Duration
	// Threshold is how many counted failures in a row bench the backend
	// (see Breaker); 0 turns the breaker off.
	Threshold int
	// Cooldown is how long the backend stays benched; 0 turns the breaker
	// off.
	Cooldown time.Duration
}

// Provider is a guarded provider: every Chat call asks its Breaker first,
// holds a slot of its Limit meanwhile, and tells the Breaker the outcome.
// It is safe for concurrent use.
type Provider struct {
	next    jessy.Provider
	backend string
	limit   *Limit
	breaker *Breaker
}

// BatchProvider is a guarded jessy.Batcher: a Provider whose CompleteBatch
// calls are guarded like its Chat calls.
type BatchProvider struct {
	*Provider
}

// Wrap returns p guarded as o says, for the backend named backend (the name
// put on the guard's errors). The result is a *BatchProvider, a
// jessy.Batcher, exactly when p is a jessy.Batcher, else a *Provider. It
// forwards no other optional interface: find those with jessy.Find, which
// looks through the guard (see Unwrap).
//
// A call's outcome reaches the breaker when the call's ctx is still live
// when it returns, or when ctx ended with a cause wrapping
// jessy.ErrCallTimeout (the call's own timeout: the backend's fault). A call
// whose ctx ended for any other reason (the run was canceled, ran out of
// its own time, or no longer needed the call) is not recorded. Calls the
// breaker refuses, and calls that found no slot, are not recorded either.
func Wrap(p jessy.Provider, backend string, o Options) jessy.Provider {
	g := &Provider{next: p, backend: backend}
	if o.Slots > 0 {
		g.limit = NewLimit(o.Slots, o.MaxWait)
	}
	if o.Threshold > 0 && o.Cooldown > 0 {
		g.breaker = NewBreaker(o.Threshold, o.Cooldown)
	}
	if _, ok := p.(jessy.Batcher); ok {
		return &BatchProvider{g}
	}
	return g
}

// Of returns the guard p is or wraps (through jessy.Unwrapper), or nil.
func Of(p jessy.Provider) *Provider {
	for p != nil {
		switch g := p.(type) {
		case *Provider:
			return g
		case *BatchProvider:
			return g.Provider
		case jessy.Unwrapper:
			p = g.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// Unwrap returns the provider g guards.
func (g *Provider) Unwrap() jessy.Provider { return g.next }

// Limit returns g's slots, nil when it has none.
func (g *Provider) Limit() *Limit { return g.limit }

// Breaker returns g's breaker, nil when it has none.
func (g *Provider) Breaker() *Breaker { return g.breaker }

// Chat implements jessy.Provider. Besides the wrapped provider's errors it
// returns the breaker's refusal (jessy.ErrCoolingDown), the limit's
// (jessy.ErrBusy), or ctx's cause when ctx ended while it waited for a slot.
func (g *Provider) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	var usage jessy.Usage
	err := g.do(ctx, func() error {
		var err error
		usage, err = g.next.Chat(ctx, req, fn)
		return err
	})
	return usage, err
}

// CompleteBatch implements jessy.Batcher, guarded like Chat.
func (g *BatchProvider) CompleteBatch(ctx context.Context, req jessy.BatchRequest) ([]string, jessy.Usage, error) {
	var texts []string
	var usage jessy.Usage
	err := g.do(ctx, func() error {
		var err error
		texts, usage, err = g.next.(jessy.Batcher).CompleteBatch(ctx, req)
		return err
	})
	return texts, usage, err
}

// do runs call, one request to the backend, under g's breaker and limit.
func (g *Provider) do(ctx context.Context, call func() error) error {
	if g.breaker != nil {
		if err := g.breaker.Allow(g.backend); err != nil {
			return err
		}
	}
	if g.limit != nil {
		release, err := g.limit.Acquire(ctx)
		if err != nil {
			var je *jessy.Error
			if errors.As(err, &je) && je.Backend == "" {
				cp := *je
				err = cp.WithBackend(g.backend)
			}
			return err
		}
		defer release()
	}
	err := call()
	if g.breaker == nil {
		return err
	}
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		if !errors.Is(cause, jessy.ErrCallTimeout) {
			return err
		}
		if err != nil {
			g.breaker.Record(cause)
			return err
		}
	}
	g.breaker.Record(err)
	return err
}
