package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// The fault-injection suite: every fault a backend can show to the engine,
// at every position (one thought, several thoughts, the synthesis), with the
// exact outcome and timing the policy promises. Faults that exist only on
// the wire (a refused dial, a cut TCP stream) are played again through the
// real providers in package faults.

// refused is the error a provider returns when the dial is refused.
func refused() error {
	return &jessy.Error{Kind: jessy.KindUnreachable, Backend: "fake at http://127.0.0.1:9",
		Message: "cannot connect to http://127.0.0.1:9: connection refused", Err: syscall.ECONNREFUSED}
}

// fault is one misbehaviour and the outcome it must have for the call that
// meets it, under faultOptions.
type fault struct {
	name  string
	reply func(attempt int) providertest.Reply
	// attempts is how many attempts the call makes.
	attempts int
	// ok says the call answers in the end ("recovered").
	ok bool
	// kind and msg describe the call's error when it fails.
	kind jessy.Kind
	msg  string
	// min and max bound the call's duration; equal when exact.
	min, max time.Duration
}

var faultOptions = Options{
	Retry:            RetryPolicy{Retries: 2, Base: 500 * time.Millisecond, Max: 8 * time.Second},
	ThoughtTimeout:   10 * time.Second,
	SynthesisTimeout: 10 * time.Second,
}

func status(code int, retryAfter string) providertest.Reply {
	return providertest.Reply{Status: code, Message: fmt.Sprintf("status %d from the fake", code), RetryAfter: retryAfter}
}

// thenOK fails the first n attempts with r and answers after.
func thenOK(n int, r providertest.Reply) func(int) providertest.Reply {
	return func(a int) providertest.Reply {
		if a < n {
			return r
		}
		return ok("recovered", 0)
	}
}

func always(r providertest.Reply) func(int) providertest.Reply {
	return func(int) providertest.Reply { return r }
}

func faults() []fault {
	const s = time.Second
	backoff1, backoff2 := 500*time.Millisecond, 1500*time.Millisecond // jitter ceilings, summed
	httpDate := func(int) providertest.Reply {
		return status(503, time.Now().Add(3*s).UTC().Format(http.TimeFormat))
	}
	return []fault{
		{name: "500 once", reply: thenOK(1, status(500, "")), attempts: 2, ok: true, max: backoff1},
		{name: "500 for good", reply: always(status(500, "")), attempts: 3, kind: jessy.KindServer, msg: "HTTP 500: status 500", max: backoff2},
		{name: "502 once", reply: thenOK(1, status(502, "")), attempts: 2, ok: true, max: backoff1},
		{name: "503 once", reply: thenOK(1, status(503, "")), attempts: 2, ok: true, max: backoff1},
		{name: "503 twice", reply: thenOK(2, status(503, "")), attempts: 3, ok: true, max: backoff2},
		{name: "503 retry-after seconds", reply: thenOK(1, status(503, "2")), attempts: 2, ok: true, min: 2 * s, max: 2 * s},
		{name: "503 retry-after date", reply: func(a int) providertest.Reply {
			if a == 0 {
				return httpDate(a)
			}
			return ok("recovered", 0)
		}, attempts: 2, ok: true, min: 2 * s, max: 3 * s},
		{name: "503 retry-after past deadline", reply: always(status(503, "60")), attempts: 1, kind: jessy.KindOverloaded, msg: "HTTP 503"},
		{name: "429 retry-after", reply: thenOK(1, status(429, "1")), attempts: 2, ok: true, min: s, max: s},
		{name: "429 quota", reply: always(providertest.Reply{Err: &jessy.Error{Kind: jessy.KindQuota, Status: 429, Message: "insufficient quota"}}), attempts: 1, kind: jessy.KindQuota, msg: "insufficient quota"},
		{name: "501 not retried", reply: always(status(501, "")), attempts: 1, kind: jessy.KindServer, msg: "HTTP 501"},
		{name: "400", reply: always(status(400, "")), attempts: 1, kind: jessy.KindBadRequest, msg: "HTTP 400"},
		{name: "401", reply: always(status(401, "")), attempts: 1, kind: jessy.KindAuth, msg: "HTTP 401"},
		{name: "404 model not found", reply: always(status(404, "")), attempts: 1, kind: jessy.KindModelNotFound, msg: "HTTP 404"},
		{name: "refused once", reply: thenOK(1, providertest.Reply{Err: refused()}), attempts: 2, ok: true, max: backoff1},
		{name: "refused for good", reply: always(providertest.Reply{Err: refused()}), attempts: 3, kind: jessy.KindUnreachable, msg: "127.0.0.1:9", max: backoff2},
		{name: "accept and never answer", reply: always(providertest.Reply{Hang: true}), attempts: 1, kind: jessy.KindTimeout, msg: "timed out after 10s", min: 10 * s, max: 10 * s},
		{name: "slow within timeout", reply: always(ok("recovered", 8*s)), attempts: 1, ok: true, min: 8 * s, max: 8 * s},
		{name: "slow past timeout", reply: always(ok("late", 15*s)), attempts: 1, kind: jessy.KindTimeout, msg: "timed out after 10s", min: 10 * s, max: 10 * s},
		{name: "stream cut half-way", reply: always(providertest.Reply{Chunks: []string{"half", " an", " answer"}, CutAfter: 2}), attempts: 1, kind: jessy.KindProtocol, msg: "stream ended before done"},
		{name: "stream stalls", reply: always(providertest.Reply{Chunks: []string{"half", " an", " answer"}, StallAfter: 2}), attempts: 1, kind: jessy.KindTimeout, msg: "timed out after 10s", min: 10 * s, max: 10 * s},
		{name: "malformed JSON", reply: always(providertest.Reply{Malformed: true}), attempts: 1, kind: jessy.KindProtocol, msg: "malformed"},
		{name: "empty answer", reply: always(providertest.Reply{Chunks: []string{" ", "\n"}}), attempts: 1, kind: jessy.KindProtocol, msg: "empty answer"},
	}
}

