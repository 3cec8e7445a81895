// Package config reads Jessy's configuration file and resolves it, with the
// environment and the command-line flags, into the Settings of a run.
//
// The file (YAML) names backends, models, councils of several models, the
// angle set, the prompts and the run options, and may hold named profiles
// that override any of these. Resolve applies the precedence
//
//	flags > environment > profile > file > defaults
//
// field by field. With no file at all, LLM_PROVIDER and the usual variables
// of that kind (OLLAMA_HOST; OPENAI_BASE_URL, OPENAI_API_KEY;
// ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY) and LLM_MODEL are enough to run.
//
// The package reads no environment variable and no file by itself except
// through Load and the env function given to Resolve. It imports no
// provider SDK; package backend turns Settings into providers.
//
// API keys are held as Secret values, which print masked whatever the verb;
// no error of this package holds a key.
package config

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jessy-llm/jessy"
)

// Kind is the wire protocol a backend speaks.
type Kind string

// The backend kinds.
const (
	KindOllama    Kind = "ollama"    // Ollama's native API
	KindOpenAI    Kind = "openai"    // the OpenAI API and compatible servers (vLLM, llama.cpp, LM Studio, OpenRouter)
	KindAnthropic Kind = "anthropic" // Anthropic's Messages API
)

// Kinds lists every backend kind, in the order messages name them.
var Kinds = []Kind{KindOllama, KindOpenAI, KindAnthropic}

func validKind(k Kind) bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// The environment variables Resolve reads.
const (
	EnvProvider         = "LLM_PROVIDER"
	EnvModel            = "LLM_MODEL"
	EnvOllamaHost       = "OLLAMA_HOST"
	EnvOpenAIBaseURL    = "OPENAI_BASE_URL"
	EnvOpenAIKey        = "OPENAI_API_KEY"
	EnvAnthropicBaseURL = "ANTHROPIC_BASE_URL"
	EnvAnthropicKey     = "ANTHROPIC_API_KEY"
	// EnvServerKeys holds the API keys `jessy serve` accepts, separated by
	// commas.
	EnvServerKeys = "JESSY_API_KEYS"
	// EnvOllamaNumParallel is Ollama's own setting of how many requests it
	// serves at once; Jessy reads it to report it, never to set it.
	EnvOllamaNumParallel = "OLLAMA_NUM_PARALLEL"
)

