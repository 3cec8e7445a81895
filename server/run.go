package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jessy-llm/jessy"
)

// execute runs spec once admission control lets it, passing the run's
// events to sink (from the calling goroutine) after the metrics have seen
// them. It blocks until the run is over. A request turned away by admission
// control gets an *apiError of 429 and no events; otherwise the result and
// error are the engine's.
func (s *Server) execute(ctx context.Context, sp *runSpec, sink jessy.Sink) (*jessy.Result, error) {
	release, err := s.adm.acquire(ctx)
	if err != nil {
		var busy errBusy
		if errors.As(err, &busy) {
			s.met.rejected.Inc()
			return nil, &apiError{Status: http.StatusTooManyRequests, Type: typeRateLimit, Code: "server_busy",
				Message:    fmt.Sprintf("%s (at most %d runs at once and %d waiting); retry later", busy.Error(), s.cfg.MaxRuns, s.cfg.Queue),
				RetryAfter: s.cfg.RetryAfter}
		}
		return nil, err
	}
	defer release()
	if sink == nil {
		sink = func(jessy.Event) {}
	}
	obs := s.met.begin()
	defer obs.finish()
	return sp.eng.Run(ctx, sp.conv, func(ev jessy.Event) {
		obs.observe(ev)
		sink(ev)
	})
}

// begin registers the request's run with the request log and returns its
// id.
func (s *Server) begin(r *http.Request, w http.ResponseWriter, sp *runSpec) string {
	ri := info(r.Context())
	ri.runID, ri.model = newRunID(), sp.model
	if s.cfg.LogContents {
		ri.messages = sp.conv
	}
	w.Header().Set("X-Jessy-Run-Id", ri.runID)
	return ri.runID
}

// end tells the request log how the run ended.
func (s *Server) end(r *http.Request, res *jessy.Result, err error) {
	ri := info(r.Context())
	if err != nil {
		ri.errMsg = err.Error()
	}
	if s.cfg.LogContents && res != nil {
		ri.answer = res.Answer()
	}
}