// checkCall checks the call that met f.
func checkCall(t *testing.T, what string, c jessy.Call, f fault) {
	t.Helper()
	if len(c.Attempts) != f.attempts {
		t.Errorf("%s: %d attempts, want %d: %+v", what, len(c.Attempts), f.attempts, c.Attempts)
	}
	if c.Duration < f.min || c.Duration > f.max {
		t.Errorf("%s took %v, want within [%v, %v]", what, c.Duration, f.min, f.max)
	}
	for k, a := range c.Attempts {
		last := k == len(c.Attempts)-1
		switch {
		case last && f.ok:
			if a.Err != nil || a.Reason != "" {
				t.Errorf("%s: last attempt err %v reason %q", what, a.Err, a.Reason)
			}
		case last:
			if !strings.HasPrefix(a.Reason, "not retried: ") {
				t.Errorf("%s: last attempt reason %q", what, a.Reason)
			}
		default:
			if a.Err == nil || !strings.HasPrefix(a.Reason, "retrying after ") {
				t.Errorf("%s: attempt %d err %v reason %q", what, k, a.Err, a.Reason)
			}
		}
	}
	if f.ok {
		if c.Status != jessy.StatusOK || c.Text != "recovered" {
			t.Errorf("%s: status %s text %q err %v, want recovered", what, c.Status, c.Text, c.Err)
		}
		return
	}
	if c.Status != jessy.StatusFailed || jessy.KindOf(c.Err) != f.kind || !strings.Contains(c.Err.Error(), f.msg) {
		t.Errorf("%s: status %s err %v (%v), want %v containing %q", what, c.Status, c.Err, jessy.KindOf(c.Err), f.kind, f.msg)
	}
}

