package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

// thinkStream posts to /v1/think and returns the decoded events, checking
// that each event's name, id and seq agree and that seq counts from 1.
func thinkStream(t *testing.T, url string, body any) []thinkEvent {
	t.Helper()
	resp := post(t, t.Context(), url+"/v1/think", "", body)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out []thinkEvent
	for i, ev := range readSSE(t, resp.Body) {
		var te thinkEvent
		if err := json.Unmarshal([]byte(ev.Data), &te); err != nil {
			t.Fatalf("event %q: %v", ev.Data, err)
		}
		if te.Type != ev.Event || ev.ID != strconv.Itoa(i+1) || te.Seq != int64(i+1) {
			t.Fatalf("event %d: name %q id %q, data type %q seq %d", i, ev.Event, ev.ID, te.Type, te.Seq)
		}
		out = append(out, te)
	}
	return out
}

// brief is a one-line form of an event for exact comparisons.
func brief(ev thinkEvent) string {
	s := ev.Type
	if ev.Index != nil {
		s += fmt.Sprintf(" #%d", *ev.Index)
	}
	if ev.Text != "" {
		s += fmt.Sprintf(" %q", ev.Text)
	}
	if ev.Thought != nil {
		s += " " + string(ev.Thought.Status)
	}
	if ev.Error != nil {
		s += " error " + ev.Error.Kind
		if ev.Error.Code != "" {
			s += fmt.Sprintf(" %d %s", ev.Error.Status, ev.Error.Code)
		}
	}
	if ev.Result != nil {
		s += fmt.Sprintf(" answer=%q answered=%d", ev.Result.Answer, ev.Result.Answered)
	}
	return s
}

func TestThinkStreamsEveryEvent(t *testing.T) {
	f := happy()
	_, ts := start(t, Config{}, catalog{"jessy": newEngine(f, engine.Options{Mode: jessy.ModeSequential, Thoughts: 2})})
	evs := thinkStream(t, ts.URL, chatBody(nil))
	var got []string
	for _, ev := range evs {
		got = append(got, brief(ev))
	}
	want := []string{
		"run.started",
		"thought.started #0 ", `thought.delta #0 "insight"`, `thought.delta #0 " 0"`, "thought.done #0 ok",
		"thought.started #1 ", `thought.delta #1 "insight"`, `thought.delta #1 " 1"`, "thought.done #1 ok",
		"synthesis.started", `synthesis.delta "The"`, `synthesis.delta " answer"`, `synthesis.delta " is"`, `synthesis.delta " 42."`,
		`run.done answer="The answer is 42." answered=2`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	start := evs[0]
	if start.RunID == "" || start.Model != "jessy" || start.Mode != jessy.ModeSequential || start.Thoughts != 2 {
		t.Errorf("run.started = %+v", start)
	}
	done := evs[4].Thought
	if done.Text != "insight 0" || done.Angle != "What do we know?" || done.Phase != jessy.PhaseExploration ||
		len(done.Attempts) != 1 || done.Usage != thoughtUsage || done.Backend != "fake" || done.Model != "m" {
		t.Errorf("thought.done = %+v", done)
	}
	if s := evs[9].Synthesis; s == nil || s.Backend != "fake" || s.Model != "m" {
		t.Errorf("synthesis.started = %+v", evs[9])
	}
	res := evs[len(evs)-1].Result
	if len(res.Thoughts) != 2 || res.Usage != (jessy.Usage{PromptTokens: 120, CompletionTokens: 30}) || res.Error != "" {
		t.Errorf("run.done result = %+v", res)
	}
}

func TestThinkParallelOrdersEachThought(t *testing.T) {
	_, ts := start(t, Config{}, catalog{"jessy": newEngine(happy(), engine.Options{})})
	evs := thinkStream(t, ts.URL, chatBody(nil))
	stage := map[int]string{}
	for _, ev := range evs {
		if ev.Index == nil {
			continue
		}
		i := *ev.Index
		switch ev.Type {
		case "thought.started":
			if stage[i] != "" {
				t.Errorf("thought %d started twice", i)
			}
		case "thought.delta":
			if stage[i] != "thought.started" && stage[i] != "thought.delta" {
				t.Errorf("thought %d delta after %q", i, stage[i])
			}
		case "thought.done":
			if stage[i] != "thought.delta" {
				t.Errorf("thought %d done after %q", i, stage[i])
			}
		}
		stage[i] = ev.Type
	}
	if len(stage) != 8 {
		t.Errorf("%d thoughts seen, want 8", len(stage))
	}
	for i, s := range stage {
		if s != "thought.done" {
			t.Errorf("thought %d ended with %q", i, s)
		}
	}
	if last := evs[len(evs)-1]; last.Type != "run.done" || last.Result.Answered != 8 {
		t.Errorf("last event = %+v", last)
	}
}

func TestThinkFailure(t *testing.T) {
	f := providertest.NewFake(providertest.Run(func(i int) providertest.Reply {
		return providertest.Reply{Status: 500, Message: "boom"}
	}, reply("never", synthUsage)))
	_, ts := start(t, Config{}, catalog{"jessy": newEngine(f, engine.Options{Mode: jessy.ModeSequential, Thoughts: 2})})
	var got []string
	evs := thinkStream(t, ts.URL, chatBody(nil))
	for _, ev := range evs {
		got = append(got, brief(ev))
	}
	want := []string{
		"run.started",
		"thought.started #0 ", "thought.failed #0 failed error server_error",
		"thought.started #1 ", "thought.failed #1 failed error server_error",
		"error error server_error 502 quorum_not_met",
		`run.done answer="" answered=0`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	if r := evs[len(evs)-1].Result; r.Error == "" || r.ErrorKind != "server_error" {
		t.Errorf("run.done error %q kind %q", r.Error, r.ErrorKind)
	}
}

func TestThinkRetryEvent(t *testing.T) {
	f := providertest.NewFake(providertest.Sequence(
		providertest.Reply{Status: 503, RetryAfter: "0"},
		reply("insight", thoughtUsage),
		reply("Done.", synthUsage)))
	opts := engine.Options{Thoughts: 1, Retry: engine.RetryPolicy{Retries: 1, Base: 1, Max: 1}}
	s, ts := start(t, Config{}, catalog{"jessy": newEngine(f, opts)})
	var got []string
	for _, ev := range thinkStream(t, ts.URL, chatBody(nil)) {
		got = append(got, brief(ev))
	}
	want := []string{"run.started", "thought.started #0 ", "thought.retry #0  error overloaded", `thought.delta #0 "insight"`,
		"thought.done #0 ok", "synthesis.started", `synthesis.delta "Done."`, `run.done answer="Done." answered=1`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	if v := counterValue(t, s, "jessy_retries_total", map[string]string{"backend": "fake", "call": "thought"}); v != 1 {
		t.Errorf("retries metric = %v, want 1", v)
	}
}
