package neterr

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if e := Canceled(ctx, "b"); e.Kind != jessy.KindCanceled || !errors.Is(e, context.Canceled) {
		t.Errorf("cancelled: %v", e)
	}
	ctx, cancel = context.WithTimeoutCause(t.Context(), time.Nanosecond, errors.New("thought budget spent"))
	defer cancel()
	<-ctx.Done()
	e := Canceled(ctx, "b")
	if e.Kind != jessy.KindTimeout || !errors.Is(e, context.DeadlineExceeded) || !strings.Contains(e.Error(), "thought budget spent") {
		t.Errorf("deadline: %v", e)
	}
}

func TestTransport(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = http.Get("http://" + addr + "/")
	e := Transport("b", err, "start it")
	if e.Kind != jessy.KindUnreachable || !strings.Contains(e.Error(), addr) || e.Hint != "start it" {
		t.Errorf("refused: %v (hint %q)", e, e.Hint)
	}
	if e := Transport("b", errors.New("odd"), "h"); e.Kind != jessy.KindOther || e.Hint != "" {
		t.Errorf("other: %v", e)
	}
}

func TestResponse(t *testing.T) {
	status := func(code int, _ http.Header, body []byte) *jessy.Error {
		return &jessy.Error{Kind: jessy.KindForStatus(code), Status: code, Message: string(body)}
	}
	resp := func(code int, body string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	}
	done, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		res  *http.Response
		kind jessy.Kind
		msg  string
	}{
		{"cancelled wins", done, resp(503, "busy"), jessy.KindCanceled, "call canceled"},
		{"error status", t.Context(), resp(503, "busy"), jessy.KindOverloaded, "busy"},
		{"unreadable 2xx", t.Context(), resp(200, ""), jessy.KindProtocol, "unreadable response: bad json"},
		{"no response", t.Context(), nil, jessy.KindOther, "bad json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Response(tt.ctx, "b", errors.New("bad json"), tt.res, "h", status)
			if jessy.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v (kind %v), want kind %v with %q", err, jessy.KindOf(err), tt.kind, tt.msg)
			}
		})
	}
}
