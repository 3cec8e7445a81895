package ollama

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/auth"
	"github.com/ollama/ollama/format"
	"github.com/ollama/ollama/version"

	"github.com/jessy-llm/jessy"
)

// Chat sends /api/chat itself rather than through api.Client.Chat, with
// Ollama's own wire types: the client allocates an 8 MB line buffer for
// every stream (its maxBufferSize), which cost about 1.5 ms per call over
// loopback, most of it clearing memory and collecting it again. Here lines
// are read through a small buffer that grows only as far as a line needs,
// up to the same limit.

// maxLine is the longest stream line Chat accepts: the limit of Ollama's
// own client (api's maxBufferSize).
const maxLine = 8 * format.MegaByte

// lineBuf is the size a stream's line buffer starts at; Ollama's lines are
// a few hundred bytes.
const lineBuf = 4 << 10

// maxErrorBody is how much of an HTTP error's body is read for its message.
const maxErrorBody = 64 << 10

var userAgent = fmt.Sprintf("ollama/%s (%s %s) Go/%s", version.Version, runtime.GOARCH, runtime.GOOS, runtime.Version())

// chatLine is one line of an /api/chat stream: a chunk, or an error Ollama
// reports after the stream has begun.
type chatLine struct {
	api.ChatResponse
	Error string `json:"error"`
}

// stream posts areq to /api/chat and calls fn for each chunk. It returns
// fn's error unchanged, and a *jessy.Error for anything else; the caller
// turns errors into ctx's when ctx has ended.
func (p *Provider) stream(ctx context.Context, areq *api.ChatRequest, fn func(api.ChatResponse) error) error {
	body, err := json.Marshal(areq)
	if err != nil {
		return jessy.Errorf(jessy.KindInvalid, "cannot encode the request: %s", err.Error()).WithBackend(p.backend).WithCause(err)
	}
	u := p.base.JoinPath("/api/chat")
	var token string
	if p.base.Hostname() == "ollama.com" {
		// As Ollama's client signs its requests.
		now := strconv.FormatInt(time.Now().Unix(), 10)
		token, err = auth.Sign(ctx, fmt.Appendf(nil, "%s,%s?ts=%s", http.MethodPost, "/api/chat", now))
		if err != nil {
			return jessy.Errorf(jessy.KindAuth, "cannot sign the request: %s", err.Error()).WithBackend(p.backend).WithCause(err)
		}
		q := u.Query()
		q.Set("ts", now)
		u.RawQuery = q.Encode()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return jessy.Errorf(jessy.KindInvalid, "%v", err).WithBackend(p.backend).WithCause(err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/x-ndjson")
	hreq.Header.Set("User-Agent", userAgent)
	if token != "" {
		hreq.Header.Set("Authorization", token)
	}

	resp, err := p.http.Do(hreq)
	if err != nil {
		if isTimeout(err) {
			return jessy.Errorf(jessy.KindTimeout, "timed out").WithBackend(p.backend).WithCause(err)
		}
		return p.unreachable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= http.StatusBadRequest {
		return p.statusError(resp, areq.Model)
	}

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, lineBuf), maxLine)
	for sc.Scan() {
		var line chatLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return p.malformed(sc.Bytes(), err)
		}
		if line.Error != "" {
			// How Ollama reports a failure once the stream has begun.
			e := jessy.Errorf(jessy.KindServer, "%s", clip(line.Error)).WithBackend(p.backend).WithCause(errors.New(line.Error))
			if modelMissing(0, line.Error, areq.Model) {
				e.Kind, e.Hint = jessy.KindModelNotFound, pullHint(areq.Model)
			}
			return e
		}
		if err := fn(line.ChatResponse); err != nil {
			return err
		}
	}
	switch err := sc.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, bufio.ErrTooLong):
		return &jessy.Error{
			Kind:    jessy.KindProtocol,
			Backend: p.backend,
			Message: fmt.Sprintf("line in stream longer than %s", format.HumanBytes(maxLine)),
			Err:     err,
		}
	case isTimeout(err):
		// http.Client.Timeout, or a deadline of the caller's own transport.
		return jessy.Errorf(jessy.KindTimeout, "timed out").WithBackend(p.backend).WithCause(err)
	default:
		return jessy.Errorf(jessy.KindProtocol, "stream ended before done: %s", err.Error()).WithBackend(p.backend).WithCause(err)
	}
}

// statusError is the error for an HTTP error status, with the message of
// the body's {"error": ...}, or the body itself when it is not that.
func (p *Provider) statusError(resp *http.Response, model string) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	var body struct {
		Error string `json:"error"`
	}
	msg := string(bytes.TrimSpace(data))
	if json.Unmarshal(data, &body) == nil {
		msg = body.Error
	}
	se := api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status, ErrorMessage: msg}
	e := &jessy.Error{Backend: p.backend, Err: se}
	p.fromStatus(e, resp.StatusCode, msg, resp.Header, model)
	return e
}

// malformed is the error for a stream line that is not a chunk.
func (p *Provider) malformed(line []byte, err error) error {
	e := &jessy.Error{Kind: jessy.KindProtocol, Backend: p.backend, Err: err}
	t := bytes.TrimSpace(line)
	var syn *json.SyntaxError
	if errors.As(err, &syn) || len(t) == 0 || t[0] != '{' {
		e.Message = fmt.Sprintf("malformed line in stream: %q", clip(string(line[:min(len(line), maxMessage+utf8.UTFMax)])))
	} else {
		// A JSON object with a field of the wrong type.
		e.Message = "malformed response: " + err.Error()
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
