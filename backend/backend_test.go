package backend

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/guard"
	"github.com/jessy-llm/jessy/providertest"
	"github.com/jessy-llm/jessy/tune"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// settings parses text (a config file) and resolves it with no environment.
func settings(t *testing.T, text string, flags config.Overrides) *config.Settings {
	t.Helper()
	f, err := config.Parse("config.yaml", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	s, err := config.Resolve(f, "", func(string) string { return "" }, flags)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return s
}

func ask(q string) []jessy.Message { return []jessy.Message{{Role: jessy.RoleUser, Content: q}} }

// Options maps every run setting, the speed options included.
func TestOptions(t *testing.T) {
	s := settings(t, "defaults: {model: m, temperature: 0.2, synthesis_timeout: 1m}\n", config.Overrides{})
	o := Options(s.Run, nil)
	if o.Thoughts != 8 || o.Concurrency != 8 || o.MaxTokens != 256 || o.SynthesisMaxTokens != 1024 || o.MinThoughts != 1 ||
		o.Retry.Retries != 2 || o.Retry.Base == 0 || *o.Temperature != 0.2 || o.SynthesisTimeout != time.Minute ||
		o.ThoughtTimeout != config.DefaultThoughtTimeout || o.Mode != jessy.ModeParallel ||
		len(o.Prompts.Angles) != 8 || o.Prompts.ThoughtSystem == "" || o.Prompts.SynthesisSystem == "" {
		t.Errorf("Options = %+v", o)
	}
	s = settings(t, "defaults: {model: m, thoughts: auto, quorum: 6, grace: 0.5x, speculative: true, strategy: samples,"+
		" agree_count: 3, agree_threshold: 0.8, agree_lexical: true, embed_model: e, batch: true}\n", config.Overrides{})
	tuner, err := tune.Open("")
	if err != nil {
		t.Fatal(err)
	}
	o = Options(s.Run, tuner)
	want := engine.SpeedOptions{Quorum: 6, Grace: engine.Grace{Fraction: 0.5}, Speculative: true, Strategy: engine.StrategySamples,
		Agreement: engine.Agreement{Count: 3, Threshold: 0.8, Lexical: true, Model: "e"}, ThoughtsAuto: true, Tuner: tuner}
	if o.SpeedOptions != want || !o.Batch || o.Concurrency != 0 {
		t.Errorf("speed options %+v, batch %v, concurrency %d; want %+v, batch, auto", o.SpeedOptions, o.Batch, o.Concurrency, want)
	}
	s = settings(t, "defaults: {model: m, concurrency: 3}\n", config.Overrides{})
	if o := Options(s.Run, tuner); o.Tuner != nil || o.Concurrency != 3 {
		t.Errorf("a fixed concurrency: tuner %v, concurrency %d; want none, 3", o.Tuner, o.Concurrency)
	}
}

// A council across two backends: each backend gets its own provider and
// gate, thoughts on the two run at the same time, each backend stays under
// its own limit, and the result says who produced each thought.
func TestBuildCouncil(t *testing.T) {
	var a, b *providertest.Server
	var overlap atomic.Bool
	script := func(other **providertest.Server) providertest.Script {
		return func(n int, req providertest.Request) providertest.Reply {
			if (*other).InFlight() > 0 {
				overlap.Store(true)
			}
			r := providertest.Text("insight from " + req.Model)
			r.Delay = 30 * time.Millisecond
			return r
		}
	}
	a = providertest.NewOllama(t, script(&b), "m1")
	b = providertest.NewOllama(t, script(&a), "m2", "chair")
	s := settings(t, `
backends:
  - {name: a, kind: ollama, base_url: "`+a.URL+`", concurrency: 1}
  - {name: b, kind: ollama, base_url: "`+b.URL+`", concurrency: 2}
thinkers:
  - {backend: a, model: m1}
  - {backend: b, model: m2}
synthesizer: {backend: b, model: chair}
defaults: {thoughts: 6, retries: 0}
`, config.Overrides{})
	e, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if lim := guard.Of(e.Thinkers[0].Provider).Limit(); lim == nil || lim == guard.Of(e.Thinkers[1].Provider).Limit() ||
		e.Thinkers[1].Provider != e.Synthesizer.Provider || e.Thinkers[0].Provider == e.Thinkers[1].Provider {
		t.Errorf("targets do not share one provider and gate per backend")
	}
	res, err := e.Run(t.Context(), ask("why?"), nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, th := range res.Thoughts {
		want := [2]string{"a", "m1"}
		if th.Index%2 == 1 {
			want = [2]string{"b", "m2"}
		}
		if got := [2]string{th.Backend, th.Model}; got != want || th.Text != "insight from "+want[1] {
			t.Errorf("thought %d: %v %q, want %v", th.Index, got, th.Text, want)
		}
	}
	if res.Synthesis.Backend != "b" || res.Synthesis.Model != "chair" {
		t.Errorf("synthesis by %s/%s, want b/chair", res.Synthesis.Backend, res.Synthesis.Model)
	}
	if a.PeakInFlight() != 1 || b.PeakInFlight() != 2 {
		t.Errorf("peak in flight a=%d b=%d, want 1 and 2 (the backends' limits)", a.PeakInFlight(), b.PeakInFlight())
	}
	if !overlap.Load() {
		t.Error("no call to one backend ran while the other had a call in flight")
	}
}

func TestBuildNotReady(t *testing.T) {
	s := settings(t, "backends:\n  - {name: cloud, kind: anthropic}\ndefaults: {model: m}\n", config.Overrides{})
	if _, err := Build(s); jessy.KindOf(err) != jessy.KindAuth || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY is not set") {
		t.Errorf("Build without a key = %v, want KindAuth naming ANTHROPIC_API_KEY", err)
	}
	if _, err := Build(settings(t, "", config.Overrides{})); jessy.KindOf(err) != jessy.KindInvalid {
		t.Errorf("Build without a model = %v, want KindInvalid", err)
	}
}

func TestFallbacks(t *testing.T) {
	tests := []struct {
		name      string
		primary   providertest.Reply
		wantErr   bool
		wantCalls [2]int // synthesis requests to the primary and the fallback
	}{
		{"primary answers", providertest.Text("primary answer"), false, [2]int{1, 0}},
		{"primary refuses", providertest.Reply{Status: 500, Message: "boom"}, false, [2]int{1, 1}},
		{"primary fails mid-stream", providertest.Reply{Chunks: []string{"half", " an", " answer"}, CutAfter: 1}, true, [2]int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			thinker := providertest.NewOllama(t, providertest.Always(providertest.Text("insight")), "m")
			primary := providertest.NewOllama(t, providertest.Always(tt.primary), "chair")
			spare := providertest.NewOllama(t, providertest.Always(providertest.Text("fallback answer")), "fb")
			s := settings(t, `
backends:
  - {name: t, kind: ollama, base_url: "`+thinker.URL+`"}
  - {name: p, kind: ollama, base_url: "`+primary.URL+`", concurrency: 1}
  - {name: f, kind: ollama, base_url: "`+spare.URL+`"}
defaults: {backend: t, model: m, thoughts: 2, retries: 0}
synthesizer: {backend: p, model: chair}
fallbacks: [{backend: f, model: fb}]
`, config.Overrides{})
			e, err := Build(s)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(t.Context(), ask("why?"), nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run error = %v, want error %v", err, tt.wantErr)
			}
			got := [2]int{len(primary.Requests()), len(spare.Requests())}
			if got != tt.wantCalls {
				t.Errorf("synthesis requests (primary, fallback) = %v, want %v", got, tt.wantCalls)
			}
			if got == [2]int{1, 1} {
				if res.Answer() != "fallback answer" || spare.Requests()[0].Model != "fb" {
					t.Errorf("answer %q from model %q, want the fallback's", res.Answer(), spare.Requests()[0].Model)
				}
			}
		})
	}
}

