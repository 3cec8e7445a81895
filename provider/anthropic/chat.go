package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/jessy-llm/jessy"
)

// Chat streams a message (POST /v1/messages with "stream": true) to fn:
// text deltas as Delta.Text, thinking deltas as Delta.Reasoning. System
// messages go to the system parameter; consecutive messages of one role
// become one message with several text blocks, since the API wants turns to
// alternate. max_tokens is req.MaxTokens, or the Config's default.
// req.Temperature is not sent: the API version the SDK speaks (2026-10-21)
// has no sampling temperature.
//
// The usage is the input tokens of message_start (cached ones included) and
// the output tokens of the last message_delta. Chat implements
// jessy.Provider: fn's error is returned unchanged, ctx ends the call
// promptly, and every other error is a *jessy.Error; an error event inside
// the stream becomes one with its message, and a stream that ends without
// message_stop is KindProtocol.
func (p *Provider) Chat(ctx context.Context, req jessy.ChatRequest, fn func(jessy.Delta) error) (jessy.Usage, error) {
	params, err := p.params(req)
	if err != nil {
		return jessy.Usage{}, err
	}
	var res *http.Response
	stream := p.messages.NewStreaming(ctx, params, option.WithResponseInto(&res))
	defer stream.Close()
	if err := stream.Err(); err != nil {
		return jessy.Usage{}, p.wrap(ctx, err, res)
	}
	var usage jessy.Usage
	for stream.Next() {
		if ctx.Err() != nil {
			// Events already buffered must not reach fn after a cancel.
			return usage, p.ctxError(ctx)
		}
		ev := stream.Current()
		switch ev.Type {
		case "message_start":
			u := ev.Message.Usage
			usage.PromptTokens = int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens)
			usage.CompletionTokens = int(u.OutputTokens)
		case "content_block_delta":
			var d jessy.Delta
			switch ev.Delta.Type {
			case "text_delta":
				d.Text = ev.Delta.Text
			case "thinking_delta":
				d.Reasoning = ev.Delta.Thinking
			}
			if d.Text == "" && d.Reasoning == "" {
				continue
			}
			if err := fn(d); err != nil {
				return usage, err
			}
		case "message_delta":
			u := ev.Usage
			usage.CompletionTokens = int(u.OutputTokens)
			if in := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens; in > 0 {
				usage.PromptTokens = int(in)
			}
		case "message_stop":
			return usage, nil
		}
	}
	return usage, p.streamEnd(ctx, stream.Err())
}

// params translates req.
func (p *Provider) params(req jessy.ChatRequest) (anthropic.MessageNewParams, error) {
	params := anthropic.MessageNewParams{Model: req.Model, MaxTokens: int64(p.maxTokens)}
	if req.MaxTokens > 0 {
		params.MaxTokens = int64(req.MaxTokens)
	}
	var last jessy.Role
	for _, m := range req.Messages {
		if m.Content == "" {
			continue // the API refuses empty text blocks
		}
		block := anthropic.NewTextBlock(m.Content)
		switch {
		case m.Role == jessy.RoleSystem:
			params.System = append(params.System, anthropic.TextBlockParam{Text: m.Content})
		case m.Role == last:
			prev := &params.Messages[len(params.Messages)-1]
			if prev.OfUser != nil {
				prev.OfUser.Content = append(prev.OfUser.Content, block)
			} else {
				prev.OfAssistant.Content = append(prev.OfAssistant.Content, block)
			}
		case m.Role == jessy.RoleUser:
			params.Messages = append(params.Messages, anthropic.NewUserMessage(block))
			last = m.Role
		case m.Role == jessy.RoleAssistant:
			params.Messages = append(params.Messages, anthropic.NewAssistantMessage(block))
			last = m.Role
		default:
			return params, jessy.Errorf(jessy.KindInvalid, "unknown message role %s", string(m.Role)).WithBackend(p.backend)
		}
	}
	if len(params.Messages) == 0 {
		return params, jessy.Errorf(jessy.KindInvalid, "no user or assistant message to send").WithBackend(p.backend)
	}
	return params, nil
}

// streamEnd is the error for a stream that stopped before message_stop,
// err being the stream's own error, if any.
func (p *Provider) streamEnd(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return p.ctxError(ctx)
	}
	var aerr *anthropic.Error
	var syn *json.SyntaxError
	var ne net.Error
	switch {
	case errors.As(err, &aerr):
		// An error event inside the stream.
		return p.eventError(string(aerr.Type()), aerr.Message, err)
	case errors.As(err, &syn):
		return p.protocolError("malformed event", err)
	case errors.As(err, &ne) && ne.Timeout():
		return jessy.Errorf(jessy.KindTimeout, "stream timed out").WithBackend(p.backend).WithCause(err)
	}
	return p.protocolError("stream ended before message_stop", err)
}