func TestFaults(t *testing.T) {
	const healthy = 100 * time.Millisecond
	positions := []struct {
		name   string
		faulty []int // thought indexes; nil for the synthesis
	}{
		{"one thought", []int{3}},
		{"several thoughts", []int{1, 4, 6}},
		{"synthesis", nil},
	}
	for _, f := range faults() {
		for _, pos := range positions {
			t.Run(f.name+"/"+pos.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					bad := map[int]bool{}
					for _, i := range pos.faulty {
						bad[i] = true
					}
					if pos.faulty == nil {
						bad[-1] = true
					}
					fake := providertest.NewFake(providertest.PerCall(func(key, a int) providertest.Reply {
						if bad[key] {
							return f.reply(a)
						}
						if key == -1 {
							return ok("the answer", healthy)
						}
						return ok(fmt.Sprintf("insight %d", key), healthy)
					}))
					res, err := newEngine(fake, faultOptions).Run(t.Context(), question, nil)
					if fake.InFlight() != 0 {
						t.Errorf("%d calls still in flight at the fake", fake.InFlight())
					}
					if pos.faulty == nil {
						checkSynthesisFault(t, res, err, f)
						return
					}
					if err != nil {
						t.Fatalf("run failed: %v", err)
					}
					want := 8
					if !f.ok {
						want -= len(pos.faulty)
					}
					if res.Tally() != fmt.Sprintf("%d of 8 thoughts answered", want) {
						t.Errorf("tally %q, want %d answered", res.Tally(), want)
					}
					slowest := healthy
					for _, i := range pos.faulty {
						checkCall(t, fmt.Sprintf("thought %d", i), res.Thoughts[i].Call, f)
						slowest = max(slowest, res.Thoughts[i].Duration)
					}
					if res.Timings.Thinking != slowest || res.Timings.Total != slowest+healthy {
						t.Errorf("thinking %v total %v, want %v and %v", res.Timings.Thinking, res.Timings.Total, slowest, slowest+healthy)
					}
					if res.Answer() != "the answer" {
						t.Errorf("answer %q", res.Answer())
					}
				})
			})
		}
	}
}

func checkSynthesisFault(t *testing.T, res *jessy.Result, err error, f fault) {
	t.Helper()
	checkCall(t, "synthesis", res.Synthesis, f)
	if res.Succeeded() != 8 || res.Thoughts[7].Text != "insight 7" {
		t.Errorf("thoughts lost: %s", res.Tally())
	}
	if got := res.Timings.Total - res.Timings.Thinking; got != res.Synthesis.Duration {
		t.Errorf("synthesis phase %v, call %v", got, res.Synthesis.Duration)
	}
	if f.ok {
		if err != nil || res.Answer() != "recovered" {
			t.Errorf("run: %v, answer %q", err, res.Answer())
		}
		return
	}
	if err == nil || !strings.HasPrefix(err.Error(), "synthesis: ") || jessy.KindOf(err) != f.kind || !strings.Contains(err.Error(), f.msg) {
		t.Errorf("run error %v, want the synthesis's %v error containing %q", err, f.kind, f.msg)
	}
}

// streamThenFail streams some text, then fails with a retryable error, as
// a backend that reports overload in the middle of a stream does.
type streamThenFail struct{ calls atomic.Int32 }

func (p *streamThenFail) Chat(_ context.Context, _ jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	p.calls.Add(1)
	if err := fn(jessy.Delta{Text: "partial"}); err != nil {
		return jessy.Usage{}, err
	}
	return jessy.Usage{}, &jessy.Error{Kind: jessy.KindOverloaded, Status: 503, Message: "overloaded mid-stream"}
}

func TestStreamedCallNeverRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &streamThenFail{}
		e := New(Target{Backend: "x", Provider: p, Model: "m"}, Options{Thoughts: 2, Retry: DefaultRetryPolicy()})
		res, err := e.Run(t.Context(), question, nil)
		if jessy.KindOf(err) != jessy.KindOverloaded || p.calls.Load() != 2 {
			t.Fatalf("err %v after %d calls, want 2 calls and no retry", err, p.calls.Load())
		}
		th := res.Thoughts[0]
		if th.Text != "partial" || len(th.Attempts) != 1 || th.Attempts[0].Reason != "not retried: output had already streamed" {
			t.Errorf("thought 0: %q, %+v", th.Text, th.Attempts)
		}
	})
}
