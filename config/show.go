package config

import (
	"bytes"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jessy-llm/jessy"
)

// The shape `jessy config` prints: the file's shape, fully resolved.
type (
	shownSettings struct {
		Backends    []shownBackend `yaml:"backends"`
		Thinkers    []Target       `yaml:"thinkers"`
		Synthesizer Target         `yaml:"synthesizer"`
		Fallbacks   []Target       `yaml:"fallbacks,omitempty"`
		Defaults    shownRun       `yaml:"defaults"`
		Angles      []jessy.Angle  `yaml:"angles"`
		Prompts     Prompts        `yaml:"prompts"`
	}
	shownBackend struct {
		Name        string         `yaml:"name"`
		Kind        Kind           `yaml:"kind"`
		BaseURL     string         `yaml:"base_url"`
		APIKey      *Secret        `yaml:"api_key,omitempty"`
		Concurrency any            `yaml:"concurrency"`
		MaxWait     time.Duration  `yaml:"max_wait,omitempty"`
		Options     BackendOptions `yaml:"options,omitempty"`
		Note        string         `yaml:"note,omitempty"`
	}
	shownRun struct {
		Mode               jessy.Mode    `yaml:"mode"`
		Thoughts           Count         `yaml:"thoughts"`
		Concurrency        Count         `yaml:"concurrency"`
		MaxTokens          int           `yaml:"max_tokens"`
		SynthesisMaxTokens int           `yaml:"synthesis_max_tokens"`
		Temperature        any           `yaml:"temperature"`
		ThoughtTimeout     time.Duration `yaml:"thought_timeout"`
		SynthesisTimeout   time.Duration `yaml:"synthesis_timeout"`
		Timeout            time.Duration `yaml:"timeout"`
		Retries            int           `yaml:"retries"`
		MinThoughts        int           `yaml:"min_thoughts"`
		Quorum             int           `yaml:"quorum"`
		Grace              string        `yaml:"grace"`
		Speculative        bool          `yaml:"speculative"`
		Strategy           string        `yaml:"strategy"`
		AgreeCount         int           `yaml:"agree_count"`
		AgreeThreshold     float64       `yaml:"agree_threshold"`
		AgreeLexical       bool          `yaml:"agree_lexical"`
		EmbedModel         string        `yaml:"embed_model,omitempty"`
		Batch              bool          `yaml:"batch"`
	}
)

// Masked returns the effective configuration as YAML in the shape of the
// file, every default applied and every key masked ("****abcd (from
// OPENAI_API_KEY)", "not set (OPENAI_API_KEY)"). A comment line first names
// the file and profile used. It is what `jessy config` prints.
func (s *Settings) Masked() ([]byte, error) {
	v := shownSettings{
		Thinkers:    s.Thinkers,
		Synthesizer: s.Synthesizer,
		Fallbacks:   s.Fallbacks,
		Angles:      s.Run.Angles,
		Prompts:     Prompts{ThoughtSystem: s.Run.ThoughtSystem, SynthesisSystem: s.Run.SynthesisSystem},
		Defaults: shownRun{
			Mode:        s.Run.Mode,
			Thoughts:    Count{N: s.Run.Thoughts, Auto: s.Run.ThoughtsAuto},
			Concurrency: Count{N: s.Run.Concurrency, Auto: s.Run.ConcurrencyAuto},
			MaxTokens:   s.Run.MaxTokens, SynthesisMaxTokens: s.Run.SynthesisMaxTokens,
			Temperature:    "backend default",
			ThoughtTimeout: s.Run.ThoughtTimeout, SynthesisTimeout: s.Run.SynthesisTimeout, Timeout: s.Run.Timeout,
			Retries: s.Run.Retries, MinThoughts: s.Run.MinThoughts,
			Quorum: s.Run.Quorum, Grace: s.Run.Grace.String(), Speculative: s.Run.Speculative,
			Strategy: string(s.Run.Strategy), AgreeCount: s.Run.AgreeCount, AgreeThreshold: s.Run.AgreeThreshold,
			AgreeLexical: s.Run.AgreeLexical, EmbedModel: s.Run.EmbedModel, Batch: s.Run.Batch,
		},
	}
	if s.Run.Temperature != nil {
		v.Defaults.Temperature = *s.Run.Temperature
	}
	for _, b := range s.Backends {
		sb := shownBackend{Name: b.Name, Kind: b.Kind, BaseURL: jessy.RedactURL(b.BaseURL), MaxWait: b.MaxWait,
			Options: BackendOptions{KeepAlive: b.KeepAlive, NumCtx: b.NumCtx}, Concurrency: "unbounded"}
		if b.Concurrency > 0 {
			sb.Concurrency = b.Concurrency
		}
		if b.Kind != KindOllama {
			k := b.APIKey
			sb.APIKey = &k
		}
		switch {
		case !b.Used:
			sb.Note = "not used by this run"
		case b.FromEnv:
			sb.Note = "set up from the environment"
		}
		v.Backends = append(v.Backends, sb)
	}
	var buf bytes.Buffer
	file, profile := s.File, s.Profile
	if file == "" {
		file = "none"
	}
	if profile == "" {
		profile = "none"
	}
	fmt.Fprintf(&buf, "# effective configuration (file: %s; profile: %s)\n", file, profile)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode the configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode the configuration: %w", err)
	}
	return buf.Bytes(), nil
}
