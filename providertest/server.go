package providertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

// Request is what a fake server received, decoded from its wire format.
type Request struct {
	Path      string
	Model     string
	Messages  []jessy.Message
	Prompts   []string // batched completions: one entry per prompt
	MaxTokens int
	Stream    bool
	Header    http.Header
	// Temperature is the sampling temperature sent, nil when none was.
	Temperature *float64
	// System is the system prompt of formats that carry it outside the
	// messages (Anthropic's system parameter).
	System string
	// Body is the raw request body, for checks the decoded fields don't cover.
	Body []byte
}

// Script chooses the reply to the n-th request (counting from 0). It may be
// called from several goroutines at once.
type Script func(n int, req Request) Reply

// Always answers every request with r.
func Always(r Reply) Script { return func(int, Request) Reply { return r } }

// Sequence answers the n-th request with rs[n], and later ones with the last.
func Sequence(rs ...Reply) Script {
	return func(n int, _ Request) Reply {
		if n < len(rs) {
			return rs[n]
		}
		return rs[len(rs)-1]
	}
}

// Server is a fake backend on a loopback httptest server. It records every
// request and counts calls in flight.
type Server struct {
	*httptest.Server

	script   Script
	mu       sync.Mutex
	reqs     []Request
	inFlight atomic.Int64
	peak     atomic.Int64
}

// newServer starts a server whose handler is h(s). It is closed when t ends.
func newServer(t testing.TB, script Script, h func(s *Server) http.Handler) *Server {
	s := &Server{script: script}
	s.Server = httptest.NewServer(h(s))
	t.Cleanup(func() {
		s.CloseClientConnections()
		s.Close()
	})
	return s
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// InFlight is the number of requests being answered now.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// PeakInFlight is the largest InFlight seen.
func (s *Server) PeakInFlight() int { return int(s.peak.Load()) }

// WaitIdle waits up to d for InFlight to reach zero and reports whether it did.
func (s *Server) WaitIdle(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for s.InFlight() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// begin records req, marks a call in flight and returns its scripted reply
// and the function that ends the call.
func (s *Server) begin(req Request) (Reply, func()) {
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	cur := s.inFlight.Add(1)
	for {
		p := s.peak.Load()
		if cur <= p || s.peak.CompareAndSwap(p, cur) {
			break
		}
	}
	return s.script(n, req), func() { s.inFlight.Add(-1) }
}

// wire writes one streaming wire format.
type wire struct {
	contentType string
	// errorBody is the JSON error body for a non-2xx status.
	errorBody func(status int, msg string) string
	// reasoning and chunk return the bytes of one stream event.
	reasoning func(text string) string
	chunk     func(text string) string
	// end returns the bytes that finish a stream, usage included.
	end func(u jessy.Usage) string
	// whole returns a non-streamed response body.
	whole func(text, reasoning string, u jessy.Usage) string
	// malformed, when set, returns the invalid event a Malformed reply sends;
	// nil sends a bare line of invalid JSON.
	malformed func() string
}

// play sends reply on w in format f. It returns when the reply is sent, or
// when the client has gone away.
func play(w http.ResponseWriter, r *http.Request, reply Reply, f wire, stream bool) {
	ctx := r.Context()
	wait := func(d time.Duration) bool {
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !wait(reply.Delay) {
		return
	}
	if reply.Hang {
		<-ctx.Done()
		return
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Status != 0 && reply.Status/100 != 2 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.Status)
		_, _ = w.Write([]byte(f.errorBody(reply.Status, reply.Message)))
		return
	}
	ct := f.contentType
	if !stream {
		ct = "application/json"
	}
	if reply.ContentType != "" {
		ct = reply.ContentType
	}
	w.Header().Set("Content-Type", ct)
	if !stream {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(f.whole(strings.Join(reply.Chunks, ""), strings.Join(reply.Reasoning, ""), reply.Usage)))
		return
	}
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	for _, text := range reply.Reasoning {
		if !wait(reply.ChunkDelay) {
			return
		}
		_, _ = w.Write([]byte(f.reasoning(text)))
		_ = rc.Flush()
	}
	for i, text := range reply.Chunks {
		if reply.CutAfter > 0 && i == reply.CutAfter {
			cut(w)
			return
		}
		if reply.StallAfter > 0 && i == reply.StallAfter {
			<-ctx.Done()
			return
		}
		if !wait(reply.ChunkDelay) {
			return
		}
		if _, err := w.Write([]byte(f.chunk(text))); err != nil {
			return
		}
		_ = rc.Flush()
	}
	if reply.CutAfter > 0 && reply.CutAfter >= len(reply.Chunks) {
		cut(w)
		return
	}
	if reply.StallAfter > 0 && reply.StallAfter >= len(reply.Chunks) {
		<-ctx.Done()
		return
	}
	if reply.Malformed {
		bad := "{\"this is\": not json\n\n"
		if f.malformed != nil {
			bad = f.malformed()
		}
		_, _ = w.Write([]byte(bad))
		_ = rc.Flush()
		return
	}
	_, _ = w.Write([]byte(f.end(reply.Usage)))
	_ = rc.Flush()
}

// cut closes the connection under w without finishing the response.
func cut(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("providertest: cannot hijack to cut the stream: " + err.Error())
	}
	_ = conn.Close()
}
