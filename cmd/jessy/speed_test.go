package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

func report(t *testing.T, r result) jessy.Report {
	t.Helper()
	var rep jessy.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return rep
}

// --quorum with a zero grace answers from the first K thoughts and reports
// the stragglers as canceled.
func TestQuorumFlagCutsStragglers(t *testing.T) {
	s, env := fakeOllama(t, func(n int) providertest.Reply {
		if n < 2 {
			return providertest.Reply{Hang: true}
		}
		return okReply("fast")
	}, okReply("answer"))
	r := jessyRun(t, env, "", "--json", "--concurrency", "8", "--quorum", "6", "--grace", "0", "q?")
	rep := report(t, r)
	canceled := 0
	for _, th := range rep.Thoughts {
		if th.Status == jessy.StatusCanceled {
			canceled++
		}
	}
	if r.code != exitOK || rep.Answered != 6 || canceled != 2 || rep.Answer != "answer" {
		t.Errorf("exit %d, answered %d, canceled %d, answer %q", r.code, rep.Answered, canceled, rep.Answer)
	}
	if !s.WaitIdle(5e9) {
		t.Error("stragglers still in flight")
	}
}

func TestThoughtsAndConcurrencyFlags(t *testing.T) {
	s, env := fakeOllama(t, func(int) providertest.Reply {
		r := okReply("x")
		r.Delay = 30 * time.Millisecond // so that calls overlap
		return r
	}, okReply("y"))
	rep := report(t, jessyRun(t, env, "", "--json", "--thoughts", "auto", "--concurrency", "2",
		"Compare three databases for a small team, and explain the costs, the risks and the migration steps."))
	if n := len(rep.Thoughts); n < 4 || n > 12 {
		t.Errorf("auto chose %d thoughts", n)
	}
	if rep.Speed.ThoughtsReason == "" {
		t.Errorf("the report does not say why: %+v", rep.Speed)
	}
	if s.PeakInFlight() != 2 {
		t.Errorf("peak in flight %d, want --concurrency 2", s.PeakInFlight())
	}
	for _, bad := range [][]string{{"--thoughts", "many"}, {"--concurrency", "lots"}, {"--grace", "soon"}} {
		if r := jessyRun(t, env, "", append(bad, "q?")...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want 2", bad, r.code)
		}
	}
}

// Concurrency is auto by default and what it learned is kept in the cache
// file for the next run.
func TestAutoConcurrencyIsTheDefaultAndRemembered(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	rep := report(t, jessyRun(t, env, "", "--json", "q?"))
	if !strings.HasPrefix(rep.Speed.ConcurrencyReason, "auto") {
		t.Fatalf("concurrency was not auto: %+v", rep.Speed)
	}
	path := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "jessy", "concurrency.json")
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "stories260k") {
		t.Errorf("cache file %s: %v %s", path, err, b)
	}
}

// The samples strategy stops once enough samples agree.
func TestSamplesStopEarly(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("the sky is blue because of rayleigh scattering") }, okReply("y"))
	rep := report(t, jessyRun(t, env, "", "--json", "--strategy", "samples", "--agree-lexical", "--concurrency", "1", "q?"))
	if rep.Speed.CallsSaved == 0 || rep.Answered >= 8 {
		t.Errorf("no early stop: answered %d, speed %+v", rep.Answered, rep.Speed)
	}
}

func TestBenchCommand(t *testing.T) {
	_, env := fakeOllama(t, func(int) providertest.Reply { return okReply("x") }, okReply("y"))
	r := jessyRun(t, env, "", "bench", "--warmup", "0", "--reps", "1", "--quorum", "6", "q?")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"sequential", "parallel", "quorum", "speculative", "auto", "speedup", "stories260k"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = jessyRun(t, env, "", "bench", "--json", "--warmup", "0", "--reps", "1", "--modes", "parallel", "q?")
	var rep struct {
		Backend struct{ Name, Model, Version string }
		Rows    []struct{ Mode string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Rows) != 1 || rep.Backend.Version != providertest.OllamaVersion {
		t.Errorf("json: %v %+v\n%s", err, rep, r.stdout)
	}
	r = jessyRun(t, env, "", "bench", "--calibrate", "--warmup", "0", "--reps", "1", "q?")
	if r.code != exitOK || !strings.Contains(r.stdout, "best") {
		t.Errorf("calibrate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
