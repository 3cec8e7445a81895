package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jessy-llm/jessy"
)

// completion is a non-streamed chat completion in OpenAI's shape.
type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

type choice struct {
	Index        int       `json:"index"`
	Message      *message  `json:"message,omitempty"`
	Delta        *delta    `json:"delta,omitempty"`
	FinishReason *string   `json:"finish_reason"`
	Logprobs     *struct{} `json:"logprobs"`
}

type message struct {
	Role             string `json:"role"`
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content,omitempty"`
}

type delta struct {
	Role             string  `json:"role,omitempty"`
	Content          *string `json:"content,omitempty"`
	ReasoningContent string  `json:"reasoning_content,omitempty"`
}

// usage sums every call of the run; reasoning_tokens counts the thoughts'
// completion tokens, which are part of completion_tokens.
type usage struct {
	PromptTokens            int `json:"prompt_tokens"`
	CompletionTokens        int `json:"completion_tokens"`
	TotalTokens             int `json:"total_tokens"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func usageOf(res *jessy.Result) *usage {
	u := &usage{PromptTokens: res.Usage.PromptTokens, CompletionTokens: res.Usage.CompletionTokens, TotalTokens: res.Usage.Total()}
	for _, th := range res.Thoughts {
		u.CompletionTokensDetails.ReasoningTokens += th.Usage.CompletionTokens
	}
	return u
}

var finishStop = "stop"

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
	msg := &message{Role: "assistant", Content: res.Answer()}
	if sp.show {
		msg.ReasoningContent = reasoningOf(res)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	writeJSON(w, http.StatusOK, completion{
		ID: "chatcmpl-" + runID, Object: "chat.completion", Created: time.Now().Unix(), Model: sp.model,
		Choices: []choice{{Message: msg, FinishReason: &finishStop}},
		Usage:   usageOf(res),
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
	chunk := func(c []choice, u *usage) {
		if c == nil {
			c = []choice{}
		}
		b, _ := json.Marshal(completion{ID: "chatcmpl-" + runID, Object: "chat.completion.chunk", Created: created,
			Model: sp.model, Choices: c, Usage: u})
		if err := out.data(b); err != nil {
			cancel(err)
		}
	}
	send := func(d delta) { chunk([]choice{{Delta: &d}}, nil) }
	empty := ""
	sink := func(ev jessy.Event) {
		if out.err != nil || (!out.started && ev.Type == jessy.EventRunDone) {
			return
		}
		if !out.started {
			send(delta{Role: "assistant", Content: &empty})
		}
		switch ev.Type {
		case jessy.EventRunStarted:
			n = ev.Plan.Thoughts
		case jessy.EventThoughtDone, jessy.EventThoughtFailed, jessy.EventThoughtCanceled:
			if ev.Thought == nil {
				return
			}
			if sp.show {
				send(delta{ReasoningContent: thoughtBlock(ev.Thought, n)})
			} else if err := out.comment(fmt.Sprintf("thought %d of %d %s", ev.Index+1, n, ev.Thought.Status)); err != nil {
				cancel(err)
			}
		case jessy.EventSynthesisDelta:
			if ev.Reasoning != "" && sp.show {
				send(delta{ReasoningContent: ev.Reasoning})
			}
			if ev.Text != "" {
				text := ev.Text
				send(delta{Content: &text})
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
	chunk([]choice{{Delta: &delta{}, FinishReason: &finishStop}}, nil)
	if sp.includeUsage() {
		chunk(nil, usageOf(res))
	}
	_ = out.data([]byte("[DONE]"))
}
