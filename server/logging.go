package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/jessy-llm/jessy"
)

// reqInfo is what a handler tells the request log about its request.
type reqInfo struct {
	runID  string
	model  string
	errMsg string
	// messages and answer are logged only with Config.LogContents.
	messages []jessy.Message
	answer   string
}

type reqInfoKey struct{}

// info returns the request's log record, or a throwaway one.
func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// newRunID returns a random id for a run.
func newRunID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status and size of a response. It unwraps
// to the ResponseWriter so that http.ResponseController reaches Flush and
// SetWriteDeadline.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logged writes one structured record per request: method, path, route,
// status, duration, bytes, run id and model. Headers (and so API keys) are
// never logged; message contents only with Config.LogContents.
func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		r2 := r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		h.ServeHTTP(rec, r2)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		route := r2.Pattern // set by the mux
		if route == "" {
			route = "other"
		}
		s.met.request(route, status)
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", jessy.Milliseconds(time.Since(start))),
			slog.Int64("bytes", rec.bytes),
			slog.String("remote", r.RemoteAddr),
		}
		if ri.runID != "" {
			attrs = append(attrs, slog.String("run_id", ri.runID), slog.String("model", ri.model))
		}
		if ri.errMsg != "" {
			attrs = append(attrs, slog.String("error", ri.errMsg))
		}
		if s.cfg.LogContents && ri.messages != nil {
			attrs = append(attrs, slog.Any("messages", ri.messages), slog.String("answer", ri.answer))
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		s.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}
