package providertest

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

// post sends body to path on srv and returns the response's lines.
func post(t *testing.T, srv *Server, path, body string) (int, []map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, lines
}

func TestOllamaChatStreamShapes(t *testing.T) {
	reply := Reply{Reasoning: []string{"hm"}, Chunks: []string{"Once", " upon"}, Usage: jessy.Usage{PromptTokens: 3, CompletionTokens: 2}}
	tests := []struct {
		name   string
		body   string
		reply  Reply
		stream bool
		want   []string // per line: thinking|content|done|error
	}{
		{"streams by default", `{"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"num_predict":5}}`, reply, true,
			[]string{"thinking", "content", "content", "done"}},
		{"stream false is one object", `{"model":"m","stream":false,"messages":[]}`, reply, false,
			[]string{"done"}},
		{"error after the chunks", `{"model":"m","messages":[]}`, Reply{Chunks: []string{"a"}, Message: "boom"}, true,
			[]string{"content", "error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewOllama(t, Always(tt.reply))
			status, lines := post(t, srv, "/api/chat", tt.body)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			var got []string
			for _, l := range lines {
				msg, _ := l["message"].(map[string]any)
				switch {
				case l["error"] != nil:
					got = append(got, "error")
				case l["done"] == true:
					got = append(got, "done")
				case msg["thinking"] != nil:
					got = append(got, "thinking")
				default:
					got = append(got, "content")
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("lines %v, want %v", got, tt.want)
			}
			last := lines[len(lines)-1]
			if tt.want[len(tt.want)-1] == "done" {
				if last["done_reason"] != "stop" || last["prompt_eval_count"] != 3.0 || last["eval_count"] != 2.0 {
					t.Errorf("done line %v, want done_reason and the usage", last)
				}
				if !tt.stream && last["message"].(map[string]any)["content"] != "Once upon" {
					t.Errorf("whole reply %v, want the joined chunks", last)
				}
			}
			if req := srv.Requests()[0]; req.Stream != tt.stream {
				t.Errorf("recorded Stream = %v, want %v", req.Stream, tt.stream)
			}
		})
	}
	srv := NewOllama(t, Always(reply))
	post(t, srv, "/api/chat", tests[0].body)
	if req := srv.Requests()[0]; req.MaxTokens != 5 || req.Model != "m" || jessy.LastUserContent(req.Messages) != "hi" {
		t.Errorf("recorded %+v, want model m, num_predict 5 and the message", req)
	}
}

func TestOllamaErrorBody(t *testing.T) {
	srv := NewOllama(t, Always(Reply{Status: 404, Message: `model "x" not found, try pulling it first`}))
	status, lines := post(t, srv, "/api/chat", `{"model":"x","messages":[]}`)
	if status != 404 || len(lines) != 1 || lines[0]["error"] != `model "x" not found, try pulling it first` {
		t.Errorf("got %d %v, want 404 with Ollama's error body", status, lines)
	}
}

func TestOllamaPsListsUsedModels(t *testing.T) {
	srv := NewOllama(t, Always(Text("hi")), "a", "b")
	get := func(path string) []string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Models []struct{ Name string } }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range out.Models {
			names = append(names, m.Name)
		}
		return names
	}
	if got := get("/api/ps"); len(got) != 0 {
		t.Errorf("ps before use = %v, want none", got)
	}
	post(t, srv, "/api/chat", `{"model":"b","messages":[]}`)
	if got := strings.Join(get("/api/tags"), ","); got != "a,b" {
		t.Errorf("tags = %v, want a,b", got)
	}
	if got := strings.Join(get("/api/ps"), ","); got != "b" {
		t.Errorf("ps = %v, want b", got)
	}
}

func TestEmbedding(t *testing.T) {
	a := Embedding("The cat sat.")
	if len(a) != EmbedDims {
		t.Fatalf("len %d, want %d", len(a), EmbedDims)
	}
	var norm float64
	for _, x := range a {
		norm += x * x
	}
	if math.Abs(norm-1) > 1e-9 {
		t.Errorf("norm² = %v, want 1", norm)
	}
	b := Embedding("the CAT sat")
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("case and punctuation changed the vector: %v vs %v", a, b)
		}
	}
	for _, x := range Embedding(" ... ") {
		if x != 0 {
			t.Fatal("a text without words should give the zero vector")
		}
	}
}
