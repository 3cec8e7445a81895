package config

import (
	"fmt"
	"net/url"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
)

// Settings is a fully resolved configuration: what a run uses, with every
// default applied. Resolve makes it; it is read, never written, afterwards,
// and is safe to print whole (keys are Secret values).
type Settings struct {
	// File is the path of the configuration file used, "" for none.
	File string
	// Profile is the profile applied, "" for none.
	Profile string
	// Backends are every backend of the file, in the file's order, then the
	// backends set up from the environment that the run refers to.
	Backends []Backend
	// Thinkers are the targets of the thoughts, in order: thought i goes to
	// Thinkers[i % len(Thinkers)]. Never empty.
	Thinkers []Target
	// Synthesizer is the target of the synthesis.
	Synthesizer Target
	// Fallbacks are tried in order for the synthesis when the synthesizer
	// fails; may be empty.
	Fallbacks []Target
	// Run holds the run options.
	Run Run
	// Warnings are things the user should hear about (a key written in the
	// file); the command line prints them to stderr.
	Warnings []string
}

// Backend is a resolved backend.
type Backend struct {
	Name string
	Kind Kind
	// BaseURL is the server's address, e.g. "http://127.0.0.1:11434" or
	// "https://api.openai.com/v1".
	BaseURL string
	// APIKey is the key sent to the server, empty when none is set.
	APIKey Secret
	// Concurrency bounds the calls in flight to this backend; 0 means no
	// bound of its own.
	Concurrency int
	// MaxWait bounds the wait for one of the backend's slots; 0 means none.
	MaxWait time.Duration
	// KeepAlive and NumCtx are Ollama's options; nil and 0 when unset.
	KeepAlive *time.Duration
	NumCtx    int
	// Used reports whether a thinker, the synthesizer or a fallback uses it.
	Used bool
	// FromEnv reports a backend that the file does not define, set up from
	// the environment variables of its kind.
	FromEnv bool
}

// Target is a model on a backend, named as in Settings.Backends.
type Target struct {
	Backend string `yaml:"backend"`
	Model   string `yaml:"model"`
}

func (t Target) String() string { return t.Model + " on " + t.Backend }

// Run holds the resolved run options.
type Run struct {
	Mode     jessy.Mode
	Thoughts int
	// ThoughtsAuto chooses the thoughts from the question (engine's
	// ThoughtsAuto); Thoughts is then the count without it.
	ThoughtsAuto bool
	// Concurrency is the thoughts in flight in one run; it equals Thoughts
	// when unbounded. ConcurrencyAuto learns it per backend and model
	// instead, for parallel runs.
	Concurrency        int
	ConcurrencyAuto    bool
	MaxTokens          int
	SynthesisMaxTokens int
	Temperature        *float64 // nil leaves the backend's default
	ThoughtTimeout     time.Duration
	SynthesisTimeout   time.Duration
	Timeout            time.Duration // of the whole run; 0 means none
	Retries            int
	MinThoughts        int // at least 1
	Angles             []jessy.Angle
	ThoughtSystem      string
	SynthesisSystem    string

	// The speed options, as engine.SpeedOptions takes them.
	Quorum         int
	Grace          engine.Grace
	Speculative    bool
	Strategy       engine.Strategy
	AgreeCount     int
	AgreeThreshold float64
	AgreeLexical   bool
	EmbedModel     string
	Batch          bool
}

// Backend returns the backend named name, or nil.
func (s *Settings) Backend(name string) *Backend {
	for i := range s.Backends {
		if s.Backends[i].Name == name {
			return &s.Backends[i]
		}
	}
	return nil
}

// NeedsKey reports whether b's endpoint refuses calls without a key: every
// Anthropic endpoint, and the hosted OpenAI-compatible APIs (api.openai.com,
// OpenRouter, Groq and the like).
func (b *Backend) NeedsKey() bool {
	switch b.Kind {
	case KindAnthropic:
		return true
	case KindOpenAI:
		u, err := url.Parse(b.BaseURL)
		if err != nil {
			return false
		}
		return jessy.HostNeedsKey(u.Hostname())
	}
	return false
}

// KeyError returns a KindAuth *jessy.Error when b needs a key and has none,
// naming the variable to set; nil otherwise.
func (b *Backend) KeyError() error {
	if !b.NeedsKey() || b.APIKey.IsSet() {
		return nil
	}
	env := b.APIKey.Env()
	host := b.BaseURL
	if u, err := url.Parse(b.BaseURL); err == nil {
		host = u.Hostname()
	}
	return &jessy.Error{Kind: jessy.KindAuth, Backend: b.Name,
		Message: fmt.Sprintf("%s is not set: %s needs an API key", env, host),
		Hint:    fmt.Sprintf("export %s=<your key>, or name another variable with api_key_env in the config file", env)}
}

// Ready reports what keeps a run from starting: a target without a model
// (KindInvalid), or a backend the run uses without the key its endpoint
// needs (KindAuth, naming the variable to set). It returns the first such
// problem, nil when there is none. Showing the configuration, listing
// models and the doctor do not need Ready to pass.
func (s *Settings) Ready() error {
	targets := append(append([]Target{}, s.Thinkers...), s.Synthesizer)
	targets = append(targets, s.Fallbacks...)
	for _, t := range targets {
		if t.Model == "" {
			return &jessy.Error{Kind: jessy.KindInvalid, Backend: t.Backend,
				Message: "no model is configured",
				Hint:    "set LLM_MODEL, give --model, or set defaults.model in the config file"}
		}
	}
	for i := range s.Backends {
		if b := &s.Backends[i]; b.Used {
			if err := b.KeyError(); err != nil {
				return err
			}
		}
	}
	return nil
}
