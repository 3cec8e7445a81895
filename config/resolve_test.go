package config

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/prompt"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var noEnv = envOf(nil)

func ptr[T any](v T) *T { return &v }

func mustResolve(t *testing.T, f *File, profile string, env map[string]string, o Overrides) *Settings {
	t.Helper()
	s, err := Resolve(f, profile, envOf(env), o)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return s
}

// Each layer overrides the one below, field by field: a profile that sets
// one field leaves the others to the file, and a flag to one field leaves
// the others to the profile.
func TestPrecedenceRunOptions(t *testing.T) {
	fields := []struct {
		key  string
		vals [3]string // in the file, in the profile, as the flag
		flag func(*Overrides)
		get  func(*Settings) any
		want [4]any // default, file, profile, flag
	}{
		{"thoughts", [3]string{"3", "4"}, func(o *Overrides) { o.Thoughts = &Count{N: 5} },
			func(s *Settings) any { return s.Run.Thoughts }, [4]any{8, 3, 4, 5}},
		{"thoughts", [3]string{"3", "auto"}, func(o *Overrides) { o.Thoughts = &Count{N: 5} },
			func(s *Settings) any { return fmt.Sprint(s.Run.Thoughts, s.Run.ThoughtsAuto) }, [4]any{"8 false", "3 false", "8 true", "5 false"}},
		{"concurrency", [3]string{"2", "3"}, func(o *Overrides) { o.Concurrency = &Count{N: 1} },
			func(s *Settings) any { return s.Run.Concurrency }, [4]any{8, 2, 3, 1}},
		{"concurrency", [3]string{"2", "auto"}, func(o *Overrides) { o.Concurrency = &Count{N: 1} },
			func(s *Settings) any { return s.Run.ConcurrencyAuto }, [4]any{true, false, true, false}},
		{"quorum", [3]string{"5", "6"}, func(o *Overrides) { o.Quorum = ptr(7) },
			func(s *Settings) any { return s.Run.Quorum }, [4]any{0, 5, 6, 7}},
		{"grace", [3]string{"200ms", "0.5x"}, func(o *Overrides) { o.Grace = ptr("1s") },
			func(s *Settings) any { return s.Run.Grace.String() }, [4]any{"0s", "200ms", "0.5x", "1s"}},
		{"speculative", [3]string{"true", "false"}, func(o *Overrides) { o.Speculative = ptr(true) },
			func(s *Settings) any { return s.Run.Speculative }, [4]any{false, true, false, true}},
		{"strategy", [3]string{"samples", "angles"}, func(o *Overrides) { o.Strategy = ptr("samples") },
			func(s *Settings) any { return string(s.Run.Strategy) }, [4]any{"angles", "samples", "angles", "samples"}},
		{"agree_count", [3]string{"3", "4"}, func(o *Overrides) { o.AgreeCount = ptr(5) },
			func(s *Settings) any { return s.Run.AgreeCount }, [4]any{0, 3, 4, 5}},
		{"agree_threshold", [3]string{"0.7", "0.8"}, func(o *Overrides) { o.AgreeThreshold = ptr(0.9) },
			func(s *Settings) any { return s.Run.AgreeThreshold }, [4]any{0.0, 0.7, 0.8, 0.9}},
		{"agree_lexical", [3]string{"true", "false"}, func(o *Overrides) { o.AgreeLexical = ptr(true) },
			func(s *Settings) any { return s.Run.AgreeLexical }, [4]any{false, true, false, true}},
		{"embed_model", [3]string{"e1", "e2"}, func(o *Overrides) { o.EmbedModel = ptr("e3") },
			func(s *Settings) any { return s.Run.EmbedModel }, [4]any{"", "e1", "e2", "e3"}},
		{"batch", [3]string{"true", "false"}, func(o *Overrides) { o.Batch = ptr(true) },
			func(s *Settings) any { return s.Run.Batch }, [4]any{false, true, false, true}},
		{"max_tokens", [3]string{"100", "200"}, func(o *Overrides) { o.MaxTokens = ptr(300) },
			func(s *Settings) any { return s.Run.MaxTokens }, [4]any{256, 100, 200, 300}},
		{"synthesis_max_tokens", [3]string{"100", "200"}, func(o *Overrides) { o.SynthesisMaxTokens = ptr(300) },
			func(s *Settings) any { return s.Run.SynthesisMaxTokens }, [4]any{1024, 100, 200, 300}},
		{"temperature", [3]string{"0.5", "1.5"}, func(o *Overrides) { o.Temperature = ptr(0.0) },
			func(s *Settings) any {
				if s.Run.Temperature == nil {
					return nil
				}
				return *s.Run.Temperature
			}, [4]any{nil, 0.5, 1.5, 0.0}},
		{"thought_timeout", [3]string{"1m", "2m"}, func(o *Overrides) { o.ThoughtTimeout = ptr(3 * time.Minute) },
			func(s *Settings) any { return s.Run.ThoughtTimeout }, [4]any{DefaultThoughtTimeout, time.Minute, 2 * time.Minute, 3 * time.Minute}},
		{"synthesis_timeout", [3]string{"1m", "2m"}, func(o *Overrides) { o.SynthesisTimeout = ptr(time.Duration(0)) },
			func(s *Settings) any { return s.Run.SynthesisTimeout }, [4]any{time.Duration(0), time.Minute, 2 * time.Minute, time.Duration(0)}},
		{"timeout", [3]string{"1m", "0s"}, func(o *Overrides) { o.Timeout = ptr(time.Hour) },
			func(s *Settings) any { return s.Run.Timeout }, [4]any{DefaultTimeout, time.Minute, time.Duration(0), time.Hour}},
		{"retries", [3]string{"0", "5"}, func(o *Overrides) { o.Retries = ptr(1) },
			func(s *Settings) any { return s.Run.Retries }, [4]any{2, 0, 5, 1}},
		{"min_thoughts", [3]string{"2", "3"}, func(o *Overrides) { o.MinThoughts = ptr(4) },
			func(s *Settings) any { return s.Run.MinThoughts }, [4]any{1, 2, 3, 4}},
		{"mode", [3]string{"sequential", "parallel"}, func(o *Overrides) { o.Mode = ptr(jessy.ModeSequential) },
			func(s *Settings) any { return s.Run.Mode }, [4]any{jessy.ModeParallel, jessy.ModeSequential, jessy.ModeParallel, jessy.ModeSequential}},
		{"model", [3]string{"file-m", "prof-m"}, func(o *Overrides) { o.Model = ptr("flag-m") },
			func(s *Settings) any { return s.Thinkers[0].Model + "|" + s.Synthesizer.Model }, [4]any{"|", "file-m|file-m", "prof-m|prof-m", "flag-m|flag-m"}},
	}
	for _, fl := range fields {
		t.Run(fl.key, func(t *testing.T) {
			// other is a field the profile sets, so the profile is in play
			// even where it leaves fl.key to the file.
			other := "retries: 7"
			if fl.key == "retries" {
				other = "max_tokens: 7"
			}
			fileOnly := mustParse(t, fmt.Sprintf("defaults:\n  %s: %s\nprofiles:\n  p:\n    defaults: {%s}\n", fl.key, fl.vals[0], other))
			both := mustParse(t, fmt.Sprintf("defaults:\n  %s: %s\nprofiles:\n  p:\n    defaults: {%s: %s}\n", fl.key, fl.vals[0], fl.key, fl.vals[1]))
			var flags Overrides
			fl.flag(&flags)
			layers := []struct {
				name string
				s    *Settings
			}{
				{"default", mustResolve(t, nil, "", nil, Overrides{})},
				{"file", mustResolve(t, fileOnly, "p", nil, Overrides{})},
				{"profile", mustResolve(t, both, "p", nil, Overrides{})},
				{"flag", mustResolve(t, both, "p", nil, flags)},
			}
			for i, l := range layers {
				if got := fl.get(l.s); got != fl.want[i] {
					t.Errorf("%s layer: %s = %v (%T), want %v (%T)", l.name, fl.key, got, got, fl.want[i], fl.want[i])
				}
			}
		})
	}
}

