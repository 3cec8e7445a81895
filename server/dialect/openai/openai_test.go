package openai

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

func msgs(t *testing.T, body string) []Message {
	t.Helper()
	var m []Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConversation(t *testing.T) {
	for _, c := range []struct {
		name, body  string
		want        []jessy.Message
		code, param string
	}{
		{"string and parts", `[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"input_text","text":"b"}]}]`,
			[]jessy.Message{{Role: jessy.RoleSystem, Content: "be brief"}, {Role: jessy.RoleUser, Content: "a\nb"}}, "", ""},
		{"tool result reads as user", `[{"role":"user","content":"q"},{"role":"assistant","content":null},{"role":"tool","content":"42"}]`,
			[]jessy.Message{{Role: jessy.RoleUser, Content: "q"}, {Role: jessy.RoleAssistant}, {Role: jessy.RoleUser, Content: "42"}}, "", ""},
		{"none", `[]`, nil, "invalid_value", "messages"},
		{"too many", `[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}]`, nil, "limit_exceeded", "messages"},
		{"too long", `[{"role":"user","content":"` + strings.Repeat("é", 11) + `"}]`, nil, "limit_exceeded", "messages[0].content"},
		{"bad role", `[{"role":"robot","content":"a"}]`, nil, "invalid_value", "messages[0].role"},
		{"bad content", `[{"role":"user","content":7}]`, nil, "invalid_value", "messages[0].content"},
		{"no question", `[{"role":"system","content":"s"},{"role":"user","content":"  "}]`, nil, "invalid_value", "messages"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conv, err := Conversation(msgs(t, c.body), 2+len(c.want)/2, 10)
			var pe *ParamError
			switch {
			case c.code == "" && err != nil:
				t.Fatalf("err %v", err)
			case c.code == "":
				if len(conv) != len(c.want) {
					t.Fatalf("conv %v, want %v", conv, c.want)
				}
				for i := range conv {
					if conv[i] != c.want[i] {
						t.Errorf("message %d = %+v, want %+v", i, conv[i], c.want[i])
					}
				}
			case !errors.As(err, &pe) || pe.Code != c.code || pe.Param != c.param:
				t.Errorf("err %#v, want code %s param %s", err, c.code, c.param)
			}
		})
	}
}

func TestUsageAndReasoning(t *testing.T) {
	res := &jessy.Result{
		Thoughts: []jessy.Thought{
			{Index: 0, Angle: "A", Call: jessy.Call{Status: jessy.StatusOK, Text: " one ", Usage: jessy.Usage{PromptTokens: 10, CompletionTokens: 5}}},
			{Index: 1, Angle: "B", Call: jessy.Call{Status: jessy.StatusFailed, Err: jessy.Errorf(jessy.KindTimeout, "slow")}},
			{Index: 2, Angle: "C", Call: jessy.Call{Status: jessy.StatusSkipped}},
		},
		Synthesis: jessy.Call{Reasoning: "mine", Usage: jessy.Usage{PromptTokens: 20, CompletionTokens: 7}},
		Usage:     jessy.Usage{PromptTokens: 30, CompletionTokens: 12},
	}
	u := UsageOf(res)
	if u.PromptTokens != 30 || u.CompletionTokens != 12 || u.TotalTokens != 42 || u.CompletionTokensDetails.ReasoningTokens != 5 {
		t.Errorf("usage %+v", u)
	}
	want := "### Thought 1 of 3: A\n\none\n\n### Thought 2 of 3: B\n\n(failed: timeout)\n\nmine"
	if got := ReasoningOf(res); got != want {
		t.Errorf("reasoning %q, want %q", got, want)
	}
}

func TestErrorBody(t *testing.T) {
	b, _ := json.Marshal(NewErrorBody("m", "invalid_request_error", "invalid_value", "temperature"))
	if string(b) != `{"error":{"message":"m","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}` {
		t.Errorf("%s", b)
	}
	b, _ = json.Marshal(NewErrorBody("m", "server_error", "", ""))
	if string(b) != `{"error":{"message":"m","type":"server_error","param":null}}` {
		t.Errorf("%s", b)
	}
}

func FuzzConversation(f *testing.F) {
	for _, s := range []string{`[{"role":"user","content":"hi"}]`, `[{"role":"user","content":[{"type":"text","text":"x"}]}]`, `[{"role":"x","content":null}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var m []Message
		if json.Unmarshal([]byte(body), &m) != nil {
			return
		}
		conv, err := Conversation(m, 50, 1000)
		if err == nil && strings.TrimSpace(jessy.LastUserContent(conv)) == "" {
			t.Errorf("accepted a conversation with no question: %v", conv)
		}
	})
}
