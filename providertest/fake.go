package providertest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jessy-llm/jessy"
)

// Fake is an in-process jessy.Provider that plays scripted Replies without
// a network, so tests can run inside a testing/synctest bubble. A non-2xx
// Status becomes a *jessy.Error of jessy.KindForStatus; CutAfter, StallAfter
// and Malformed become the errors a real provider would return.
type Fake struct {
	// Name is the Backend of the errors it returns.
	Name string

	script   Script
	mu       sync.Mutex
	reqs     []jessy.ChatRequest
	inFlight atomic.Int64
	peak     atomic.Int64
}

var _ jessy.Provider = (*Fake)(nil)

// NewFake returns a Fake that answers with script.
func NewFake(script Script) *Fake { return &Fake{Name: "fake", script: script} }

// Requests returns a copy of the requests received so far.
func (f *Fake) Requests() []jessy.ChatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]jessy.ChatRequest(nil), f.reqs...)
}

// InFlight is the number of calls in progress.
func (f *Fake) InFlight() int { return int(f.inFlight.Load()) }

// PeakInFlight is the largest InFlight seen.
func (f *Fake) PeakInFlight() int { return int(f.peak.Load()) }

// Chat implements jessy.Provider.
func (f *Fake) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	cur := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		p := f.peak.Load()
		if cur <= p || f.peak.CompareAndSwap(p, cur) {
			break
		}
	}
	r := f.script(n, Request{Model: req.Model, Messages: req.Messages, MaxTokens: req.MaxTokens, Stream: true})

	wait := func(d time.Duration) error {
		if d <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := wait(r.Delay); err != nil {
		return jessy.Usage{}, err
	}
	if r.Err != nil {
		return jessy.Usage{}, r.Err
	}
	if r.Hang {
		<-ctx.Done()
		return jessy.Usage{}, ctx.Err()
	}
	if r.Status != 0 && r.Status/100 != 2 {
		return jessy.Usage{}, &jessy.Error{
			Kind: jessy.KindForStatus(r.Status), Backend: f.Name, Status: r.Status, Message: r.Message,
			RetryAfter: jessy.ParseRetryAfter(r.RetryAfter, time.Now()),
		}
	}
	for _, text := range r.Reasoning {
		if err := wait(r.ChunkDelay); err != nil {
			return jessy.Usage{}, err
		}
		if err := fn(jessy.Delta{Reasoning: text}); err != nil {
			return jessy.Usage{}, err
		}
	}
	for i, text := range r.Chunks {
		if r.CutAfter > 0 && i == r.CutAfter {
			return jessy.Usage{}, jessy.Errorf(jessy.KindProtocol, "stream ended before done").WithBackend(f.Name)
		}
		if r.StallAfter > 0 && i == r.StallAfter {
			<-ctx.Done()
			return jessy.Usage{}, ctx.Err()
		}
		if err := wait(r.ChunkDelay); err != nil {
			return jessy.Usage{}, err
		}
		if err := fn(jessy.Delta{Text: text}); err != nil {
			return jessy.Usage{}, err
		}
	}
	if r.Malformed {
		return jessy.Usage{}, jessy.Errorf(jessy.KindProtocol, "malformed JSON in stream").WithBackend(f.Name)
	}
	return r.Usage, nil
}
