package server

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/jessy-llm/jessy"
)

// The event types of /v1/think beyond the engine's own (jessy.EventType).
const (
	eventTypeError = "error"
)

// thinkEvent is one event of a /v1/think stream. Every event has a type and
// a sequence number counting from 1; the other fields depend on the type, as
// docs/server.md documents. Add fields, never rename them.
type thinkEvent struct {
	Type string `json:"type"`
	Seq  int64  `json:"seq"`
	// run.started
	RunID       string     `json:"run_id,omitempty"`
	Model       string     `json:"model,omitempty"`
	Mode        jessy.Mode `json:"mode,omitempty"`
	Thoughts    int        `json:"thoughts,omitempty"`
	Concurrency int        `json:"concurrency,omitempty"`
	// thought.* events
	Index *int `json:"index,omitempty"`
	// thought.delta and synthesis.delta
	Text      string `json:"text,omitempty"`
	Reasoning string `json:"reasoning,omitempty"`
	// thought.started, thought.retry, thought.done, thought.failed
	Thought *jessy.ThoughtReport `json:"thought,omitempty"`
	// synthesis.started, synthesis.retry
	Synthesis *jessy.CallReport `json:"synthesis,omitempty"`
	// thought.retry, thought.failed, synthesis.retry, error
	Error *eventError `json:"error,omitempty"`
	// run.done
	Result *jessy.Report `json:"result,omitempty"`
}

// eventError describes an error inside an event.
type eventError struct {
	Message string `json:"message"`
	Kind    string `json:"kind"`
	// Status and Code are set on the error event: the HTTP status and code
	// the failure would have had as a plain response.
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
}

func newEventError(err error) *eventError {
	if err == nil {
		return nil
	}
	return &eventError{Message: err.Error(), Kind: jessy.KindOf(err).String()}
}

// think serves POST /v1/think: the run of a chat completion request,
// answered with a Server-Sent Events stream of its events. The headers go
// out with the run's first event, so a request that fails before any
// thought starts gets a plain HTTP error. The stream starts with
// run.started and ends with run.done, preceded by an error event when the
// run failed. A write that fails cancels the run.
func (s *Server) think(w http.ResponseWriter, r *http.Request) {
	sp, err := s.prepare(w, r)
	if err != nil {
		info(r.Context()).errMsg = err.Error()
		writeError(w, err)
		return
	}
	runID := s.begin(r, w, sp)
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	out := newSSE(ctx, w, s.cfg.WriteTimeout)
	defer out.close()
	var seq int64
	emit := func(ev thinkEvent) {
		seq++
		ev.Seq = seq
		b, _ := json.Marshal(ev)
		if err := out.event(ev.Type, seq, b); err != nil {
			cancel(err)
		}
	}
	sink := func(ev jessy.Event) {
		if out.err != nil || (!out.started && ev.Type == jessy.EventRunDone) {
			return
		}
		if ev.Type == jessy.EventRunStarted {
			emit(thinkEvent{Type: string(ev.Type), RunID: runID, Model: sp.model, Mode: ev.Plan.Mode,
				Thoughts: ev.Plan.Thoughts, Concurrency: ev.Plan.Concurrency})
			return
		}
		te := thinkEvent{Type: string(ev.Type), Text: ev.Text, Reasoning: ev.Reasoning}
		if ev.Index >= 0 {
			i := ev.Index
			te.Index = &i
		}
		if ev.Thought != nil {
			rep := jessy.ReportThought(*ev.Thought)
			te.Thought = &rep
		}
		if ev.Synthesis != nil {
			rep := jessy.ReportCall(*ev.Synthesis)
			te.Synthesis = &rep
		}
		if ev.Type == jessy.EventRunDone {
			return // sent by the handler once Run has returned
		}
		te.Error = newEventError(ev.Err)
		emit(te)
	}
	res, err := s.execute(ctx, sp, sink)
	s.end(r, res, err)
	if !out.started && err != nil {
		writeError(w, err)
		return
	}
	if err != nil {
		ae := toAPIError(err)
		ee := newEventError(err)
		ee.Status, ee.Code = ae.Status, ae.Code
		emit(thinkEvent{Type: eventTypeError, Error: ee})
	}
	if res != nil {
		rep := res.Report()
		emit(thinkEvent{Type: string(jessy.EventRunDone), Result: &rep})
	}
}
