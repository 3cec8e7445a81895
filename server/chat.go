package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/server/dialect/openai"
)

// chatCompletions serves POST /v1/chat/completions: one run per request,
// its synthesis as the assistant message.
func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	sp, err := s.prepare(w, r)
	if err != nil {
		info(r.Context()).errMsg = err.Error()
		writeError(w, err)
		return
	}
	runID := s.begin(r, w, sp)
	if sp.req.Stream {
		s.streamChat(w, r, sp, runID)
		return
	}
	res, err := s.execute(r.Context(), sp, nil)
	s.end(r, res, err)
	if err != nil {
		writeError(w, err)
		return
	}
	msg := &openai.ChatMessage{Role: "assistant", Content: res.Answer()}
	if sp.show {
		msg.ReasoningContent = openai.ReasoningOf(res)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	stop := openai.FinishStop
	writeJSON(w, http.StatusOK, openai.Completion{
		ID: "chatcmpl-" + runID, Object: "chat.completion", Created: time.Now().Unix(), Model: sp.model,
		Choices: []openai.Choice{{Message: msg, FinishReason: &stop}},
		Usage:   openai.UsageOf(res),
	})
}

// streamChat answers with chat.completion.chunk events. The headers go out
// with the run's first event, so a request that fails before any thought
// starts still gets a plain HTTP error; later failures arrive in the stream
// as an OpenAI-style error event followed by [DONE]. Thoughts are sent as
// reasoning_content as each finishes when sp.show is set, and as SSE
// comments otherwise, so that the stream is never silent for a whole
// thinking phase. A write that fails cancels the run.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, sp *runSpec, runID string) {
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	out := newSSE(ctx, w, s.cfg.WriteTimeout)
	defer out.close()
	created := time.Now().Unix()
	n := 0 // the thoughts of the run, from its run.started
	chunk := func(c []openai.Choice, u *openai.Usage) {
		if c == nil {
			c = []openai.Choice{}
		}
		b, _ := json.Marshal(openai.Completion{ID: "chatcmpl-" + runID, Object: "chat.completion.chunk", Created: created,
			Model: sp.model, Choices: c, Usage: u})
		if err := out.data(b); err != nil {
			cancel(err)
		}
	}
	send := func(d openai.Delta) { chunk([]openai.Choice{{Delta: &d}}, nil) }
	empty := ""
	sink := func(ev jessy.Event) {
		if out.err != nil || (!out.started && ev.Type == jessy.EventRunDone) {
			return
		}
		if !out.started {
			send(openai.Delta{Role: "assistant", Content: &empty})
		}
		switch ev.Type {
		case jessy.EventRunStarted:
			n = ev.Plan.Thoughts
		case jessy.EventThoughtDone, jessy.EventThoughtFailed, jessy.EventThoughtCanceled:
			if ev.Thought == nil {
				return
			}
			if sp.show {
				send(openai.Delta{ReasoningContent: openai.ThoughtBlock(ev.Thought, n)})
			} else if err := out.comment(fmt.Sprintf("thought %d of %d %s", ev.Index+1, n, ev.Thought.Status)); err != nil {
				cancel(err)
			}
		case jessy.EventSynthesisDelta:
			if ev.Reasoning != "" && sp.show {
				send(openai.Delta{ReasoningContent: ev.Reasoning})
			}
			if ev.Text != "" {
				text := ev.Text
				send(openai.Delta{Content: &text})
			}
		}
	}
	res, err := s.execute(ctx, sp, sink)
	s.end(r, res, err)
	if !out.started && err != nil {
		writeError(w, err)
		return
	}
	if err != nil {
		b, _ := json.Marshal(toAPIError(err).body())
		_ = out.data(b)
		_ = out.data([]byte("[DONE]"))
		return
	}
	stop := openai.FinishStop
	chunk([]openai.Choice{{Delta: &openai.Delta{}, FinishReason: &stop}}, nil)
	if sp.req.IncludeUsage() {
		chunk(nil, openai.UsageOf(res))
	}
	_ = out.data([]byte("[DONE]"))
}
