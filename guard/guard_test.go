package guard_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/providertest"
)

func TestSharedLimitHeldAcrossRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Run(func(int) providertest.Reply { return ok("x", time.Second) }, ok("a", 0)))
		p := guard.Wrap(f, "fake", guard.Options{Slots: 2})
		e := engine.New(engine.Target{Backend: "fake", Provider: p, Model: "m"}, engine.Options{})
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if _, err := e.Run(t.Context(), question, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if f.PeakInFlight() != 2 {
			t.Errorf("peak in flight over 3 runs = %d, want the limit's 2", f.PeakInFlight())
		}
	})
}

func TestLimitGivesUpAfterMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Always(ok("x", 10*time.Second)))
		p := guard.Wrap(f, "fake", guard.Options{Slots: 1, MaxWait: time.Second})
		go p.Chat(t.Context(), jessy.ChatRequest{}, func(jessy.Delta) error { return nil })
		synctest.Wait()
		_, err := p.Chat(t.Context(), jessy.ChatRequest{}, func(jessy.Delta) error { return nil })
		if !errors.Is(err, jessy.ErrBusy) || jessy.KindOf(err) != jessy.KindOverloaded || !strings.HasPrefix(err.Error(), "fake: ") {
			t.Errorf("err = %v, want an overloaded no-slot error of backend fake", err)
		}
		ctx, cancel := context.WithCancelCause(t.Context())
		cause := errors.New("run over")
		time.AfterFunc(100*time.Millisecond, func() { cancel(cause) })
		if _, err := p.Chat(ctx, jessy.ChatRequest{}, func(jessy.Delta) error { return nil }); !errors.Is(err, cause) {
			t.Errorf("err = %v, want ctx's cause while waiting", err)
		}
	})
}

func TestWrapKeepsInterfaces(t *testing.T) {
	fake := providertest.NewFake(providertest.Always(ok("x", 0)))
	for _, tt := range []struct {
		name              string
		p                 jessy.Provider
		batcher, embedder bool
	}{
		{"plain", fake, false, false},
		{"batcher", &batcher{Fake: fake}, true, false},
		{"embedder", embedder{fake}, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, o := range []guard.Options{{}, {Slots: 2, Threshold: 1, Cooldown: time.Second}} {
				g := guard.Wrap(tt.p, "x", o)
				if _, ok := g.(jessy.Batcher); ok != tt.batcher {
					t.Errorf("%+v: Batcher %v, want %v", o, ok, tt.batcher)
				}
				if _, ok := jessy.Find[jessy.Embedder](g); ok != tt.embedder {
					t.Errorf("%+v: found Embedder %v, want %v", o, ok, tt.embedder)
				}
				if guard.Of(g) == nil || guard.Of(g).Unwrap() != tt.p {
					t.Errorf("%+v: Of does not find the guard of the provider", o)
				}
				if got := guard.Of(g).Limit() != nil; got != (o.Slots > 0) {
					t.Errorf("%+v: limit %v", o, got)
				}
				if got := guard.Of(g).Breaker() != nil; got != (o.Threshold > 0) {
					t.Errorf("%+v: breaker %v", o, got)
				}
			}
		})
	}
	if guard.Of(fake) != nil {
		t.Error("Of found a guard on a bare provider")
	}
}

// A call's outcome reaches the breaker unless its ctx ended for a reason
// other than the call's own timeout.
func TestGuardRecordsOnlyTheBackendsFaults(t *testing.T) {
	callTimeout := jessy.Errorf(jessy.KindTimeout, "timed out after 1s").WithCause(jessy.ErrCallTimeout)
	for _, tt := range []struct {
		name  string
		cause error // nil: ctx stays live
		reply providertest.Reply
		open  bool
	}{
		{"refused, ctx live", nil, providertest.Reply{Err: refused()}, true},
		{"bad request, ctx live", nil, providertest.Reply{Status: 400, Message: "bad"}, false},
		{"the call's own timeout", callTimeout, providertest.Reply{Hang: true}, true},
		{"run cancelled", context.Canceled, providertest.Reply{Hang: true}, false},
		{"run timed out", jessy.Errorf(jessy.KindTimeout, "run timed out after 1s"), providertest.Reply{Hang: true}, false},
		{"cut off", fmt.Errorf("%w: quorum in", engine.ErrCutOff), providertest.Reply{Hang: true}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := guard.Wrap(providertest.NewFake(providertest.Always(tt.reply)), "fake", guard.Options{Threshold: 1, Cooldown: time.Minute})
				ctx, cancel := context.WithCancelCause(t.Context())
				defer cancel(nil)
				if tt.cause != nil {
					time.AfterFunc(time.Second, func() { cancel(tt.cause) })
				}
				_, err := p.Chat(ctx, jessy.ChatRequest{}, func(jessy.Delta) error { return nil })
				if err == nil {
					t.Fatal("the call succeeded")
				}
				if got := guard.Of(p).Breaker().Open(); got != tt.open {
					t.Errorf("breaker open = %v after %v, want %v", got, err, tt.open)
				}
			})
		})
	}
}
