package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// stragglerOllama answers every thought at once but thought 7, which takes
// 5 s.
func stragglerOllama(t *testing.T) *providertest.Server {
	return providertest.NewOllama(t, func(_ int, req providertest.Request) providertest.Reply {
		if providertest.IsSynthesis(req) {
			return okReply("the answer")
		}
		if providertest.ThoughtIndex(req) == 7 {
			r := okReply("late")
			r.Delay = 5 * time.Second
			return r
		}
		return okReply("insight")
	})
}

// A profile's speed options reach the engine: quorum 6 with a 200 ms grace
// cuts the 5-second straggler off.
func TestProfileSpeedOptionsCutStraggler(t *testing.T) {
	s := stragglerOllama(t)
	path := writeConfig(t, fmt.Sprintf(`
backends:
  - {name: local, kind: ollama, base_url: %s}
defaults: {backend: local, model: stories260k}
profiles:
  quick: {defaults: {quorum: 6, grace: 200ms}}
`, s.URL))
	start := time.Now()
	r := jessyRun(t, nil, "", "--config", path, "--profile", "quick", "--json", "why?")
	took := time.Since(start)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if took > 3*time.Second {
		t.Errorf("the run took %v: the straggler was waited for", took)
	}
	if rep.Thoughts[7].Status != jessy.StatusCanceled || rep.Speed.CutOff == "" {
		t.Errorf("straggler %s, cut_off %q; want canceled with a cut-off", rep.Thoughts[7].Status, rep.Speed.CutOff)
	}
	// Without the profile the run waits for all eight.
	r = jessyRun(t, nil, "", "--config", path, "--json", "--thought-timeout", "10s", "why?")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Thoughts[7].Status != jessy.StatusOK {
		t.Errorf("without the profile: straggler %v (%v), want ok", rep.Thoughts[7].Status, err)
	}
}

// thinkEvents posts a /v1/think request and returns its events' types and
// the run.started event.
func thinkEvents(t *testing.T, base, body string) (types []string, started map[string]any) {
	t.Helper()
	resp, err := http.Post(base+"/think", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		typ, _ := ev["type"].(string)
		types = append(types, typ)
		if typ == "run.started" {
			started = ev
		}
	}
	return types, started
}

// jessy serve renders the engine's plan: with thoughts: auto, run.started
// says the number of thoughts the run really made; and each profile's speed
// options are honoured.
func TestServeRendersPlanAndProfileSpeed(t *testing.T) {
	s := stragglerOllama(t)
	path := writeConfig(t, fmt.Sprintf(`
backends:
  - {name: local, kind: ollama, base_url: %s}
defaults: {backend: local, model: stories260k, thoughts: auto}
profiles:
  quick: {defaults: {thoughts: 8, quorum: 6, grace: 200ms}}
  patient: {defaults: {thoughts: 8}}
`, s.URL))
	base, _ := startServe(t, map[string]string{}, "--config", path)

	// A long question with several parts: auto chooses other than 8.
	q := "Compare three ways to cool a house in summer, list the costs of each, and explain which one is best when the budget is small and the climate is humid? Also, what would change in a dry climate?"
	types, started := thinkEvents(t, base, `{"model":"jessy","messages":[{"role":"user","content":`+fmt.Sprintf("%q", q)+`}]}`)
	made := 0
	for _, typ := range types {
		if typ == "thought.started" {
			made++
		}
	}
	if started == nil || int(started["thoughts"].(float64)) != made {
		t.Fatalf("run.started %v, but %d thoughts started", started, made)
	}
	if made == 8 {
		t.Errorf("thoughts: auto made 8 thoughts for a many-part question; the test needs a count the server could not guess")
	}
	// A request's own thoughts field wins over the profile's auto.
	types, started = thinkEvents(t, base, `{"model":"jessy","thoughts":3,"messages":[{"role":"user","content":`+fmt.Sprintf("%q", q)+`}]}`)
	if started == nil || started["thoughts"].(float64) != 3 || strings.Count(strings.Join(types, " "), "thought.started") != 3 {
		t.Errorf("thoughts: 3 in the request: run.started %v, events %v", started, types)
	}

	for _, c := range []struct {
		model   string
		cut     bool
		maxTook time.Duration
	}{{"quick", true, 3 * time.Second}, {"patient", false, 20 * time.Second}} {
		start := time.Now()
		types, started := thinkEvents(t, base, `{"model":"`+c.model+`","messages":[{"role":"user","content":"hi"}]}`)
		took := time.Since(start)
		if len(types) == 0 || types[len(types)-1] != "run.done" {
			t.Fatalf("%s: events %v", c.model, types)
		}
		t.Logf("%s: %v in %v", c.model, started, took)
		if cut := took < 3*time.Second; cut != c.cut || took > c.maxTook {
			t.Errorf("profile %s took %v; want the straggler cut off: %v", c.model, took, c.cut)
		}
	}
}
