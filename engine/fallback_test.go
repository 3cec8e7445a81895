package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// thinkers answers every thought with "insight i" at once.
func thinkers() *providertest.Fake {
	return providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
		return ok(fmt.Sprintf("insight %d", key), 0)
	}))
}

// withSynth is an engine whose thoughts go to th and whose synthesis goes to
// the fakes in order: synthesizer first, then fallbacks.
func withSynth(th *providertest.Fake, opts Options, synth ...*providertest.Fake) *Engine {
	e := &Engine{Thinkers: []Target{{Backend: "T", Provider: th, Model: "t"}}, Options: opts}
	for k, f := range synth {
		tg := Target{Backend: string(rune('A' + k)), Provider: f, Model: fmt.Sprintf("m%d", k)}
		if k == 0 {
			e.Synthesizer = tg
		} else {
			e.Fallbacks = append(e.Fallbacks, tg)
		}
	}
	return e
}

func TestFallbackTakesOverSynthesis(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := providertest.NewFake(providertest.Always(status(503, "1")))
		b := providertest.NewFake(providertest.Always(status(400, "")))
		c := providertest.NewFake(providertest.Always(ok("from C", time.Second)))
		var events []jessy.Event
		res, err := withSynth(thinkers(), faultOptions, a, b, c).Run(t.Context(), question, func(ev jessy.Event) {
			if ev.Type == jessy.EventSynthesisFallback || ev.Type == jessy.EventSynthesisRetry {
				events = append(events, ev)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Synthesis
		if s.Backend != "C" || s.Model != "m2" || res.Answer() != "from C" || s.Status != jessy.StatusOK {
			t.Errorf("synthesis %s/%s %s %q, want C answering", s.Backend, s.Model, s.Status, res.Answer())
		}
		// A: 3 attempts 1 s apart (Retry-After), B: 1, C: 1 taking 1 s.
		var who []string
		for _, at := range s.Attempts {
			who = append(who, at.Backend+"/"+at.Model)
		}
		if got := strings.Join(who, " "); got != "A/m0 A/m0 A/m0 B/m1 C/m2" {
			t.Errorf("attempts went to %s", got)
		}
		if s.Duration != 3*time.Second || s.TTFT != 3*time.Second {
			t.Errorf("synthesis took %v (ttft %v), want 3s", s.Duration, s.TTFT)
		}
		if len(a.Requests()) != 3 || len(b.Requests()) != 1 || len(c.Requests()) != 1 || c.Requests()[0].Model != "m2" {
			t.Errorf("requests a=%d b=%d c=%d", len(a.Requests()), len(b.Requests()), len(c.Requests()))
		}
		var kinds []string
		for _, ev := range events {
			kinds = append(kinds, string(ev.Type)+">"+ev.Synthesis.Backend)
		}
		if got := strings.Join(kinds, " "); got != "synthesis.retry>A synthesis.retry>A synthesis.fallback>B synthesis.fallback>C" {
			t.Errorf("events: %s", got)
		}
		if last := events[len(events)-1]; jessy.KindOf(last.Err) != jessy.KindBadRequest || len(last.Synthesis.Attempts) != 4 {
			t.Errorf("fallback to C: err %v, %d attempts so far", last.Err, len(last.Synthesis.Attempts))
		}
		rep := res.Report()
		if rep.Backend != "C" || rep.Synthesis.Attempts[3].Backend != "B" || rep.Synthesis.Attempts[3].ErrorKind != "bad_request" ||
			!strings.HasPrefix(rep.Synthesis.Attempts[0].Reason, "retrying after 1s as Retry-After asked: overloaded (HTTP 503)") {
			t.Errorf("report: %+v", rep.Synthesis.Attempts)
		}
	})
}

func TestFallbackAllFailRunFailsWithLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := providertest.NewFake(providertest.Always(status(500, "")))
		b := providertest.NewFake(providertest.Always(providertest.Reply{Status: 401, Message: "invalid x-api-key"}))
		res, err := withSynth(thinkers(), faultOptions, a, b).Run(t.Context(), question, nil)
		if err == nil || jessy.KindOf(err) != jessy.KindAuth || err.Error() != "synthesis: fake: HTTP 401: invalid x-api-key" {
			t.Fatalf("err = %v, want B's 401", err)
		}
		if res.Synthesis.Backend != "B" || len(res.Synthesis.Attempts) != 4 || res.Succeeded() != 8 {
			t.Errorf("synthesis %s with %d attempts, %s", res.Synthesis.Backend, len(res.Synthesis.Attempts), res.Tally())
		}
	})
}

func TestFallbackAfterSynthesisTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := providertest.NewFake(providertest.Always(providertest.Reply{Hang: true}))
		b := providertest.NewFake(providertest.Always(ok("from B", time.Second)))
		opts := faultOptions
		opts.SynthesisTimeout = 5 * time.Second
		res, err := withSynth(thinkers(), opts, a, b).Run(t.Context(), question, nil)
		if err != nil || res.Answer() != "from B" {
			t.Fatalf("err %v answer %q", err, res.Answer())
		}
		if res.Timings.Synthesis != 6*time.Second || a.InFlight() != 0 {
			t.Errorf("synthesis took %v, %d left at A", res.Timings.Synthesis, a.InFlight())
		}
		if err := res.Synthesis.Attempts[0].Err; !strings.Contains(err.Error(), "timed out after 5s") {
			t.Errorf("A's attempt: %v", err)
		}
	})
}

func TestNoFallbackAfterStreamedOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := providertest.NewFake(providertest.Always(providertest.Reply{Chunks: []string{"half", " an", " answer"}, CutAfter: 2}))
		b := providertest.NewFake(providertest.Always(ok("from B", 0)))
		res, err := withSynth(thinkers(), faultOptions, a, b).Run(t.Context(), question, nil)
		if jessy.KindOf(err) != jessy.KindProtocol || len(b.Requests()) != 0 {
			t.Fatalf("err %v, %d calls to the fallback; want A's protocol error and none", err, len(b.Requests()))
		}
		if res.Synthesis.Text != "half an" || res.Synthesis.Backend != "A" {
			t.Errorf("synthesis %s %q", res.Synthesis.Backend, res.Synthesis.Text)
		}
	})
}

func TestFallbackInvalidWithoutProvider(t *testing.T) {
	e := withSynth(thinkers(), Options{}, thinkers())
	e.Fallbacks = []Target{{Backend: "nothing"}}
	if _, err := e.Run(t.Context(), question, nil); jessy.KindOf(err) != jessy.KindInvalid {
		t.Errorf("err = %v, want invalid", err)
	}
}

// The "Done when" sentences, one test each at the engine level; the
// wire-level ones live in package faults.

func TestTwoOfEightThoughtsFailForGoodRunAnswersFromSix(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
			switch key {
			case -1:
				return ok("the answer", 0)
			case 2, 5:
				return status(500, "")
			}
			return ok(fmt.Sprintf("insight %d", key), 0)
		}))
		res, err := newEngine(f, faultOptions).Run(t.Context(), question, nil)
		if err != nil || res.Answer() != "the answer" {
			t.Fatalf("err %v answer %q", err, res.Answer())
		}
		if res.Tally() != "6 of 8 thoughts answered" || res.Report().Answered != 6 {
			t.Errorf("tally %q", res.Tally())
		}
		for _, i := range []int{2, 5} {
			if th := res.Thoughts[i]; th.Status != jessy.StatusFailed || len(th.Attempts) != 3 {
				t.Errorf("thought %d: %s after %d attempts", i, th.Status, len(th.Attempts))
			}
		}
		reqs := f.Requests()
		synth := reqs[len(reqs)-1].Messages
		if body := synth[len(synth)-1].Content; !strings.Contains(body, "6 of 8 analysts answered") {
			t.Errorf("synthesis prompt does not say 6 of 8")
		}
	})
}

func TestThought503WithRetryAfterRetriedRunAnswersWithAllEight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.PerCall(func(key, a int) providertest.Reply {
			if key == 3 && a == 0 {
				return status(503, "2")
			}
			return ok(fmt.Sprintf("insight %d", key), 0)
		}))
		res, err := newEngine(f, faultOptions).Run(t.Context(), question, nil)
		if err != nil || res.Tally() != "8 of 8 thoughts answered" {
			t.Fatalf("err %v, %s", err, res.Tally())
		}
		th := res.Thoughts[3]
		if len(th.Attempts) != 2 || th.Attempts[0].Wait != 2*time.Second || res.Timings.Thinking != 2*time.Second {
			t.Errorf("thought 3: %d attempts, waited %v; thinking %v", len(th.Attempts), th.Attempts[0].Wait, res.Timings.Thinking)
		}
	})
}

func TestSynthesisFailsTwiceThenAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.PerCall(func(key, a int) providertest.Reply {
			if key == -1 {
				return thenOK(2, status(502, ""))(a)
			}
			return ok(fmt.Sprintf("insight %d", key), 0)
		}))
		res, err := newEngine(f, faultOptions).Run(t.Context(), question, nil)
		if err != nil || res.Answer() != "recovered" || len(res.Synthesis.Attempts) != 3 {
			t.Fatalf("err %v answer %q after %d attempts", err, res.Answer(), len(res.Synthesis.Attempts))
		}
	})
}

func TestSynthesisAlwaysFailsRunFailsWithRealErrorAndThoughts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
			if key == -1 {
				return providertest.Reply{Status: 500, Message: "CUDA out of memory"}
			}
			return ok(fmt.Sprintf("insight %d", key), 0)
		}))
		res, err := newEngine(f, faultOptions).Run(t.Context(), question, nil)
		if err == nil || err.Error() != "synthesis: fake: HTTP 500: CUDA out of memory" || res.Err != err {
			t.Fatalf("err = %v, want the real error", err)
		}
		rep := res.Report()
		if rep.Error != err.Error() || rep.ErrorKind != "server_error" || len(rep.Thoughts) != 8 || rep.Thoughts[7].Text != "insight 7" {
			t.Errorf("report lost the error or the thoughts: %+v", rep)
		}
	})
}

func TestUnreachableBackendFailsFastNamingAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.Always(providertest.Reply{Err: refused()}))
		opts := Options{Timeout: 120 * time.Second, ThoughtTimeout: 120 * time.Second, Retry: DefaultRetryPolicy()}
		res, err := newEngine(f, opts).Run(t.Context(), question, nil)
		var qe *QuorumError
		if !errors.As(err, &qe) || jessy.KindOf(err) != jessy.KindUnreachable || !strings.Contains(err.Error(), "http://127.0.0.1:9") {
			t.Fatalf("err = %v, want unreachable naming the address", err)
		}
		// Two retries of at most 0.5 s and 1 s of backoff.
		if res.Timings.Total > 1500*time.Millisecond {
			t.Errorf("took %v, want at most 1.5s", res.Timings.Total)
		}
	})
}
