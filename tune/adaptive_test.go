package tune_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
	"github.com/jessy-llm/jessy/tune"
)

// loaded is a backend whose latency depends on how many calls it serves at
// once: after the calls that start together have all arrived, each takes
// latency(k) for k calls in flight, then answers through the Fake.
type loaded struct {
	*providertest.Fake
	inFlight atomic.Int64
	latency  func(k int) time.Duration
	// busyAbove, when positive, answers 503 to calls beyond it.
	busyAbove int
}

func (l *loaded) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	k := l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	if l.busyAbove > 0 && int(k) > l.busyAbove {
		return jessy.Usage{}, &jessy.Error{Kind: jessy.KindOverloaded, Status: 503, Message: "server busy"}
	}
	time.Sleep(time.Nanosecond) // let the calls that start with this one arrive
	t := time.NewTimer(l.latency(int(l.inFlight.Load())))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return jessy.Usage{}, ctx.Err()
	}
	return l.Fake.Chat(ctx, req, fn)
}

func newLoaded(latency func(k int) time.Duration) *loaded {
	return &loaded{Fake: providertest.NewFake(providertest.Always(ok("x", 0))), latency: latency}
}

// concurrencies runs e runs times and returns the concurrency of each run.
func concurrencies(t *testing.T, e *engine.Engine, runs int) []int {
	var out []int
	for range runs {
		res, err := e.Run(t.Context(), question, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Speed.Concurrency)
	}
	return out
}

func TestAdaptiveConverges(t *testing.T) {
	tests := []struct {
		name    string
		latency func(k int) time.Duration
		want    string // the concurrency of each run
		best    int
	}{
		// Eight at once take eight times as long: no level beats another,
		// and the lowest wins the tie.
		{"linear latency", func(k int) time.Duration { return time.Duration(k) * 100 * time.Millisecond }, "[8 4 2 1 1 1]", 1},
		// As on the reference's 2-core Ollama: eight at once are slower
		// than one after another.
		{"worse than linear", func(k int) time.Duration { return time.Duration(k*k) * 20 * time.Millisecond }, "[8 4 2 1 1 1]", 1},
		{"flat latency", func(int) time.Duration { return 100 * time.Millisecond }, "[8 4 8 8 8 8]", 8},
		// Up to four at once cost no more than one; beyond, latency grows.
		{"capacity of 4", func(k int) time.Duration { return time.Duration(max(k, 4)) * 25 * time.Millisecond }, "[8 4 2 4 4 4]", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, err := tune.Open("")
				if err != nil {
					t.Fatal(err)
				}
				a.ProbeEvery = -1
				b := newLoaded(tt.latency)
				e := engine.New(engine.Target{Backend: "fake", Provider: b, Model: "m"}, engine.Options{SpeedOptions: engine.SpeedOptions{Tuner: a}})
				if got := fmt.Sprint(concurrencies(t, e, 6)); got != tt.want {
					t.Errorf("concurrency per run = %s, want %s", got, tt.want)
				}
				if best, ok := a.Best(engine.TuneKey("fake", "m"), 8); !ok || best != tt.best {
					t.Errorf("best = %d, %v; want %d", best, ok, tt.best)
				}
				if b.PeakInFlight() > 8 {
					t.Errorf("peak in flight %d", b.PeakInFlight())
				}
			})
		})
	}
}

func TestAdaptiveBacksOffOnServerBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := tune.Open("")
		a.ProbeEvery = -1
		b := newLoaded(func(int) time.Duration { return 100 * time.Millisecond })
		b.busyAbove = 2
		e := engine.New(engine.Target{Backend: "fake", Provider: b, Model: "m"}, engine.Options{SpeedOptions: engine.SpeedOptions{Tuner: a}})
		// Halved on each 503 down to 2, then 1 is explored and found slower.
		got := fmt.Sprint(concurrencies(t, e, 5))
		if got != "[8 4 2 1 2]" {
			t.Errorf("concurrency per run = %s, want [8 4 2 1 2]", got)
		}
	})
}

func TestAdaptiveProbesAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := tune.Open("")
		a.ProbeEvery = 3
		b := newLoaded(func(int) time.Duration { return 100 * time.Millisecond })
		e := engine.New(engine.Target{Backend: "fake", Provider: b, Model: "m"}, engine.Options{SpeedOptions: engine.SpeedOptions{Tuner: a}})
		if got := fmt.Sprint(concurrencies(t, e, 7)); got != "[8 4 4 8 8 4 8]" {
			t.Errorf("concurrency per run = %s", got)
		}
	})
}

func TestAdaptiveRemembersAcrossRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "jessy", "concurrency.json")
		a, err := tune.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b := newLoaded(func(k int) time.Duration { return time.Duration(k) * 100 * time.Millisecond })
		e := engine.New(engine.Target{Backend: "fake", Provider: b, Model: "m"}, engine.Options{SpeedOptions: engine.SpeedOptions{Tuner: a}})
		concurrencies(t, e, 4)
		if err := a.Save(); err != nil {
			t.Fatal(err)
		}
		again, err := tune.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		e.Tuner = again
		if got := fmt.Sprint(concurrencies(t, e, 1)); got != "[1]" {
			t.Errorf("after reloading, concurrency %s, want [1]", got)
		}
		if _, ok := again.Best(engine.TuneKey("fake", "other model"), 8); ok {
			t.Error("another model shares the key")
		}
	})
}

func TestAdaptiveIgnoredWithFixedConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := tune.Open("")
		b := newLoaded(func(int) time.Duration { return time.Millisecond })
		e := engine.New(engine.Target{Backend: "fake", Provider: b, Model: "m"}, engine.Options{Concurrency: 3, SpeedOptions: engine.SpeedOptions{Tuner: a}})
		if got := fmt.Sprint(concurrencies(t, e, 2)); got != "[3 3]" {
			t.Errorf("concurrency %s", got)
		}
		if _, ok := a.Best(engine.TuneKey("fake", "m"), 8); ok {
			t.Error("a fixed run taught the controller")
		}
	})
}

func TestOpenCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	if err := writeFile(path, "{not json"); err != nil {
		t.Fatal(err)
	}
	a, err := tune.Open(path)
	if err == nil || a == nil {
		t.Fatalf("err = %v, want an error and a usable Adaptive", err)
	}
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := tune.Open(path); err != nil {
		t.Errorf("after Save: %v", err)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

var question = []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}

func ok(text string, d time.Duration) providertest.Reply {
	r := providertest.Text(text)
	r.Delay = d
	r.Usage = jessy.Usage{PromptTokens: 10, CompletionTokens: 5}
	return r
}
