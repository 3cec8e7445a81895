package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/providertest"
)

// TestCancelMidPhase cancels the run by the caller at 3 s, in the middle of
// each phase and of each thing a call may be doing then, and checks that the
// run ends at that instant with context.Canceled, nothing in flight and the
// thoughts gathered so far kept.
func TestCancelMidPhase(t *testing.T) {
	const at = 3 * time.Second
	slowStream := providertest.Reply{Chunks: providertest.SplitWords("one two three four five six"), ChunkDelay: time.Second}
	tests := []struct {
		name    string
		thought providertest.Reply // thought 0's reply; the others answer at once
		synth   []providertest.Reply
		// okThoughts is how many thoughts answered before the cancel.
		okThoughts int
	}{
		{"thinking/waiting for headers", providertest.Reply{Hang: true}, nil, 7},
		{"thinking/streaming", slowStream, nil, 7},
		{"thinking/retry wait", status(503, "10"), nil, 7},
		{"synthesis/waiting for headers", ok("x", 0), []providertest.Reply{{Hang: true}}, 8},
		{"synthesis/streaming", ok("x", 0), []providertest.Reply{slowStream}, 8},
		{"synthesis/retry wait", ok("x", 0), []providertest.Reply{status(429, "10")}, 8},
		{"synthesis/fallback", ok("x", 0), []providertest.Reply{status(400, ""), {Hang: true}}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				th := providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
					if key == 0 {
						return tt.thought
					}
					return ok(fmt.Sprintf("insight %d", key), 0)
				}))
				var synth []*providertest.Fake
				for _, r := range tt.synth {
					synth = append(synth, providertest.NewFake(providertest.Always(r)))
				}
				if synth == nil {
					synth = append(synth, providertest.NewFake(providertest.Always(ok("never", 0))))
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				time.AfterFunc(at, cancel)
				res, err := withSynth(th, faultOptions, synth...).Run(ctx, question, nil)
				if !errors.Is(err, context.Canceled) || res.Err != err {
					t.Errorf("err = %v, want context.Canceled", err)
				}
				if res.Timings.Total != at {
					t.Errorf("run ended at %v, want %v", res.Timings.Total, at)
				}
				for _, f := range append(synth, th) {
					if f.InFlight() != 0 {
						t.Errorf("%d calls still in flight", f.InFlight())
					}
				}
				if res.Succeeded() != tt.okThoughts || len(res.Thoughts) != 8 {
					t.Errorf("%s, want %d answered", res.Tally(), tt.okThoughts)
				}
				if tt.okThoughts == 7 && !errors.Is(res.Thoughts[0].Err, context.Canceled) {
					t.Errorf("thought 0 err = %v", res.Thoughts[0].Err)
				}
			})
		})
	}
}

func TestRunTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := providertest.NewFake(providertest.PerCall(func(key, _ int) providertest.Reply {
			if key == -1 {
				return providertest.Reply{Hang: true}
			}
			return ok("x", time.Second)
		}))
		fallback := providertest.NewFake(providertest.Always(ok("late", 0)))
		e := newEngine(f, Options{Timeout: 3 * time.Second})
		e.Fallbacks = []Target{{Backend: "B", Provider: fallback, Model: "b"}}
		res, err := e.Run(t.Context(), question, nil)
		if jessy.KindOf(err) != jessy.KindTimeout || err.Error() != "run timed out after 3s" {
			t.Fatalf("err = %v", err)
		}
		if len(fallback.Requests()) != 0 {
			t.Error("a fallback was tried after the run's deadline")
		}
		if res.Timings.Total != 3*time.Second || res.Succeeded() != 8 || f.InFlight() != 0 {
			t.Errorf("took %v, %s, %d in flight", res.Timings.Total, res.Tally(), f.InFlight())
		}
	})
}

func TestRetryDecisions(t *testing.T) {
	p := RetryPolicy{Retries: 2, Base: time.Second, Max: 4 * time.Second, MaxRetryAfter: 30 * time.Second}
	e := func(kind jessy.Kind, status int, ra time.Duration) error {
		return &jessy.Error{Kind: kind, Status: status, RetryAfter: ra}
	}
	tests := []struct {
		name     string
		err      error
		attempt  int
		streamed bool
		again    bool
		reason   string
	}{
		{"408", e(jessy.KindServer, 408, 0), 0, false, true, "retrying after "},
		{"409", e(jessy.KindServer, 409, 0), 0, false, true, "retrying after "},
		{"529", e(jessy.KindOverloaded, 529, 0), 0, false, true, "retrying after "},
		{"504", e(jessy.KindServer, 504, 0), 1, false, true, "retrying after "},
		{"501", e(jessy.KindServer, 501, 0), 0, false, false, "not retried: server_error (HTTP 501) is not retryable"},
		{"505", e(jessy.KindServer, 505, 0), 0, false, false, "not retried: server_error (HTTP 505) is not retryable"},
		{"403", e(jessy.KindAuth, 403, 0), 0, false, false, "not retried: auth (HTTP 403) is not retryable"},
		{"422", e(jessy.KindBadRequest, 422, 0), 0, false, false, "not retried: bad_request (HTTP 422) is not retryable"},
		{"quota on 429", e(jessy.KindQuota, 429, 0), 0, false, false, "not retried: quota (HTTP 429) is not retryable"},
		{"retries used", e(jessy.KindServer, 500, 0), 2, false, false, "not retried: 2 retries used"},
		{"streamed", e(jessy.KindServer, 500, 0), 0, true, false, "not retried: output had already streamed"},
		{"retry-after", e(jessy.KindRateLimited, 429, 7*time.Second), 0, false, true, "retrying after 7s as Retry-After asked: rate_limited (HTTP 429)"},
		{"retry-after too long", e(jessy.KindRateLimited, 429, time.Hour), 0, false, false, "not retried: Retry-After 1h0m0s exceeds 30s"},
		{"cooling down", fmt.Errorf("x: %w", &jessy.Error{Kind: jessy.KindUnreachable, Err: jessy.ErrCoolingDown}), 0, false, false, "not retried: the backend is cooling down"},
		{"no slot", &jessy.Error{Kind: jessy.KindOverloaded, Err: jessy.ErrBusy}, 0, false, false, "not retried: no free slot for the backend"},
		{"refused", refused(), 0, false, true, "retrying after "},
		{"timeout", e(jessy.KindTimeout, 0, 0), 0, false, false, "not retried: timeout is not retryable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.next(t.Context(), tt.attempt, tt.err, tt.streamed)
			if d.again != tt.again || !strings.HasPrefix(d.reason, tt.reason) {
				t.Errorf("next = %v %q, want %v %q", d.again, d.reason, tt.again, tt.reason)
			}
			if ceil := time.Second << tt.attempt; d.again && jessy.RetryAfterOf(tt.err) == 0 && (d.wait < 0 || d.wait > ceil) {
				t.Errorf("backoff %v outside [0, %v]", d.wait, ceil)
			}
		})
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if d := p.next(ctx, 0, e(jessy.KindOverloaded, 503, 10*time.Second), false); d.again || !strings.Contains(d.reason, "past the deadline") {
		t.Errorf("retry-after past the deadline: %+v", d)
	}
}