// ServerKeys returns the API keys JESSY_API_KEYS holds (comma-separated,
// blanks dropped), read through env.
func ServerKeys(env func(string) string) []string {
	var keys []string
	for _, k := range strings.Split(env(EnvServerKeys), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// OllamaNumParallel returns OLLAMA_NUM_PARALLEL as env holds it, "" when
// unset.
func OllamaNumParallel(env func(string) string) string {
	return strings.TrimSpace(env(EnvOllamaNumParallel))
}

// The default base URLs of each kind, used when neither the file nor the
// environment names one.
const (
	DefaultOllamaURL    = "http://127.0.0.1:11434"
	DefaultOpenAIURL    = "https://api.openai.com/v1"
	DefaultAnthropicURL = "https://api.anthropic.com"
)

// Deadlines a run gets when nothing sets them, so that a hung backend
// fails a thought, and a run, in bounded time. The engine has no deadline
// of its own; every other default is the engine's (engine.Default*).
const (
	DefaultThoughtTimeout = 2 * time.Minute
	DefaultTimeout        = 10 * time.Minute
)

// File is a configuration file as written. Its zero value is an empty file.
// Top-level fields of Layer apply to every run; a profile's Layer overrides
// them field by field.
type File struct {
	// Path is where the file was read from; "" for a file that was not read.
	Path string `yaml:"-"`
	// Backends are the servers a run may use, referred to by name.
	Backends []BackendSpec `yaml:"backends,omitempty"`
	Layer    `yaml:",inline"`
	// Profiles are named overrides, chosen with --profile.
	Profiles map[string]Layer `yaml:"profiles,omitempty"`

	root *yaml.Node // the parsed document, for line numbers; nil if not parsed
}

// BackendSpec is one backend of the file.
type BackendSpec struct {
	// Name is how targets refer to the backend. Required and unique.
	Name string `yaml:"name"`
	// Kind is ollama, openai or anthropic. Required.
	Kind Kind `yaml:"kind"`
	// BaseURL is the server's address; empty means the kind's environment
	// variable (OLLAMA_HOST, OPENAI_BASE_URL, ANTHROPIC_BASE_URL), then the
	// kind's default.
	BaseURL string `yaml:"base_url,omitempty"`
	// APIKeyEnv names the environment variable holding the key; empty means
	// OPENAI_API_KEY or ANTHROPIC_API_KEY by kind. Ollama takes no key.
	APIKeyEnv string `yaml:"api_key_env,omitempty"`
	// APIKey is the key itself. Allowed, but Resolve warns about it: prefer
	// APIKeyEnv. It wins over APIKeyEnv.
	APIKey string `yaml:"api_key,omitempty"`
	// Concurrency bounds the calls in flight to this backend, across all its
	// targets; 0 means no bound beyond the run's own.
	Concurrency int `yaml:"concurrency,omitempty"`
	// MaxWait is how long a call may wait for one of the backend's slots
	// before failing as overloaded; 0 waits as long as the call may last.
	MaxWait time.Duration `yaml:"max_wait,omitempty"`
	// Options are settings of one kind of backend.
	Options BackendOptions `yaml:"options,omitempty"`
}

// BackendOptions are settings that only some kinds take.
type BackendOptions struct {
	// KeepAlive (ollama) is how long the model stays loaded after a call;
	// negative keeps it loaded.
	KeepAlive *time.Duration `yaml:"keep_alive,omitempty"`
	// NumCtx (ollama) is the context window in tokens.
	NumCtx int `yaml:"num_ctx,omitempty"`
}

// TargetSpec names a model on a backend. An empty Backend means the default
// backend; an empty Model means the default model.
type TargetSpec struct {
	Backend string `yaml:"backend,omitempty"`
	Model   string `yaml:"model,omitempty"`
}

// Layer is everything a profile may override. In a File the top-level
// Layer is the base; a profile's Layer replaces each field it sets.
type Layer struct {
	Defaults Defaults `yaml:"defaults,omitempty"`
	// Angles replaces the default angle set; each angle needs a phase and a
	// question.
	Angles  []jessy.Angle `yaml:"angles,omitempty"`
	Prompts Prompts       `yaml:"prompts,omitempty"`

	// Thinkers are the targets of the thoughts: thought i goes to
	// Thinkers[i % len]. Models is the short form: model names on the
	// default backend. A layer sets at most one of the two.
	Thinkers []TargetSpec `yaml:"thinkers,omitempty"`
	Models   []string     `yaml:"models,omitempty"`
	// Synthesizer is the target of the synthesis ("chairman"); unset means
	// the default backend and model.
	Synthesizer *TargetSpec `yaml:"synthesizer,omitempty"`
	// Fallbacks are tried in order for the synthesis when the synthesizer
	// fails.
	Fallbacks []TargetSpec `yaml:"fallbacks,omitempty"`
}

// Defaults are the default target and the run options. A nil pointer or an
// empty string is unset.
type Defaults struct {
	// Backend names the default backend: a backend of the file, or a kind
	// (ollama, openai, anthropic) for a backend set up from the environment.
	Backend string `yaml:"backend,omitempty"`
	// Model is the default model.
	Model string `yaml:"model,omitempty"`
	// Mode is parallel or sequential.
	Mode jessy.Mode `yaml:"mode,omitempty"`
	// Thoughts is N, or auto (4 to 12, from the question); unset means the
	// size of the angle set.
	Thoughts *Count `yaml:"thoughts,omitempty"`
	// Concurrency bounds the thoughts in flight in one run: a number (0
	// means all at once; each backend's own bound still applies) or auto
	// (learned per backend and model). Unset means auto.
	Concurrency *Count `yaml:"concurrency,omitempty"`
	// MaxTokens caps each thought's output.
	MaxTokens *int `yaml:"max_tokens,omitempty"`
	// SynthesisMaxTokens caps the answer.
	SynthesisMaxTokens *int `yaml:"synthesis_max_tokens,omitempty"`
	// Temperature is sent with every call when set.
	Temperature *float64 `yaml:"temperature,omitempty"`
	// ThoughtTimeout bounds each thought, retries included; 0 means none.
	ThoughtTimeout *time.Duration `yaml:"thought_timeout,omitempty"`
	// SynthesisTimeout bounds the synthesis; 0 means none.
	SynthesisTimeout *time.Duration `yaml:"synthesis_timeout,omitempty"`
	// Timeout bounds the whole run; 0 means none.
	Timeout *time.Duration `yaml:"timeout,omitempty"`
	// Retries is how many times a failed call may be tried again.
	Retries *int `yaml:"retries,omitempty"`
	// MinThoughts is the quorum of successful thoughts the synthesis needs.
	MinThoughts *int `yaml:"min_thoughts,omitempty"`

	// The speed options (see engine.SpeedOptions), named like their flags.
	// Quorum is K: synthesize once K thoughts are in, after Grace.
	Quorum *int `yaml:"quorum,omitempty"`
	// Grace is the wait for stragglers after the quorum: a duration
	// ("200ms") or a fraction of the quorum's time ("0.5x", "50%").
	Grace *string `yaml:"grace,omitempty"`
	// Speculative starts the synthesis at the quorum.
	Speculative *bool `yaml:"speculative,omitempty"`
	// Strategy is angles or samples.
	Strategy string `yaml:"strategy,omitempty"`
	// AgreeCount, AgreeThreshold and AgreeLexical shape the samples
	// strategy's early stop; EmbedModel is its embedding model.
	AgreeCount     *int     `yaml:"agree_count,omitempty"`
	AgreeThreshold *float64 `yaml:"agree_threshold,omitempty"`
	AgreeLexical   *bool    `yaml:"agree_lexical,omitempty"`
	EmbedModel     string   `yaml:"embed_model,omitempty"`
	// Batch sends all thoughts as one request where the server takes a
	// list of prompts.
	Batch *bool `yaml:"batch,omitempty"`
}

// Prompts are the system texts; empty means the default text.
type Prompts struct {
	ThoughtSystem   string `yaml:"thought_system,omitempty"`
	SynthesisSystem string `yaml:"synthesis_system,omitempty"`
}
