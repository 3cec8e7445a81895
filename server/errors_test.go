package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

func TestStatusMapping(t *testing.T) {
	for _, tc := range []struct {
		err        error
		status     int
		code       string
		retryAfter time.Duration
	}{
		{&jessy.Error{Kind: jessy.KindInvalid}, 400, "invalid", 0},
		{&jessy.Error{Kind: jessy.KindBadRequest}, 400, "bad_request", 0},
		{&jessy.Error{Kind: jessy.KindModelNotFound}, 404, "model_not_found", 0},
		{&jessy.Error{Kind: jessy.KindRateLimited, RetryAfter: 7 * time.Second}, 429, "rate_limited", 7 * time.Second},
		{&jessy.Error{Kind: jessy.KindRateLimited}, 429, "rate_limited", time.Second},
		{&jessy.Error{Kind: jessy.KindOverloaded}, 503, "overloaded", time.Second},
		{&jessy.Error{Kind: jessy.KindTimeout}, 504, "timeout", 0},
		{context.DeadlineExceeded, 504, "timeout", 0},
		{context.Canceled, 503, "canceled", time.Second},
		{&jessy.Error{Kind: jessy.KindAuth}, 502, "auth", 0},
		{&jessy.Error{Kind: jessy.KindQuota}, 502, "quota", 0},
		{&jessy.Error{Kind: jessy.KindUnreachable}, 502, "unreachable", 0},
		{&jessy.Error{Kind: jessy.KindServer}, 502, "server_error", 0},
		{&jessy.Error{Kind: jessy.KindProtocol}, 502, "protocol", 0},
		{&engine.QuorumError{Need: 1, Total: 8, Failures: []error{&jessy.Error{Kind: jessy.KindRateLimited}}}, 502, "quorum_not_met", 0},
		{fmt.Errorf("synthesis: %w", &jessy.Error{Kind: jessy.KindTimeout}), 504, "timeout", 0},
		{errors.New("what"), 500, "internal_error", 0},
	} {
		t.Run(fmt.Sprint(tc.err), func(t *testing.T) {
			e := toAPIError(tc.err)
			if e.Status != tc.status || e.Code != tc.code || e.RetryAfter != tc.retryAfter {
				t.Errorf("= %d %s retry after %v, want %d %s %v", e.Status, e.Code, e.RetryAfter, tc.status, tc.code, tc.retryAfter)
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	fail := func(r providertest.Reply) *providertest.Fake {
		return providertest.NewFake(providertest.Always(r))
	}
	failSynth := func(r providertest.Reply) *providertest.Fake {
		return providertest.NewFake(providertest.Run(func(int) providertest.Reply { return reply("insight", thoughtUsage) }, r))
	}
	long := strings.Repeat("é", 11)
	for _, tc := range []struct {
		name       string
		limits     Limits
		opts       engine.Options
		fake       *providertest.Fake
		body       any
		status     int
		code       string
		param      string
		msg        string // a part of the message
		retryAfter string
	}{
		{name: "malformed JSON", body: `{"model":`, status: 400, code: "invalid_json"},
		{name: "body too large", limits: Limits{MaxBodyBytes: 100}, body: chatBody(map[string]any{"user": strings.Repeat("x", 100)}),
			status: 400, code: "limit_exceeded", msg: "max_body_bytes"},
		{name: "too many messages", limits: Limits{MaxMessages: 2}, body: map[string]any{"model": "jessy", "messages": []map[string]string{
			{"role": "system", "content": "a"}, {"role": "user", "content": "b"}, {"role": "user", "content": "c"}}},
			status: 400, code: "limit_exceeded", param: "messages", msg: "max_messages"},
		{name: "message too long", limits: Limits{MaxMessageChars: 10}, body: map[string]any{"model": "jessy",
			"messages": []map[string]string{{"role": "user", "content": long}}},
			status: 400, code: "limit_exceeded", param: "messages[0].content", msg: "max_message_chars"},
		{name: "too many thoughts", limits: Limits{MaxThoughts: 4}, body: chatBody(map[string]any{"thoughts": 5}),
			status: 400, code: "limit_exceeded", param: "thoughts", msg: "max_thoughts"},
		{name: "zero thoughts", body: chatBody(map[string]any{"thoughts": 0}), status: 400, code: "invalid_value", param: "thoughts"},
		{name: "temperature out of range", body: chatBody(map[string]any{"temperature": 2.5}), status: 400, code: "invalid_value", param: "temperature"},
		{name: "max_tokens zero", body: chatBody(map[string]any{"max_tokens": 0}), status: 400, code: "invalid_value", param: "max_tokens"},
		{name: "no messages", body: map[string]any{"model": "jessy", "messages": []any{}}, status: 400, code: "invalid_value", param: "messages"},
		{name: "no user message", body: map[string]any{"model": "jessy", "messages": []map[string]string{{"role": "system", "content": "x"}}},
			status: 400, code: "invalid_value", param: "messages"},
		{name: "unknown role", body: map[string]any{"model": "jessy", "messages": []map[string]string{{"role": "robot", "content": "x"}}},
			status: 400, code: "invalid_value", param: "messages[0].role"},
		{name: "bad content", body: `{"model":"jessy","messages":[{"role":"user","content":42}]}`,
			status: 400, code: "invalid_value", param: "messages[0].content"},
		{name: "unknown model", body: chatBody(map[string]any{"model": "gpt-9"}), status: 404, code: "model_not_found", param: "model", msg: "gpt-9"},
		{name: "every thought fails", fake: fail(providertest.Reply{Status: 500, Message: "boom"}), body: chatBody(nil),
			status: 502, code: "quorum_not_met", msg: "no thought succeeded"},
		{name: "backend refuses the server's key", fake: failSynth(providertest.Reply{Status: 401, Message: "bad key"}), body: chatBody(nil),
			status: 502, code: "auth", msg: "server configuration problem"},
		{name: "backend rate limited", fake: failSynth(providertest.Reply{Status: 429, RetryAfter: "7"}), body: chatBody(nil),
			status: 429, code: "rate_limited", retryAfter: "7"},
		{name: "backend overloaded", fake: failSynth(providertest.Reply{Status: 503}), body: chatBody(nil),
			status: 503, code: "overloaded", retryAfter: "1"},
		{name: "synthesis times out", opts: engine.Options{SynthesisTimeout: 20 * time.Millisecond},
			fake: failSynth(providertest.Reply{Hang: true}), body: chatBody(nil), status: 504, code: "timeout"},
		{name: "backend model missing", fake: fail(providertest.Reply{Status: 404, Message: "model not found"}),
			opts: engine.Options{Thoughts: 1}, body: chatBody(nil), status: 502, code: "quorum_not_met"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fake
			if f == nil {
				f = happy()
			}
			_, ts := start(t, Config{Limits: tc.limits}, catalog{"jessy": newEngine(f, tc.opts)})
			for _, stream := range []bool{false, true} {
				body := tc.body
				if m, ok := body.(map[string]any); ok && stream {
					c := map[string]any{"stream": true}
					for k, v := range m {
						c[k] = v
					}
					body = c
				}
				resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", body)
				defer resp.Body.Close()
				if stream && tc.status >= 500 || stream && tc.status == 429 && tc.fake != nil {
					// Backend failures come after the stream began: checked below.
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("stream: status %d", resp.StatusCode)
					}
					evs := summarize(t, readSSE(t, resp.Body), "jessy")
					if len(evs) < 3 || evs[len(evs)-2] != "error "+tc.code || evs[len(evs)-1] != "[DONE]" {
						t.Errorf("stream ends with %q, want error %s then [DONE]", evs, tc.code)
					}
					continue
				}
				if resp.StatusCode != tc.status {
					t.Fatalf("stream=%v: status %d, want %d", stream, resp.StatusCode, tc.status)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("content type %q", ct)
				}
				if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
				}
				eb := decode[errBody](t, resp.Body)
				if eb.Error.Code != tc.code || !strings.Contains(eb.Error.Message, tc.msg) || eb.Error.Type == "" {
					t.Errorf("stream=%v: error = %+v, want code %q and a message with %q", stream, eb.Error, tc.code, tc.msg)
				}
				if param := ""; eb.Error.Param != nil {
					param = *eb.Error.Param
					if param != tc.param {
						t.Errorf("param %q, want %q", param, tc.param)
					}
				} else if tc.param != "" {
					t.Errorf("no param, want %q", tc.param)
				}
			}
		})
	}
}

func TestStreamErrorSequence(t *testing.T) {
	f := providertest.NewFake(providertest.Run(func(int) providertest.Reply { return providertest.Reply{Status: 500} }, reply("x", synthUsage)))
	_, ts := start(t, Config{}, catalog{"jessy": newEngine(f, engine.Options{Mode: jessy.ModeSequential, Thoughts: 2})})
	resp := post(t, t.Context(), ts.URL+"/v1/chat/completions", "", chatBody(map[string]any{"stream": true}))
	defer resp.Body.Close()
	got := summarize(t, readSSE(t, resp.Body), "jessy")
	want := []string{`role="assistant" content=""`, ": thought 1 of 2 failed", ": thought 2 of 2 failed", "error quorum_not_met", "[DONE]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

func TestUnknownRoute(t *testing.T) {
	_, ts := start(t, Config{}, catalog{})
	resp, err := http.Get(ts.URL + "/v1/embeddings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 404 || decode[errBody](t, resp.Body).Error.Code != "not_found" {
		t.Errorf("status %d", resp.StatusCode)
	}
}
