package providertest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jessy-llm/jessy"
)

// OllamaVersion is what the fake Ollama answers on /api/version.
const OllamaVersion = "0.11.4"

// NewOllama starts a fake Ollama server that speaks Ollama's native API. It
// is closed when t ends.
//
// Every POST /api/chat and POST /api/embed takes the next reply of script:
//
//   - /api/chat streams NDJSON unless the request says "stream": false, as
//     Ollama does: one line per reasoning piece (message.thinking), one per
//     chunk (message.content), then a line with "done": true, done_reason,
//     prompt_eval_count and eval_count from Reply.Usage. A non-2xx Reply
//     sends {"error": Message} with that status. A 2xx Reply with a Message
//     streams its chunks and then the line {"error": Message} in place of
//     the done line, which is how Ollama reports a failure after the stream
//     has begun.
//   - /api/embed answers with deterministic vectors of EmbedDims
//     numbers: a signed, hashed bag of the input's words, normalised, so
//     texts sharing words are close. Of the reply only Status, Message,
//     Delay and Hang are used.
//
// GET /api/tags lists models (stories260k when none are given), GET /api/ps
// lists those of them that a chat or embed request has named so far, and
// GET /api/version answers OllamaVersion. The script alone decides chat
// replies: a model missing from the list is not refused unless the script
// says so (Reply{Status: 404, ...}).
func NewOllama(t testing.TB, script Script, models ...string) *Server {
	if len(models) == 0 {
		models = []string{"stories260k"}
	}
	st := &ollamaState{models: models, used: make(map[string]bool)}
	return newServer(t, script, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) { st.chat(s, w, r) })
		mux.HandleFunc("POST /api/embed", func(w http.ResponseWriter, r *http.Request) { st.embed(s, w, r) })
		mux.HandleFunc("GET /api/tags", st.tags)
		mux.HandleFunc("GET /api/ps", st.ps)
		mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, _ *http.Request) {
			ollamaJSON(w, http.StatusOK, map[string]string{"version": OllamaVersion})
		})
		mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("Ollama is running"))
		})
		return mux
	})
}

// ollamaState is what a fake Ollama remembers between requests.
type ollamaState struct {
	models []string
	mu     sync.Mutex
	used   map[string]bool
}

func (st *ollamaState) use(model string) {
	st.mu.Lock()
	st.used[model] = true
	st.mu.Unlock()
}

// ollamaChatRequest is the part of Ollama's /api/chat request the fake reads.
type ollamaChatRequest struct {
	Model    string          `json:"model"`
	Messages []jessy.Message `json:"messages"`
	Stream   *bool           `json:"stream"`
	Options  struct {
		NumPredict int `json:"num_predict"`
	} `json:"options"`
}

func (st *ollamaState) chat(s *Server, w http.ResponseWriter, r *http.Request) {
	var in ollamaChatRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		ollamaJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	stream := in.Stream == nil || *in.Stream
	reply, end := s.begin(Request{
		Path:      r.URL.Path,
		Model:     in.Model,
		Messages:  in.Messages,
		MaxTokens: in.Options.NumPredict,
		Stream:    stream,
		Header:    r.Header.Clone(),
	})
	defer end()
	st.use(in.Model)
	play(w, r, reply, ollamaWire(in.Model, reply), stream)
}

// ollamaWire is Ollama's NDJSON chat format for one reply to model.
func ollamaWire(model string, reply Reply) wire {
	line := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic("providertest: " + err.Error())
		}
		return string(b) + "\n"
	}
	chunk := func(content, thinking string, done bool, u jessy.Usage) map[string]any {
		msg := map[string]any{"role": "assistant", "content": content}
		if thinking != "" {
			msg["thinking"] = thinking
		}
		m := map[string]any{
			"model":      model,
			"created_at": time.Now().UTC().Format(time.RFC3339Nano),
			"message":    msg,
			"done":       done,
		}
		if done {
			m["done_reason"] = "stop"
			m["total_duration"] = 1_000_000
			m["prompt_eval_count"] = u.PromptTokens
			m["eval_count"] = u.CompletionTokens
		}
		return m
	}
	return wire{
		contentType: "application/x-ndjson",
		errorBody: func(status int, msg string) string {
			if msg == "" {
				msg = http.StatusText(status)
			}
			return line(map[string]string{"error": msg})
		},
		reasoning: func(text string) string { return line(chunk("", text, false, jessy.Usage{})) },
		chunk:     func(text string) string { return line(chunk(text, "", false, jessy.Usage{})) },
		end: func(u jessy.Usage) string {
			if reply.Message != "" {
				return line(map[string]string{"error": reply.Message})
			}
			return line(chunk("", "", true, u))
		},
		whole: func(text, reasoning string, u jessy.Usage) string {
			if reply.Message != "" {
				return line(map[string]string{"error": reply.Message})
			}
			return line(chunk(text, reasoning, true, u))
		},
	}
}

func (st *ollamaState) embed(s *Server, w http.ResponseWriter, r *http.Request) {
	var in struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		ollamaJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(in.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(in.Input, &inputs); err != nil {
		ollamaJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid input type"})
		return
	}
	msgs := make([]jessy.Message, len(inputs))
	for i, text := range inputs {
		msgs[i] = jessy.Message{Role: jessy.RoleUser, Content: text}
	}
	reply, end := s.begin(Request{Path: r.URL.Path, Model: in.Model, Messages: msgs, Header: r.Header.Clone()})
	defer end()
	st.use(in.Model)

	if reply.Delay > 0 {
		t := time.NewTimer(reply.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	if reply.Hang {
		<-r.Context().Done()
		return
	}
	if reply.Status != 0 && reply.Status/100 != 2 {
		msg := reply.Message
		if msg == "" {
			msg = http.StatusText(reply.Status)
		}
		ollamaJSON(w, reply.Status, map[string]string{"error": msg})
		return
	}
	vecs := make([][]float64, len(inputs))
	words := 0
	for i, text := range inputs {
		vecs[i] = Embedding(text)
		words += len(jessy.Words(text))
	}
	ollamaJSON(w, http.StatusOK, map[string]any{
		"model":             in.Model,
		"embeddings":        vecs,
		"prompt_eval_count": words,
	})
}

func (st *ollamaState) tags(w http.ResponseWriter, _ *http.Request) {
	type model struct {
		Name       string `json:"name"`
		Model      string `json:"model"`
		ModifiedAt string `json:"modified_at"`
		Size       int64  `json:"size"`
		Digest     string `json:"digest"`
	}
	out := []model{}
	for _, name := range st.models {
		out = append(out, model{Name: name, Model: name, ModifiedAt: "2026-01-01T00:00:00Z", Size: 1 << 20, Digest: "0000"})
	}
	ollamaJSON(w, http.StatusOK, map[string]any{"models": out})
}

func (st *ollamaState) ps(w http.ResponseWriter, _ *http.Request) {
	type model struct {
		Name      string `json:"name"`
		Model     string `json:"model"`
		Size      int64  `json:"size"`
		ExpiresAt string `json:"expires_at"`
		SizeVRAM  int64  `json:"size_vram"`
	}
	st.mu.Lock()
	used := make([]string, 0, len(st.used))
	for name := range st.used {
		if slices.Contains(st.models, name) {
			used = append(used, name)
		}
	}
	st.mu.Unlock()
	slices.Sort(used)
	out := []model{}
	for _, name := range used {
		out = append(out, model{Name: name, Model: name, Size: 1 << 20, ExpiresAt: "2099-01-01T00:00:00Z"})
	}
	ollamaJSON(w, http.StatusOK, map[string]any{"models": out})
}

func ollamaJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
