//go:build integration

package bench

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"

	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/provider/ollama"
	"github.com/jessy-llm/jessy/tune"
)

// TestBenchRealOllama runs `jessy bench --calibrate` and `jessy bench`
// against a real Ollama. In the test suite it makes one measured run per
// mode, to check that every mode works on the real server; the figures of
// the README come from the full measurement (a warm-up and 3 runs per mode):
//
//	eval "$(scripts/ollama.sh up)"
//	JESSY_BENCH_FULL=1 go test -tags integration -run TestBenchRealOllama -v -timeout 30m ./bench/
//
// JESSY_BENCH_OUT, when set, names a file the tables are written to. The
// adaptive cache lives in a temporary folder, so the user's is left alone.
// The test fails, never skips, when no real Ollama is given.
func TestBenchRealOllama(t *testing.T) {
	host, model := os.Getenv("JESSY_TEST_OLLAMA_HOST"), os.Getenv("JESSY_TEST_MODEL")
	if host == "" {
		t.Fatal(`JESSY_TEST_OLLAMA_HOST is not set: eval "$(scripts/ollama.sh up)", or run scripts/test.sh`)
	}
	if model == "" {
		model = "stories260k"
	}
	p, err := ollama.New(ollama.Config{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	// The provider keeps connections alive on http.DefaultTransport; close
	// them so that goleak sees no reader goroutines left.
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	a, err := tune.Open(filepath.Join(t.TempDir(), "concurrency.json"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(o engine.Options) *engine.Engine {
		return engine.New(engine.Target{Backend: "ollama", Provider: p, Model: model}, o)
	}
	cfg := Config{
		Question: "Once upon a time, a little girl named Lily found a shiny stone. What did she do with it?",
		Base: engine.Options{MaxTokens: 64, SynthesisMaxTokens: 64, SpeedOptions: engine.SpeedOptions{
			Quorum: 6, Grace: engine.Grace{Fraction: 0.5}, Tuner: a,
		}},
		New: build, Warmup: 0, Reps: 1,
		Progress: func(m Mode, rep int, warm bool, res *jessy.Result) {
			t.Logf("%s run %d (warm-up %v): total %v, %v", m, rep+1, warm, res.Timings.Total.Round(time.Millisecond), res.Err)
		},
	}
	calReps := 1
	if os.Getenv("JESSY_BENCH_FULL") != "" {
		cfg.Warmup, cfg.Reps, calReps = 1, 3, 2
	}
	var out bytes.Buffer
	calCfg := cfg
	calCfg.Reps = calReps
	cal, err := Calibrate(t.Context(), calCfg, nil, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := cal.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep.Backend = Describe(t.Context(), p, "ollama", model, os.Getenv("OLLAMA_NUM_PARALLEL"))
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if path := os.Getenv("JESSY_BENCH_OUT"); path != "" {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		js, _ := os.Create(path + ".json")
		defer js.Close()
		_ = rep.WriteJSON(js)
	}
	for _, r := range rep.Rows {
		if r.Runs == 0 {
			t.Errorf("mode %s: no run succeeded: %s", r.Mode, r.LastError)
		}
	}
}
