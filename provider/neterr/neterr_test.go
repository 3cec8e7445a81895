package neterr

import (
	"context"
	"errors"
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
