package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/engine"
)

// validate checks the file on its own, without the environment: every
// error names the key's path and, for a parsed file, its line.
func (f *File) validate() error {
	seen := map[string]bool{}
	for i, b := range f.Backends {
		at := path{"backends", i}
		if err := f.validateBackend(at, b); err != nil {
			return err
		}
		if seen[b.Name] {
			return f.errAt(at.with("name"), "backend %q is defined twice", b.Name)
		}
		seen[b.Name] = true
	}
	if err := f.validateLayer(nil, &f.Layer); err != nil {
		return err
	}
	for _, name := range f.profileNames() {
		if strings.TrimSpace(name) == "" {
			return f.errAt(path{"profiles"}, "a profile has an empty name")
		}
		l := f.Profiles[name]
		if err := f.validateLayer(path{"profiles", name}, &l); err != nil {
			return err
		}
	}
	return nil
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (f *File) validateBackend(at path, b BackendSpec) error {
	if strings.TrimSpace(b.Name) == "" {
		return f.errAt(at, "a backend needs a name")
	}
	if b.Kind == "" {
		return f.errAt(at, "backend %q needs a kind (%s)", b.Name, kindList())
	}
	if !validKind(b.Kind) {
		return f.errAt(at.with("kind"), "unknown kind %q; kinds: %s", b.Kind, kindList())
	}
	if b.BaseURL != "" {
		if err := checkURL(b.BaseURL); err != nil {
			return f.errAt(at.with("base_url"), "%v", err)
		}
	}
	if b.APIKeyEnv != "" && !envNameRE.MatchString(b.APIKeyEnv) {
		// Never echo the value: it may be a key put in the wrong place.
		return f.errAt(at.with("api_key_env"), "must name an environment variable (letters, digits and _); "+
			"to give the key itself, put it in that variable")
	}
	if b.Kind == KindOllama && (b.APIKey != "" || b.APIKeyEnv != "") {
		return f.errAt(at, "backend %q: ollama backends take no API key", b.Name)
	}
	if b.Concurrency < 0 {
		return f.errAt(at.with("concurrency"), "must not be negative")
	}
	if b.MaxWait < 0 {
		return f.errAt(at.with("max_wait"), "must not be negative")
	}
	if b.Kind != KindOllama && (b.Options.KeepAlive != nil || b.Options.NumCtx != 0) {
		return f.errAt(at.with("options"), "keep_alive and num_ctx apply only to ollama backends")
	}
	if b.Options.NumCtx < 0 {
		return f.errAt(at.with("options", "num_ctx"), "must not be negative")
	}
	return nil
}

func (f *File) validateLayer(at path, l *Layer) error {
	d := l.Defaults
	if d.Backend != "" {
		if err := f.checkRef(at.with("defaults", "backend"), d.Backend); err != nil {
			return err
		}
	}
	if err := checkMode(d.Mode); err != nil {
		return f.errAt(at.with("defaults", "mode"), "%v", err)
	}
	atLeast := []struct {
		key string
		v   *int
		min int
	}{
		{"max_tokens", d.MaxTokens, 1}, {"synthesis_max_tokens", d.SynthesisMaxTokens, 1},
		{"retries", d.Retries, 0}, {"min_thoughts", d.MinThoughts, 0},
		{"quorum", d.Quorum, 0}, {"agree_count", d.AgreeCount, 0},
	}
	for _, c := range atLeast {
		if c.v != nil && *c.v < c.min {
			return f.errAt(at.with("defaults", c.key), "must be at least %d", c.min)
		}
	}
	if d.Thoughts != nil && !d.Thoughts.Auto && d.Thoughts.N < 1 {
		return f.errAt(at.with("defaults", "thoughts"), "must be at least 1, or auto")
	}
	if d.Concurrency != nil && !d.Concurrency.Auto && d.Concurrency.N < 0 {
		return f.errAt(at.with("defaults", "concurrency"), "must be at least 0, or auto")
	}
	if d.Temperature != nil && *d.Temperature < 0 {
		return f.errAt(at.with("defaults", "temperature"), "must not be negative")
	}
	if d.Grace != nil {
		if _, err := engine.ParseGrace(*d.Grace); err != nil {
			return f.errAt(at.with("defaults", "grace"), "%v", err)
		}
	}
	if d.Strategy != "" {
		if err := checkStrategy(d.Strategy); err != nil {
			return f.errAt(at.with("defaults", "strategy"), "%v", err)
		}
	}
	if d.AgreeThreshold != nil && (*d.AgreeThreshold < 0 || *d.AgreeThreshold > 1) {
		return f.errAt(at.with("defaults", "agree_threshold"), "must be between 0 and 1")
	}
	if d.ThoughtTimeout != nil && *d.ThoughtTimeout < 0 {
		return f.errAt(at.with("defaults", "thought_timeout"), "must not be negative")
	}
	if d.SynthesisTimeout != nil && *d.SynthesisTimeout < 0 {
		return f.errAt(at.with("defaults", "synthesis_timeout"), "must not be negative")
	}
	if d.Timeout != nil && *d.Timeout < 0 {
		return f.errAt(at.with("defaults", "timeout"), "must not be negative")
	}
	for i, a := range l.Angles {
		if strings.TrimSpace(string(a.Phase)) == "" || strings.TrimSpace(a.Question) == "" {
			return f.errAt(at.with("angles", i), "an angle needs a phase and a question")
		}
	}
	if len(l.Thinkers) > 0 && len(l.Models) > 0 {
		return f.errAt(at.with("models"), "give either thinkers or models, not both")
	}
	for i, m := range l.Models {
		if strings.TrimSpace(m) == "" {
			return f.errAt(at.with("models", i), "empty model name")
		}
	}
	for i, t := range l.Thinkers {
		if err := f.checkTarget(at.with("thinkers", i), t); err != nil {
			return err
		}
	}
	if l.Synthesizer != nil {
		if err := f.checkTarget(at.with("synthesizer"), *l.Synthesizer); err != nil {
			return err
		}
	}
	for i, t := range l.Fallbacks {
		if err := f.checkTarget(at.with("fallbacks", i), t); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) checkTarget(at path, t TargetSpec) error {
	if t.Backend == "" {
		return nil
	}
	return f.checkRef(at.with("backend"), t.Backend)
}

// checkRef checks that name is a backend of the file or a kind.
func (f *File) checkRef(at path, name string) error {
	if msg := f.refProblem(name); msg != "" {
		return f.errAt(at, "%s", msg)
	}
	return nil
}

// refProblem says what is wrong with a reference to backend name, "" if
// nothing.
func (f *File) refProblem(name string) string {
	if f.backendSpec(name) != nil || validKind(Kind(name)) {
		return ""
	}
	return fmt.Sprintf("unknown backend %q; %s", name, f.knownBackends())
}

// knownBackends says which backend names a target may use.
func (f *File) knownBackends() string {
	var names []string
	if f != nil {
		for _, b := range f.Backends {
			names = append(names, b.Name)
		}
	}
	if len(names) == 0 {
		return "no backends are defined, so use a kind: " + kindList()
	}
	return "backends: " + strings.Join(names, ", ") + " (or a kind: " + kindList() + ")"
}

func (f *File) backendSpec(name string) *BackendSpec {
	if f == nil {
		return nil
	}
	for i := range f.Backends {
		if f.Backends[i].Name == name {
			return &f.Backends[i]
		}
	}
	return nil
}

func (f *File) profileNames() []string {
	if f == nil {
		return nil
	}
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func checkMode(m jessy.Mode) error {
	switch m {
	case "", jessy.ModeParallel, jessy.ModeSequential:
		return nil
	}
	return fmt.Errorf("unknown mode %q; modes: %s, %s", m, jessy.ModeParallel, jessy.ModeSequential)
}

// checkURL checks that raw is an http(s) URL with a host. Its error never
// holds the URL's user information.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host", jessy.RedactURL(raw))
	}
	return nil
}