// Engines built from one Pool share each backend's gate, so two profiles
// running at once still hold the backend's limit.
func TestPoolSharesGatesAcrossEngines(t *testing.T) {
	s := providertest.NewOllama(t, func(int, providertest.Request) providertest.Reply {
		r := providertest.Text("x")
		r.Delay = 20 * time.Millisecond
		return r
	}, "m1", "m2")
	file := `
backends:
  - {name: a, kind: ollama, base_url: "` + s.URL + `", concurrency: 2}
defaults: {backend: a, model: m1, thoughts: 4, retries: 0}
`
	m2 := "m2"
	pool := NewPool()
	e1, err := pool.Build(settings(t, file, config.Overrides{}))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := pool.Build(settings(t, file, config.Overrides{Model: &m2}))
	if err != nil {
		t.Fatal(err)
	}
	if guard.Of(e1.Thinkers[0].Provider).Limit() == nil || e1.Thinkers[0].Provider != e2.Thinkers[0].Provider || e2.Thinkers[0].Model != "m2" {
		t.Fatal("engines of one pool do not share the backend's gate")
	}
	var wg sync.WaitGroup
	for _, e := range []*engine.Engine{e1, e2} {
		wg.Go(func() {
			if _, err := e.Run(t.Context(), ask("q"), nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if s.PeakInFlight() != 2 {
		t.Errorf("peak in flight over two engines = %d, want the backend's 2", s.PeakInFlight())
	}
	if e3, _ := Build(settings(t, file, config.Overrides{})); e3.Thinkers[0].Provider == e1.Thinkers[0].Provider {
		t.Error("Build without a pool shares a gate it should not")
	}
}

func TestPoolCooldownPolicy(t *testing.T) {
	s := settings(t, "defaults: {model: m}\n", config.Overrides{})
	for _, tt := range []struct {
		threshold int
		cooldown  time.Duration
		want      bool
	}{{5, time.Minute, true}, {0, time.Minute, false}, {5, 0, false}} {
		e, err := NewPoolWith(tt.threshold, tt.cooldown).Build(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := guard.Of(e.Thinkers[0].Provider).Breaker() != nil; got != tt.want {
			t.Errorf("NewPoolWith(%d, %v): breaker %v, want %v", tt.threshold, tt.cooldown, got, tt.want)
		}
	}
}
