package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/respjson"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/jessy-llm/jessy"
)

// reasoningFields are the non-standard delta fields servers put reasoning
// in: reasoning_content (vLLM, llama.cpp, DeepSeek, LM Studio) and reasoning
// (Ollama, OpenRouter).
var reasoningFields = []string{"reasoning_content", "reasoning"}

// Chat streams a chat completion (POST /chat/completions with "stream": true
// and stream_options.include_usage) to fn, answer text as Delta.Text and
// reasoning_content as Delta.Reasoning. It returns the usage of the final
// chunk, or zero when the server sent none. It implements jessy.Provider:
// fn's error is returned unchanged, ctx ends the call promptly, and every
// other error is a *jessy.Error. A stream that ends without [DONE] (and
// without a finish_reason) is KindProtocol.
func (p *Provider) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	params, err := p.chatParams(req)
	if err != nil {
		return jessy.Usage{}, err
	}
	var res *http.Response
	_, err = p.chat.New(ctx, params,
		option.WithJSONSet("stream", true),
		option.WithResponseBodyInto(&res))
	if err != nil {
		return jessy.Usage{}, p.wrap(ctx, err, res)
	}
	defer res.Body.Close()
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == "application/json" {
		// A server that ignored "stream" and answered in one piece.
		return p.whole(ctx, res.Body, fn)
	}
	return p.stream(ctx, res, fn)
}

// chatParams translates req.
func (p *Provider) chatParams(req jessy.ChatRequest) (openai.ChatCompletionNewParams, error) {
	params := openai.ChatCompletionNewParams{
		Model:         req.Model,
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	for _, m := range req.Messages {
		switch m.Role {
		case jessy.RoleSystem:
			params.Messages = append(params.Messages, openai.SystemMessage(m.Content))
		case jessy.RoleUser:
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		case jessy.RoleAssistant:
			params.Messages = append(params.Messages, openai.AssistantMessage(m.Content))
		default:
			return params, jessy.Errorf(jessy.KindInvalid, "unknown message role %s", string(m.Role)).WithBackend(p.backend)
		}
	}
	if len(params.Messages) == 0 {
		return params, jessy.Errorf(jessy.KindInvalid, "no messages to send").WithBackend(p.backend)
	}
	// max_tokens, not max_completion_tokens: vLLM, llama.cpp, Ollama and
	// LM Studio all read max_tokens, and OpenAI still accepts it.
	if req.MaxTokens > 0 {
		params.MaxTokens = openai.Int(int64(req.MaxTokens))
	}
	if req.Temperature != nil {
		params.Temperature = openai.Float(*req.Temperature)
	}
	return params, nil
}

// stream reads the server-sent events of res.
func (p *Provider) stream(ctx context.Context, res *http.Response, fn func(jessy.Delta) error) (jessy.Usage, error) {
	dec := ssestream.NewDecoder(res)
	defer dec.Close()
	var usage jessy.Usage
	finished := false
	for dec.Next() {
		if ctx.Err() != nil {
			// Events already buffered must not reach fn after a cancel.
			return usage, p.ctxError(ctx)
		}
		ev := dec.Event()
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 {
			continue
		}
		if string(data) == "[DONE]" {
			return usage, nil
		}
		var probe struct {
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return usage, p.protocolError("malformed chunk", err)
		}
		if len(probe.Error) > 0 && string(probe.Error) != "null" {
			return usage, p.streamError(probe.Error)
		}
		var chunk openai.ChatCompletionChunk
		if err := json.Unmarshal(data, &chunk); err != nil {
			return usage, p.protocolError("malformed chunk", err)
		}
		if chunk.JSON.Usage.Valid() {
			usage = jessy.Usage{PromptTokens: int(chunk.Usage.PromptTokens), CompletionTokens: int(chunk.Usage.CompletionTokens)}
		}
		for _, c := range chunk.Choices {
			if c.Index != 0 {
				continue
			}
			if c.FinishReason != "" {
				finished = true
			}
			d := jessy.Delta{Text: c.Delta.Content, Reasoning: reasoning(c.Delta.JSON.ExtraFields)}
			if d.Text == "" && d.Reasoning == "" {
				continue
			}
			if err := fn(d); err != nil {
				return usage, err
			}
		}
	}
	if ctx.Err() != nil {
		return usage, p.ctxError(ctx)
	}
	err := dec.Err()
	var ne net.Error
	switch {
	case err != nil && errors.As(err, &ne) && ne.Timeout():
		return usage, jessy.Errorf(jessy.KindTimeout, "stream timed out").WithBackend(p.backend).WithCause(err)
	case err != nil:
		return usage, p.protocolError("stream ended before [DONE]", err)
	case finished:
		// Every choice finished and the body ended cleanly: accept a server
		// that leaves [DONE] out.
		return usage, nil
	}
	return usage, p.protocolError("stream ended before [DONE]", nil)
}

// reasoning returns the reasoning text among a delta's extra fields.
func reasoning(extra map[string]respjson.Field) string {
	for _, name := range reasoningFields {
		f, ok := extra[name]
		if !ok {
			continue
		}
		var s string
		if raw := f.Raw(); raw != "" && json.Unmarshal([]byte(raw), &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// whole reads a non-streamed chat.completion and gives it to fn as one
// delta.
func (p *Provider) whole(ctx context.Context, body io.Reader, fn func(jessy.Delta) error) (jessy.Usage, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		if ctx.Err() != nil {
			return jessy.Usage{}, p.ctxError(ctx)
		}
		return jessy.Usage{}, p.protocolError("unreadable response", err)
	}
	var probe struct {
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return jessy.Usage{}, p.protocolError("malformed response", err)
	}
	if len(probe.Error) > 0 && string(probe.Error) != "null" {
		return jessy.Usage{}, p.streamError(probe.Error)
	}
	var cc openai.ChatCompletion
	if err := json.Unmarshal(data, &cc); err != nil {
		return jessy.Usage{}, p.protocolError("malformed response", err)
	}
	if len(cc.Choices) == 0 {
		return jessy.Usage{}, p.protocolError("response without choices", nil)
	}
	usage := jessy.Usage{PromptTokens: int(cc.Usage.PromptTokens), CompletionTokens: int(cc.Usage.CompletionTokens)}
	msg := cc.Choices[0].Message
	d := jessy.Delta{Text: msg.Content, Reasoning: reasoning(msg.JSON.ExtraFields)}
	if d.Text != "" || d.Reasoning != "" {
		if err := fn(d); err != nil {
			return usage, err
		}
	}
	return usage, nil
}
