package faults

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/providertest"
)

// The wire-level half of the fault-injection suite: the faults that exist
// only on a real connection, and the HTTP statuses as each provider reads
// them, played by the fake servers through the real providers, at every
// position (one thought, several thoughts, the synthesis). The engine-level
// half, with exact timings, is engine's TestFaults.

const (
	callTimeout = 1500 * time.Millisecond
	// slack is the most a call may overrun its expected time on a loaded
	// machine.
	slack = 2 * time.Second
)

var wireOptions = engine.Options{
	Retry:            engine.RetryPolicy{Retries: 2, Base: 20 * time.Millisecond, Max: 100 * time.Millisecond},
	ThoughtTimeout:   callTimeout,
	SynthesisTimeout: callTimeout,
}

// wireFault is one misbehaviour of a backend and the outcome it must have
// for the call that meets it, under wireOptions.
type wireFault struct {
	name string
	// reply scripts the faulty backend by attempt. When it is nil, html,
	// if set, is served as a 200 text/html page (a proxy's login page in
	// place of the API); else nothing listens at the backend's address.
	reply    func(attempt int) providertest.Reply
	html     string
	attempts int
	ok       bool
	kind     jessy.Kind
	// msg is part of the error; "ADDR" stands for the backend's address.
	msg      string
	min, max time.Duration
}

func answer(text string) providertest.Reply {
	r := providertest.Text(text)
	r.Usage = jessy.Usage{PromptTokens: 3, CompletionTokens: 2}
	return r
}

func once(r providertest.Reply) func(int) providertest.Reply {
	return func(a int) providertest.Reply {
		if a == 0 {
			return r
		}
		return answer("recovered")
	}
}

func every(r providertest.Reply) func(int) providertest.Reply {
	return func(int) providertest.Reply { return r }
}

func wireFaults() []wireFault {
	half := []string{"half", " an", " answer"}
	timedOut := fmt.Sprintf("timed out after %s", callTimeout)
	return []wireFault{
		{name: "connection refused", attempts: 3, kind: jessy.KindUnreachable, msg: "ADDR"},
		{name: "accept and never answer", reply: every(providertest.Reply{Hang: true}), attempts: 1, kind: jessy.KindTimeout, msg: timedOut, min: callTimeout},
		{name: "slow answer", reply: every(providertest.Reply{Chunks: []string{"recovered"}, Delay: 300 * time.Millisecond}), attempts: 1, ok: true, min: 300 * time.Millisecond},
		{name: "slow stream", reply: every(providertest.Reply{Chunks: []string{"recov", "ered"}, ChunkDelay: 200 * time.Millisecond}), attempts: 1, ok: true, min: 400 * time.Millisecond},
		{name: "stream cut half-way", reply: every(providertest.Reply{Chunks: half, CutAfter: 2}), attempts: 1, kind: jessy.KindProtocol},
		{name: "stream cut before any text", reply: every(providertest.Reply{CutAfter: 1}), attempts: 1, kind: jessy.KindProtocol},
		{name: "stream stalls", reply: every(providertest.Reply{Chunks: half, StallAfter: 2}), attempts: 1, kind: jessy.KindTimeout, msg: timedOut, min: callTimeout},
		{name: "malformed JSON", reply: every(providertest.Reply{Chunks: half, Malformed: true}), attempts: 1, kind: jessy.KindProtocol},
		{name: "empty answer", reply: every(providertest.Reply{}), attempts: 1, kind: jessy.KindProtocol, msg: "empty answer"},
		{name: "unexpected content type", html: "<!doctype html><html><body>Sign in to continue</body></html>\n", attempts: 1, kind: jessy.KindProtocol},
		{name: "503 retry-after once", reply: once(providertest.Reply{Status: 503, Message: "busy", RetryAfter: "1"}), attempts: 2, ok: true, min: time.Second},
		{name: "429 retry-after once", reply: once(providertest.Reply{Status: 429, Message: "slow down", RetryAfter: "1"}), attempts: 2, ok: true, min: time.Second},
		{name: "502 once", reply: once(providertest.Reply{Status: 502, Message: "bad gateway"}), attempts: 2, ok: true},
		{name: "503 once", reply: once(providertest.Reply{Status: 503, Message: "busy"}), attempts: 2, ok: true},
		{name: "529 once", reply: once(providertest.Reply{Status: 529, Message: "overloaded"}), attempts: 2, ok: true},
		{name: "500 for good", reply: every(providertest.Reply{Status: 500, Message: "kaput"}), attempts: 3, kind: jessy.KindServer, msg: "kaput"},
		{name: "400", reply: every(providertest.Reply{Status: 400, Message: "bad input"}), attempts: 1, kind: jessy.KindBadRequest, msg: "bad input"},
		{name: "401", reply: every(providertest.Reply{Status: 401, Message: "no key"}), attempts: 1, kind: jessy.KindAuth},
		{name: "404 model not found", reply: every(providertest.Reply{Status: 404, Message: "model \"m\" not found"}), attempts: 1, kind: jessy.KindModelNotFound},
	}
}

