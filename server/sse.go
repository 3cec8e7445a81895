package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// sse writes a Server-Sent Events stream by hand. Each write first checks
// the request's context, is bounded by a write deadline, and is flushed at
// once. After the first failure every write is a no-op returning that
// error, so the caller can cancel its run and stop. It is not safe for
// concurrent use; the engine calls the sink from one goroutine.
type sse struct {
	ctx     context.Context
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	started bool
	err     error
}

func newSSE(ctx context.Context, w http.ResponseWriter, timeout time.Duration) *sse {
	return &sse{ctx: ctx, w: w, rc: http.NewResponseController(w), timeout: timeout}
}

// start sends the response headers if they are not sent yet.
func (s *sse) start() error {
	if s.started {
		return s.err
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
	return s.flush()
}

// data sends one "data:" event. b must not hold a newline (JSON from
// encoding/json never does).
func (s *sse) data(b []byte) error {
	return s.write("data: ", b, "\n\n")
}

// event sends a named event with an id.
func (s *sse) event(name string, id int64, b []byte) error {
	return s.write("event: "+name+"\nid: "+strconv.FormatInt(id, 10)+"\ndata: ", b, "\n\n")
}

// comment sends a comment line, which clients ignore; it keeps an idle
// stream visibly alive.
func (s *sse) comment(text string) error {
	return s.write(": "+text, nil, "\n\n")
}

func (s *sse) write(prefix string, b []byte, suffix string) error {
	if err := s.start(); err != nil {
		return err
	}
	if err := context.Cause(s.ctx); err != nil {
		s.err = err
		return err
	}
	buf := make([]byte, 0, len(prefix)+len(b)+len(suffix))
	buf = append(append(append(buf, prefix...), b...), suffix...)
	s.deadline(time.Now().Add(s.timeout))
	if _, err := s.w.Write(buf); err != nil {
		s.err = fmt.Errorf("writing to the client: %w", err)
		return s.err
	}
	return s.flush()
}

func (s *sse) flush() error {
	if s.err != nil {
		return s.err
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.err = fmt.Errorf("flushing to the client: %w", err)
	}
	return s.err
}

// deadline sets the connection's write deadline where the writer allows it.
func (s *sse) deadline(t time.Time) {
	_ = s.rc.SetWriteDeadline(t)
}

// close clears the write deadline so it does not outlive the response on a
// kept-alive connection.
func (s *sse) close() { s.deadline(time.Time{}) }