func TestPrecedenceModelEnv(t *testing.T) {
	f := mustParse(t, "defaults: {model: file-m}\nprofiles:\n  p:\n    defaults: {model: prof-m}\n")
	env := map[string]string{EnvModel: "env-m"}
	if s := mustResolve(t, f, "p", env, Overrides{}); s.Thinkers[0].Model != "env-m" {
		t.Errorf("LLM_MODEL under a profile: model = %q, want env-m", s.Thinkers[0].Model)
	}
	if s := mustResolve(t, f, "p", env, Overrides{Model: ptr("flag-m")}); s.Thinkers[0].Model != "flag-m" {
		t.Errorf("--model over LLM_MODEL: model = %q, want flag-m", s.Thinkers[0].Model)
	}
}

func TestPrecedenceBackend(t *testing.T) {
	f := mustParse(t, `
backends:
  - {name: o1, kind: ollama}
  - {name: o2, kind: ollama}
  - {name: x1, kind: openai, base_url: "http://127.0.0.1:8000/v1"}
  - {name: x2, kind: openai, base_url: "http://127.0.0.1:8001/v1"}
profiles:
  p:
    defaults: {backend: x2}
  q:
    defaults: {model: m}
`)
	noDefault := mustParse(t, "backends:\n  - {name: o1, kind: ollama}\n  - {name: x1, kind: openai}\n")
	withDefault := mustParse(t, "backends:\n  - {name: o1, kind: ollama}\n  - {name: o2, kind: ollama}\n  - {name: x1, kind: openai}\ndefaults: {backend: o2}\n")
	tests := []struct {
		name    string
		f       *File
		profile string
		env     map[string]string
		flags   Overrides
		want    string
	}{
		{"no file", nil, "", nil, Overrides{}, "ollama"},
		{"first of the file", noDefault, "", nil, Overrides{}, "o1"},
		{"the file's default", withDefault, "", nil, Overrides{}, "o2"},
		{"profile without a backend keeps the file's", f, "q", nil, Overrides{}, "o1"},
		{"profile", f, "p", nil, Overrides{}, "x2"},
		{"LLM_PROVIDER keeps the default of its kind", withDefault, "", map[string]string{EnvProvider: "ollama"}, Overrides{}, "o2"},
		{"LLM_PROVIDER takes the first of its kind", withDefault, "", map[string]string{EnvProvider: "openai"}, Overrides{}, "x1"},
		{"LLM_PROVIDER over a profile", f, "p", map[string]string{EnvProvider: "ollama"}, Overrides{}, "o1"},
		{"LLM_PROVIDER of a kind the file lacks", f, "", map[string]string{EnvProvider: "anthropic"}, Overrides{}, "anthropic"},
		{"LLM_PROVIDER in capitals", nil, "", map[string]string{EnvProvider: " OpenAI "}, Overrides{}, "openai"},
		{"flag over LLM_PROVIDER", f, "p", map[string]string{EnvProvider: "anthropic"}, Overrides{Backend: ptr("o2")}, "o2"},
		{"flag naming a kind", f, "", nil, Overrides{Backend: ptr("anthropic")}, "anthropic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustResolve(t, tt.f, tt.profile, tt.env, tt.flags)
			if s.Thinkers[0].Backend != tt.want || s.Synthesizer.Backend != tt.want {
				t.Errorf("backends: thinker %q, synthesizer %q; want %q", s.Thinkers[0].Backend, s.Synthesizer.Backend, tt.want)
			}
			if b := s.Backend(tt.want); b == nil || !b.Used {
				t.Errorf("backend %q missing or not marked used: %+v", tt.want, s.Backends)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	f := mustParse(t, "backends:\n  - {name: pinned, kind: ollama, base_url: 'http://gpu:11434/'}\n  - {name: loose, kind: ollama}\n  - {name: oa, kind: openai}\n  - {name: an, kind: anthropic}\n")
	tests := []struct {
		name, backend string
		env           map[string]string
		want          string
	}{
		{"ollama default", "loose", nil, DefaultOllamaURL},
		{"OLLAMA_HOST", "loose", map[string]string{EnvOllamaHost: "http://box:1234"}, "http://box:1234"},
		{"OLLAMA_HOST without scheme or port", "loose", map[string]string{EnvOllamaHost: "box"}, "http://box:11434"},
		{"OLLAMA_HOST without scheme", "loose", map[string]string{EnvOllamaHost: "0.0.0.0:11500"}, "http://0.0.0.0:11500"},
		{"the file's base_url wins over OLLAMA_HOST", "pinned", map[string]string{EnvOllamaHost: "box"}, "http://gpu:11434"},
		{"openai default", "oa", nil, DefaultOpenAIURL},
		{"OPENAI_BASE_URL", "oa", map[string]string{EnvOpenAIBaseURL: "http://127.0.0.1:8000/v1/"}, "http://127.0.0.1:8000/v1"},
		{"anthropic default", "an", nil, DefaultAnthropicURL},
		{"ANTHROPIC_BASE_URL", "an", map[string]string{EnvAnthropicBaseURL: "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustResolve(t, f, "", tt.env, Overrides{})
			if got := s.Backend(tt.backend).BaseURL; got != tt.want {
				t.Errorf("base URL = %q, want %q", got, tt.want)
			}
		})
	}
	_, err := Resolve(nil, "", envOf(map[string]string{EnvProvider: "openai", EnvOpenAIBaseURL: "localhost:8000"}), Overrides{})
	wantInvalid(t, err, `backend "openai": base URL "localhost:8000" is not an http(s) URL`)
}

// With no file, LLM_PROVIDER and the usual variables of its kind are enough
// to run.
func TestEnvOnly(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Backend
	}{
		{"nothing but a model", map[string]string{EnvModel: "qwen3:0.6b"},
			Backend{Name: "ollama", Kind: KindOllama, BaseURL: DefaultOllamaURL}},
		{"ollama", map[string]string{EnvProvider: "ollama", EnvModel: "qwen3:0.6b", EnvOllamaHost: "127.0.0.1:11500"},
			Backend{Name: "ollama", Kind: KindOllama, BaseURL: "http://127.0.0.1:11500"}},
		{"openai", map[string]string{EnvProvider: "openai", EnvModel: "gpt-4.1-mini", EnvOpenAIKey: "sk-test-0123456789abcdef"},
			Backend{Name: "openai", Kind: KindOpenAI, BaseURL: DefaultOpenAIURL, APIKey: Secret{value: "sk-test-0123456789abcdef", env: EnvOpenAIKey}}},
		{"openai-compatible without a key", map[string]string{EnvProvider: "openai", EnvModel: "m", EnvOpenAIBaseURL: "http://127.0.0.1:8000/v1"},
			Backend{Name: "openai", Kind: KindOpenAI, BaseURL: "http://127.0.0.1:8000/v1", APIKey: Secret{env: EnvOpenAIKey}}},
		{"anthropic", map[string]string{EnvProvider: "anthropic", EnvModel: "claude-haiku-4-5", EnvAnthropicKey: "sk-ant-0123456789abcdef"},
			Backend{Name: "anthropic", Kind: KindAnthropic, BaseURL: DefaultAnthropicURL, APIKey: Secret{value: "sk-ant-0123456789abcdef", env: EnvAnthropicKey}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustResolve(t, nil, "", tt.env, Overrides{})
			if err := s.Ready(); err != nil {
				t.Fatalf("Ready: %v", err)
			}
			tt.want.Used, tt.want.FromEnv = true, true
			if diff := cmp.Diff([]Backend{tt.want}, s.Backends, cmp.AllowUnexported(Secret{})); diff != "" {
				t.Errorf("backends (-want +got):\n%s", diff)
			}
			model := tt.env[EnvModel]
			if want := []Target{{tt.want.Name, model}}; !cmp.Equal(s.Thinkers, want) || s.Synthesizer != want[0] {
				t.Errorf("targets = %v, %v; want %v", s.Thinkers, s.Synthesizer, want)
			}
			if !cmp.Equal(s.Run.Angles, prompt.DefaultAngles()) || s.Run.Thoughts != 8 || s.Run.ThoughtSystem != prompt.DefaultThoughtSystem {
				t.Errorf("run options are not the defaults: %+v", s.Run)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	f := mustParse(t, "backends:\n  - {name: local, kind: ollama}\nprofiles:\n  deep: {}\n  fast: {}\n")
	tests := []struct {
		name    string
		f       *File
		profile string
		env     map[string]string
		flags   Overrides
		want    string
	}{
		{"unknown profile", f, "dep", nil, Overrides{}, `unknown profile "dep"; profiles: deep, fast`},
		{"profile without profiles", nil, "deep", nil, Overrides{}, `unknown profile "deep": the configuration defines no profiles`},
		{"LLM_PROVIDER", nil, "", map[string]string{EnvProvider: "gemini"}, Overrides{}, `LLM_PROVIDER is "gemini"; it must be one of ollama, openai, anthropic`},
		{"--backend", f, "", nil, Overrides{Backend: ptr("remote")}, `--backend: unknown backend "remote"; backends: local (or a kind: ollama, openai, anthropic)`},
		{"--synthesis-backend", f, "", nil, Overrides{SynthesisBackend: ptr("x")}, `--synthesis-backend: unknown backend "x"`},
		{"--models", f, "", nil, Overrides{Models: []string{"a", " "}}, "--models: empty model name"},
		{"--thoughts", f, "", nil, Overrides{Thoughts: &Count{N: 0}}, "--thoughts must be at least 1"},
		{"--grace", f, "", nil, Overrides{Grace: ptr("soon")}, `--grace: grace "soon" is neither a duration`},
		{"--strategy", f, "", nil, Overrides{Strategy: ptr("vote")}, `--strategy: "vote" is not angles or samples`},
		{"--agree-threshold", f, "", nil, Overrides{AgreeThreshold: ptr(1.5)}, "--agree-threshold must be between 0 and 1"},
		{"--quorum", f, "", nil, Overrides{Quorum: ptr(-1)}, "--quorum must be at least 0"},
		{"--mode", f, "", nil, Overrides{Mode: ptr(jessy.Mode("fast"))}, `--mode: unknown mode "fast"`},
		{"--temperature", f, "", nil, Overrides{Temperature: ptr(-1.0)}, "--temperature must not be negative"},
		{"quorum", f, "", nil, Overrides{Thoughts: &Count{N: 3}, MinThoughts: ptr(4)}, "min_thoughts (4) exceeds thoughts (3)"},
		{"file built in code", &File{Backends: []BackendSpec{{Name: "a", Kind: "x"}}}, "", nil, Overrides{}, `backends[0].kind: unknown kind "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(tt.f, tt.profile, envOf(tt.env), tt.flags)
			wantInvalid(t, err, tt.want)
		})
	}
}

func TestReady(t *testing.T) {
	f := mustParse(t, `
backends:
  - {name: hosted, kind: openai}
  - {name: router, kind: openai, base_url: "https://openrouter.ai/api/v1", api_key_env: ROUTER_KEY}
  - {name: local, kind: openai, base_url: "http://127.0.0.1:8000/v1"}
  - {name: claude, kind: anthropic, base_url: "http://127.0.0.1:9000"}
defaults: {model: m}
`)
	tests := []struct {
		backend string
		env     map[string]string
		kind    jessy.Kind // KindOther for no error
		want    string
	}{
		{"hosted", nil, jessy.KindAuth, "OPENAI_API_KEY is not set: api.openai.com needs an API key"},
		{"hosted", map[string]string{EnvOpenAIKey: "k"}, jessy.KindOther, ""},
		{"router", map[string]string{EnvOpenAIKey: "k"}, jessy.KindAuth, "ROUTER_KEY is not set: openrouter.ai needs an API key"},
		{"local", nil, jessy.KindOther, ""},
		{"claude", nil, jessy.KindAuth, "ANTHROPIC_API_KEY is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.backend, func(t *testing.T) {
			s := mustResolve(t, f, "", tt.env, Overrides{Backend: ptr(tt.backend)})
			err := s.Ready()
			if tt.kind == jessy.KindOther {
				if err != nil {
					t.Fatalf("Ready: %v", err)
				}
				return
			}
			var je *jessy.Error
			if !errors.As(err, &je) || je.Kind != tt.kind || je.Backend != tt.backend || je.Message[:len(tt.want)] != tt.want {
				t.Fatalf("Ready = %#v, want kind %v for %q: %q", err, tt.kind, tt.backend, tt.want)
			}
		})
	}
	// Backends the run does not use need no key.
	if err := mustResolve(t, f, "", nil, Overrides{Backend: ptr("local")}).Ready(); err != nil {
		t.Errorf("Ready with unused keyless backends: %v", err)
	}
	// A run needs a model.
	err := mustResolve(t, nil, "", nil, Overrides{}).Ready()
	if jessy.KindOf(err) != jessy.KindInvalid || jessy.HintOf(err) == "" {
		t.Errorf("Ready without a model = %v, want KindInvalid with a hint", err)
	}
}

func TestBackendFlags(t *testing.T) {
	f := mustParse(t, "backends:\n  - {name: local, kind: ollama, options: {num_ctx: 2048}}\n  - {name: cloud, kind: openai}\nthinkers: [{backend: cloud, model: x}]\n")
	s := mustResolve(t, f, "", nil, Overrides{BaseURL: ptr("gpu:11500"), NumCtx: ptr(8192), KeepAlive: ptr(-time.Second)})
	b := s.Backend("local")
	if b.BaseURL != "http://gpu:11500" || b.NumCtx != 8192 || b.KeepAlive == nil || *b.KeepAlive != -time.Second {
		t.Errorf("--base-url, --num-ctx, --keep-alive on the default backend: %+v", b)
	}
	if s.Backend("cloud").BaseURL != DefaultOpenAIURL {
		t.Errorf("--base-url changed another backend: %+v", s.Backend("cloud"))
	}
	if len(s.Thinkers) != 1 || s.Thinkers[0].Backend != "cloud" {
		t.Errorf("backend options replaced the council: %v", s.Thinkers)
	}

	// --provider picks the default backend by kind, above LLM_PROVIDER, and
	// replaces the council.
	s = mustResolve(t, f, "", map[string]string{EnvProvider: "anthropic"}, Overrides{Provider: ptr("openai"), Model: nil})
	if s.Thinkers[0] != (Target{"cloud", ""}) || s.Synthesizer.Backend != "cloud" {
		t.Errorf("--provider openai: thinkers %v, synthesizer %v", s.Thinkers, s.Synthesizer)
	}
	s = mustResolve(t, nil, "", nil, Overrides{Provider: ptr("openai"), BaseURL: ptr("http://127.0.0.1:8000/v1")})
	if b := s.Backend("openai"); b == nil || b.BaseURL != "http://127.0.0.1:8000/v1" || !b.Used {
		t.Errorf("--provider with --base-url and no file: %+v", s.Backends)
	}

	for _, tt := range []struct {
		flags Overrides
		want  string
	}{
		{Overrides{Provider: ptr("gemini")}, `--provider is "gemini"; it must be one of ollama, openai, anthropic`},
		{Overrides{BaseURL: ptr("ftp://x")}, `--base-url: "ftp://x" is not an http(s) URL`},
		{Overrides{Backend: ptr("cloud"), NumCtx: ptr(5)}, `--num-ctx and --keep-alive apply only to ollama backends; the default backend "cloud" is openai`},
		{Overrides{NumCtx: ptr(-1)}, "--num-ctx must not be negative"},
		{Overrides{Timeout: ptr(-time.Second)}, "--timeout must not be negative"},
	} {
		_, err := Resolve(f, "", noEnv, tt.flags)
		wantInvalid(t, err, tt.want)
	}
}
