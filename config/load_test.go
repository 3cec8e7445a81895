package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jessy-llm/jessy"
)

func mustParse(t *testing.T, text string) *File {
	t.Helper()
	f, err := Parse("config.yaml", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// wantInvalid checks that err is a KindInvalid *jessy.Error whose message
// is want, or contains it when contains is set.
func wantInvalid(t *testing.T, err error, want string) {
	t.Helper()
	var je *jessy.Error
	if !errors.As(err, &je) || je.Kind != jessy.KindInvalid {
		t.Fatalf("error = %v (%T), want a KindInvalid *jessy.Error", err, err)
	}
	if !strings.Contains(je.Message, want) {
		t.Fatalf("message = %q, want it to contain %q", je.Message, want)
	}
}

func TestParseUnknownKeys(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"top level typo", "models: [a]\n\nthinkres: []\n",
			`config.yaml:3: unknown key "thinkres" (did you mean "thinkers"?)`},
		{"in defaults", "defaults:\n  model: m\n  thougths: 3\n",
			`config.yaml:3: unknown key "thougths" in defaults (did you mean "thoughts"?)`},
		{"in a backend", "backends:\n  - name: a\n    kind: ollama\n  - name: b\n    kind: openai\n    apikey_env: X\n",
			`config.yaml:6: unknown key "apikey_env" in backends[1] (did you mean "api_key_env"?)`},
		{"in backend options", "backends:\n  - name: a\n    kind: ollama\n    options: {keepalive: 5m}\n",
			`config.yaml:4: unknown key "keepalive" in backends[0].options (did you mean "keep_alive"?)`},
		{"in a thinker", "thinkers:\n  - {backend: ollama, modle: m}\n",
			`config.yaml:2: unknown key "modle" in thinkers[0] (did you mean "model"?)`},
		{"in an angle", "angles:\n  - phase: exploration\n    questoin: why?\n",
			`config.yaml:3: unknown key "questoin" in angles[0] (did you mean "question"?)`},
		{"in a profile", "profiles:\n  deep:\n    defaults:\n      max_token: 9\n",
			`config.yaml:4: unknown key "max_token" in profiles.deep.defaults (did you mean "max_tokens"?)`},
		{"backends in a profile", "profiles:\n  deep:\n    backends: []\n",
			`config.yaml:3: unknown key "backends" in profiles.deep`},
		{"no near key", "colour: blue\n", `config.yaml:1: unknown key "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.yaml", []byte(tt.text))
			wantInvalid(t, err, tt.want)
			if tt.name == "no near key" && strings.Contains(err.Error(), "did you mean") {
				t.Errorf("suggestion for a key near nothing: %v", err)
			}
		})
	}
}

func TestParseTypeAndSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"text for a number", "defaults:\n  model: m\n  thoughts: many\n",
			`config.yaml:3: defaults.thoughts: "many" is not a whole number`},
		{"number for a duration", "defaults:\n  thought_timeout: 30\n",
			`config.yaml:2: defaults.thought_timeout: "30" is not a duration such as 90s or 2m`},
		{"mapping for a list", "backends: {name: a}\n", `config.yaml:1: backends: a mapping is not a list`},
		{"syntax", "defaults:\n\tmodel: a\n", `config.yaml:2: found character that cannot start any token`},
		{"duplicate key", "defaults:\n  model: a\n  model: b\n", `config.yaml:3: mapping key "model" already defined at line 2`},
		{"two documents", "defaults: {model: a}\n---\ndefaults: {model: b}\n", "more than one YAML document"},
		{"not a mapping", "- a\n- b\n", "config.yaml:1: a list is not a mapping of keys"},
		{"every error listed", "defaults:\n  thoughts: x\n  retries: y\n", "config.yaml:2: defaults.thoughts: \"x\" is not a whole number or auto\nconfig.yaml:3: defaults.retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.yaml", []byte(tt.text))
			wantInvalid(t, err, tt.want)
		})
	}
}

func TestParseValidation(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown kind", "backends:\n  - name: a\n    kind: olama\n",
			`config.yaml:3: backends[0].kind: unknown kind "olama"; kinds: ollama, openai, anthropic`},
		{"no kind", "backends:\n  - name: a\n", `config.yaml:2: backends[0]: backend "a" needs a kind`},
		{"no name", "backends:\n  - kind: ollama\n", "backends[0]: a backend needs a name"},
		{"twice", "backends:\n  - {name: a, kind: ollama}\n  - {name: a, kind: openai}\n",
			`config.yaml:3: backends[1].name: backend "a" is defined twice`},
		{"unknown backend in a profile", "backends:\n  - {name: local, kind: ollama}\nprofiles:\n  deep:\n    synthesizer: {backend: clod}\n",
			`config.yaml:5: profiles.deep.synthesizer.backend: unknown backend "clod"; backends: local (or a kind: ollama, openai, anthropic)`},
		{"unknown default backend", "defaults: {backend: nope}\n", `defaults.backend: unknown backend "nope"`},
		{"unknown fallback backend", "fallbacks:\n  - {backend: nope, model: m}\n", `config.yaml:2: fallbacks[0].backend: unknown backend "nope"`},
		{"thinkers and models", "thinkers: [{model: a}]\nmodels: [b]\n", "config.yaml:2: models: give either thinkers or models, not both"},
		{"empty model in models", "models: [a, '']\n", "models[1]: empty model name"},
		{"key for ollama", "backends:\n  - {name: a, kind: ollama, api_key_env: K}\n", "ollama backends take no API key"},
		{"ollama options elsewhere", "backends:\n  - {name: a, kind: openai, options: {num_ctx: 5}}\n",
			"backends[0].options: keep_alive and num_ctx apply only to ollama backends"},
		{"bad base_url", "backends:\n  - {name: a, kind: openai, base_url: 'localhost:8000'}\n",
			`backends[0].base_url: "localhost:8000" is not an http(s) URL`},
		{"negative concurrency", "backends:\n  - {name: a, kind: ollama, concurrency: -1}\n", "backends[0].concurrency: must not be negative"},
		{"mode", "defaults: {mode: fast}\n", `defaults.mode: unknown mode "fast"; modes: parallel, sequential`},
		{"zero thoughts", "profiles:\n  p:\n    defaults: {thoughts: 0}\n", "config.yaml:3: profiles.p.defaults.thoughts: must be at least 1"},
		{"negative temperature", "defaults: {temperature: -0.5}\n", "defaults.temperature: must not be negative"},
		{"angle without question", "angles:\n  - {phase: exploration}\n", "config.yaml:2: angles[0]: an angle needs a phase and a question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.yaml", []byte(tt.text))
			wantInvalid(t, err, tt.want)
		})
	}
}

func TestParseEmpty(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "~\n"} {
		f, err := Parse("config.yaml", []byte(text))
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if len(f.Backends) != 0 || len(f.Profiles) != 0 {
			t.Errorf("Parse(%q) = %+v, want an empty file", text, f)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)

	def, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("jessy", "config.yaml"); !strings.HasSuffix(def, want) {
		t.Fatalf("DefaultPath = %q, want it to end in %q", def, want)
	}

	// A missing default file is an empty configuration.
	f, err := Load("")
	if err != nil || f == nil || f.Path != "" {
		t.Fatalf("Load(\"\") without a file = %+v, %v; want an empty File", f, err)
	}

	// A missing named file is an error naming it.
	missing := filepath.Join(dir, "nope.yaml")
	_, err = Load(missing)
	wantInvalid(t, err, "config file "+missing+" does not exist")

	// The default file is read when it exists, and errors name it.
	if err := os.MkdirAll(filepath.Dir(def), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(def, []byte("defaults:\n  model: m\n  thougths: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load("")
	wantInvalid(t, err, def+`:3: unknown key "thougths"`)

	if err := os.WriteFile(def, []byte("defaults: {model: m}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err = Load("")
	if err != nil || f.Path != def || f.Defaults.Model != "m" {
		t.Fatalf("Load(\"\") = %+v, %v; want the default file read", f, err)
	}
}

// The example of the docs loads and resolves, with and without its
// profiles, into the council it describes.
func TestExampleCouncil(t *testing.T) {
	f, err := Load(filepath.Join("..", "docs", "examples", "council.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{EnvOpenAIKey: "sk-test-0123456789abcdef"})
	for _, profile := range []string{"", "deep", "fast"} {
		s, err := Resolve(f, profile, env, Overrides{})
		if err != nil {
			t.Fatalf("Resolve(%q): %v", profile, err)
		}
		if err := s.Ready(); err != nil {
			t.Fatalf("Ready(%q): %v", profile, err)
		}
	}
	s, _ := Resolve(f, "", env, Overrides{})
	want := []Target{{"local", "qwen3:4b"}, {"local", "gemma3:4b"}}
	if len(s.Thinkers) != 2 || s.Thinkers[0] != want[0] || s.Thinkers[1] != want[1] {
		t.Errorf("thinkers = %v, want %v", s.Thinkers, want)
	}
	if s.Synthesizer != (Target{"cloud", "gpt-4.1-mini"}) {
		t.Errorf("synthesizer = %v", s.Synthesizer)
	}
	if len(s.Fallbacks) != 1 || s.Fallbacks[0] != (Target{"local", "qwen3:8b"}) {
		t.Errorf("fallbacks = %v", s.Fallbacks)
	}
	if b := s.Backend("local"); b == nil || b.Concurrency != 4 || b.NumCtx != 8192 || b.KeepAlive == nil {
		t.Errorf("local backend = %+v", b)
	}
	deep, _ := Resolve(f, "deep", env, Overrides{})
	if deep.Run.Thoughts != 12 || deep.Run.MaxTokens != 512 || len(deep.Run.Angles) != 8 || deep.Synthesizer.Backend != "cloud" {
		t.Errorf("deep = %+v, synthesizer %v", deep.Run, deep.Synthesizer)
	}
	fast, _ := Resolve(f, "fast", env, Overrides{})
	if fast.Run.Thoughts != 4 || len(fast.Thinkers) != 1 || fast.Synthesizer != (Target{"local", "qwen3:4b"}) || fast.Backend("cloud").Used {
		t.Errorf("fast = %+v, thinkers %v, synthesizer %v", fast.Run, fast.Thinkers, fast.Synthesizer)
	}
}