// deadAddr returns the URL of a loopback port nothing listens on.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestWireFaults(t *testing.T) {
	positions := []struct {
		name   string
		faulty []int // thought indexes; nil for the synthesis
	}{
		{"one thought", []int{3}},
		{"several thoughts", []int{1, 4, 6}},
		{"synthesis", nil},
	}
	for _, fm := range formats() {
		for _, f := range wireFaults() {
			for _, pos := range positions {
				t.Run(fm.name+"/"+f.name+"/"+pos.name, func(t *testing.T) {
					t.Parallel()
					runWireFault(t, fm, f, pos.faulty)
				})
			}
		}
	}
}

func runWireFault(t *testing.T, fm format, f wireFault, faulty []int) {
	healthy := fm.server(t, providertest.PerCall(func(key, _ int) providertest.Reply {
		if key == -1 {
			return answer("the answer")
		}
		return answer(fmt.Sprintf("insight %d", key))
	}))
	addr := deadAddr(t)
	var bad *providertest.Server
	switch {
	case f.reply != nil:
		bad = fm.server(t, providertest.PerCall(func(_, a int) providertest.Reply { return f.reply(a) }))
		addr = bad.URL
	case f.html != "":
		page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, f.html)
		}))
		t.Cleanup(page.Close)
		addr = page.URL
	}
	good := engine.Target{Backend: fm.name, Provider: fm.provider(t, healthy.URL), Model: "m"}
	faultyT := engine.Target{Backend: fm.name + " (faulty)", Provider: fm.provider(t, addr), Model: "m"}
	e := &engine.Engine{Synthesizer: good, Options: wireOptions}
	isBad := map[int]bool{}
	for _, i := range faulty {
		isBad[i] = true
	}
	for i := range engine.DefaultThoughts {
		tg := good
		if isBad[i] {
			tg = faultyT
		}
		e.Thinkers = append(e.Thinkers, tg)
	}
	if faulty == nil {
		e.Synthesizer = faultyT
	}

	res, err := e.Run(t.Context(), []jessy.Message{{Role: jessy.RoleUser, Content: "Why is the sky blue?"}}, nil)

	for _, s := range []*providertest.Server{healthy, bad} {
		if s != nil && !s.WaitIdle(2*time.Second) {
			t.Errorf("%d calls still in flight at a fake server", s.InFlight())
		}
	}
	f.msg = strings.ReplaceAll(f.msg, "ADDR", strings.TrimPrefix(addr, "http://"))
	if faulty == nil {
		checkWireCall(t, "synthesis", res.Synthesis, f)
		if res.Succeeded() != 8 {
			t.Errorf("thoughts lost: %s", res.Tally())
		}
		if f.ok != (err == nil) {
			t.Errorf("run err = %v", err)
		}
		if err != nil && (jessy.KindOf(err) != f.kind || !strings.HasPrefix(err.Error(), "synthesis: ")) {
			t.Errorf("run err = %v, want the synthesis's %v", err, f.kind)
		}
		return
	}
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	want := 8
	if !f.ok {
		want -= len(faulty)
	}
	if got := res.Tally(); got != fmt.Sprintf("%d of 8 thoughts answered", want) || res.Answer() != "the answer" {
		t.Errorf("%s, answer %q; want %d answered", got, res.Answer(), want)
	}
	for _, i := range faulty {
		checkWireCall(t, fmt.Sprintf("thought %d", i), res.Thoughts[i].Call, f)
	}
}

func checkWireCall(t *testing.T, what string, c jessy.Call, f wireFault) {
	t.Helper()
	if len(c.Attempts) != f.attempts {
		t.Errorf("%s: %d attempts, want %d", what, len(c.Attempts), f.attempts)
		for k, a := range c.Attempts {
			t.Logf("attempt %d: %v (%s)", k, a.Err, a.Reason)
		}
	}
	if c.Duration < f.min || c.Duration > f.max+f.min+slack {
		t.Errorf("%s took %v, want at least %v", what, c.Duration, f.min)
	}
	if f.ok {
		if c.Status != jessy.StatusOK || c.Text != "recovered" {
			t.Errorf("%s: %s %q err %v, want recovered", what, c.Status, c.Text, c.Err)
		}
		return
	}
	if c.Status != jessy.StatusFailed || jessy.KindOf(c.Err) != f.kind || !strings.Contains(c.Err.Error(), f.msg) {
		t.Errorf("%s: %s err %q (%v), want %v containing %q", what, c.Status, c.Err, jessy.KindOf(c.Err), f.kind, f.msg)
	}
}
