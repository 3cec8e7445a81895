package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const testKey = "sk-proj-SECRETSECRETSECRET-wxyz"

func TestSecretNeverPrints(t *testing.T) {
	s := Secret{value: testKey, env: EnvOpenAIKey}
	b := Backend{Name: "cloud", Kind: KindOpenAI, APIKey: s}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, b), fmt.Sprintf(verb, &b), fmt.Sprintf(verb, []Backend{b}))
	}
	j, _ := json.Marshal(b)
	y, _ := yaml.Marshal(b)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "key", s, "backend", b)
	outs = append(outs, string(j), string(y), logged.String())
	for _, o := range outs {
		if strings.Contains(o, "SECRET") {
			t.Fatalf("the key leaked: %s", o)
		}
	}
	if got := s.String(); got != "****wxyz (from OPENAI_API_KEY)" {
		t.Errorf("String = %q", got)
	}
	if s.Reveal() != testKey {
		t.Errorf("Reveal lost the key")
	}
}

func TestSecretString(t *testing.T) {
	tests := []struct {
		s    Secret
		want string
	}{
		{Secret{value: testKey, env: "K"}, "****wxyz (from K)"},
		{Secret{value: "short-key", env: "K"}, "**** (from K)"},
		{Secret{value: testKey, inFile: true}, "****wxyz (written in the config file)"},
		{Secret{env: "K"}, "not set (K)"},
		{Secret{}, "none"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
}

func TestMasked(t *testing.T) {
	f := mustParse(t, `
backends:
  - {name: cloud, kind: openai, api_key_env: MY_KEY}
  - {name: inline, kind: anthropic, api_key: "`+testKey+`"}
  - {name: local, kind: ollama, base_url: "http://user:hunter2@127.0.0.1:11434", concurrency: 2}
defaults: {backend: local, model: m, temperature: 0.3}
synthesizer: {backend: cloud, model: chair}
`)
	s := mustResolve(t, f, "", map[string]string{"MY_KEY": testKey}, Overrides{})
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], `backend "inline": the API key is written in the config file`) {
		t.Errorf("warnings = %q, want one about the inline key", s.Warnings)
	}
	out, err := s.Masked()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, leak := range []string{"SECRET", "hunter2"} {
		if strings.Contains(text, leak) {
			t.Fatalf("Masked leaks %q:\n%s", leak, text)
		}
	}
	for _, want := range []string{
		"# effective configuration (file: config.yaml; profile: none)",
		"api_key: '****wxyz (from MY_KEY)'",
		"api_key: '****wxyz (written in the config file)'",
		"note: not used by this run",
		"concurrency: 2",
		"concurrency: unbounded",
		"temperature: 0.3",
		"synthesizer:\n  backend: cloud\n  model: chair",
		"question: What do we know?",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Masked lacks %q:\n%s", want, text)
		}
	}
	// The output is itself YAML.
	var back map[string]any
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Errorf("Masked is not YAML: %v", err)
	}
}

// A key put in the wrong field is not echoed in the error.
func TestKeyNotInErrors(t *testing.T) {
	for _, text := range []string{
		"backends:\n  - {name: a, kind: openai, api_key_env: " + testKey + "}\n",
		"backends:\n  - {name: a, kind: openai, base_url: 'ftp://u:" + testKey + "@host'}\n",
		"backends:\n  - {name: a, kind: ollama, api_key: " + testKey + "}\n",
	} {
		_, err := Parse("config.yaml", []byte(text))
		if err == nil {
			t.Fatalf("Parse(%q) accepted it", text)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("the key leaked into %q", err)
		}
	}
}
