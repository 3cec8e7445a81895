package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/prompt"
)

// Overrides are the values the user gave as flags. A nil pointer (or nil
// Models) is a flag not given; the command line sets a field only when the
// flag was given (cobra's Changed), so that an explicit zero still wins.
//
// The flag each field stands for is named in its comment; Resolve's errors
// name the flag, so the command line should use these names.
type Overrides struct {
	// Backend (--backend) names the default backend: a backend of the file
	// or a kind. Provider (--provider) picks it by kind, as LLM_PROVIDER
	// does. Model (--model) is the default model. Given without Models or
	// the Synthesis fields, each of them means "use this": it replaces the
	// file's council (thinkers, models, synthesizer) with the default
	// target. Backend wins over Provider when both are given.
	Backend  *string
	Provider *string
	Model    *string
	// BaseURL (--base-url) is the default backend's address; NumCtx
	// (--num-ctx) and KeepAlive (--keep-alive) its Ollama options.
	BaseURL   *string
	NumCtx    *int
	KeepAlive *time.Duration

	Models             []string       // --models a,b: thought models in turn, on the default backend
	SynthesisBackend   *string        // --synthesis-backend
	SynthesisModel     *string        // --synthesis-model
	Mode               *jessy.Mode    // --mode parallel|sequential (--sequential sets ModeSequential)
	Thoughts           *Count         // --thoughts, -n: a number or auto
	Concurrency        *Count         // --concurrency: thoughts in flight in one run (0: all), or auto
	MaxTokens          *int           // --max-tokens: per-thought output cap
	SynthesisMaxTokens *int           // --synthesis-max-tokens
	Temperature        *float64       // --temperature
	ThoughtTimeout     *time.Duration // --thought-timeout (0: none)
	SynthesisTimeout   *time.Duration // --synthesis-timeout (0: none)
	Timeout            *time.Duration // --timeout: the whole run (0: none)
	Retries            *int           // --retries
	MinThoughts        *int           // --min-thoughts
	Quorum             *int           // --quorum
	Grace              *string        // --grace
	Speculative        *bool          // --speculative
	Strategy           *string        // --strategy
	AgreeCount         *int           // --agree-count
	AgreeThreshold     *float64       // --agree-threshold
	AgreeLexical       *bool          // --agree-lexical
	EmbedModel         *string        // --embed-model
	Batch              *bool          // --batch
	// Fallbacks (--fallback, repeatable) replace the file's fallback
	// synthesizers: each is MODEL on the default backend or BACKEND=MODEL.
	Fallbacks []string
}

// Resolve applies the precedence flags > environment > profile > file >
// defaults, field by field, and returns the resolved Settings.
//
// file may be nil (no file). profile "" applies none; a profile the file
// does not define is an error listing the known ones. env reads the
// environment (nil means os.Getenv); Resolve reads LLM_PROVIDER, LLM_MODEL,
// OLLAMA_HOST, OPENAI_BASE_URL, ANTHROPIC_BASE_URL and the variables named by
// api_key_env (by default OPENAI_API_KEY, ANTHROPIC_API_KEY).
//
// The environment sets the default backend (LLM_PROVIDER picks the file's
// default backend if it is of that kind, else the first of that kind, else
// a backend of that kind set up from the environment) and the default model
// (LLM_MODEL); targets that name their own backend and model keep them.
// Base-URL variables apply to backends of their kind that set no base_url.
// A backend name that is a kind ("openai") and not defined in the file is
// a backend of that kind set up from the environment.
//
// Errors are *jessy.Error values of KindInvalid naming the key (with its
// file line), the flag or the variable at fault. A missing model or key is
// not an error here; see Settings.Ready. Resolve never fails on a file
// that Parse accepted and empty flags and environment, except for an
// unknown profile or min_thoughts above thoughts.
func Resolve(file *File, profile string, env func(string) string, flags Overrides) (*Settings, error) {
	if file == nil {
		file = &File{}
	}
	if env == nil {
		env = os.Getenv
	}
	if err := file.validate(); err != nil {
		return nil, err
	}
	r := &resolver{f: file, env: env, flags: flags, top: &file.Layer, s: &Settings{File: file.Path, Profile: profile}}
	if profile != "" {
		p, ok := file.Profiles[profile]
		if !ok {
			return nil, jessy.Errorf(jessy.KindInvalid, "%s", unknownProfile(file, profile))
		}
		r.prof, r.profAt = &p, path{"profiles", profile}
	}
	for _, b := range file.Backends {
		r.s.Backends = append(r.s.Backends, r.fromSpec(b))
	}
	steps := []func() error{r.defaults, r.targets, r.backendFlags, r.run}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return r.s, nil
}

func unknownProfile(f *File, name string) string {
	names := f.profileNames()
	if len(names) == 0 {
		return fmt.Sprintf("unknown profile %q: the configuration defines no profiles", name)
	}
	return fmt.Sprintf("unknown profile %q; profiles: %s", name, strings.Join(names, ", "))
}

type resolver struct {
	f      *File
	env    func(string) string
	flags  Overrides
	top    *Layer
	prof   *Layer // nil without a profile
	profAt path

	defBackend, defModel string
	s                    *Settings
}

// layer returns the profile when it sets what has reports, else the top
// level, with the path prefix of the one returned.
func (r *resolver) layer(has func(*Layer) bool) (*Layer, path) {
	if r.prof != nil && has(r.prof) {
		return r.prof, r.profAt
	}
	return r.top, nil
}

// defaults resolves the default backend and model.
func (r *resolver) defaults() error {
	fileDef, _ := r.layer(func(l *Layer) bool { return l.Defaults.Backend != "" })
	fromFile := fileDef.Defaults.Backend
	if fromFile == "" && len(r.f.Backends) > 0 {
		fromFile = r.f.Backends[0].Name
	}
	provVar, prov := EnvProvider, r.env(EnvProvider)
	if r.flags.Provider != nil {
		provVar, prov = "--provider", *r.flags.Provider
	}
	switch prov := strings.ToLower(strings.TrimSpace(prov)); {
	case r.flags.Backend != nil:
		if msg := r.f.refProblem(*r.flags.Backend); msg != "" {
			return invalid("--backend: %s", msg)
		}
		r.defBackend = *r.flags.Backend
	case prov != "":
		if !validKind(Kind(prov)) {
			return &jessy.Error{Kind: jessy.KindInvalid,
				Message: fmt.Sprintf("%s is %q; it must be one of %s", provVar, prov, kindList())}
		}
		r.defBackend = prov
		if r.kindOf(fromFile) == Kind(prov) {
			r.defBackend = fromFile
		} else if b := r.firstOfKind(Kind(prov)); b != "" {
			r.defBackend = b
		}
	case fromFile != "":
		r.defBackend = fromFile
	default:
		r.defBackend = string(KindOllama)
	}
	if r.flags.Model != nil {
		r.defModel = *r.flags.Model
	} else if m := strings.TrimSpace(r.env(EnvModel)); m != "" {
		r.defModel = m
	} else {
		l, _ := r.layer(func(l *Layer) bool { return l.Defaults.Model != "" })
		r.defModel = l.Defaults.Model
	}
	return nil
}

// kindOf returns the kind of the backend name refers to, "" if none.
func (r *resolver) kindOf(name string) Kind {
	if b := r.f.backendSpec(name); b != nil {
		return b.Kind
	}
	if validKind(Kind(name)) {
		return Kind(name)
	}
	return ""
}

func (r *resolver) firstOfKind(k Kind) string {
	for _, b := range r.f.Backends {
		if b.Kind == k {
			return b.Name
		}
	}
	return ""
}

// targets resolves the thinkers, the synthesizer and the fallbacks, and
// marks the backends they use.
func (r *resolver) targets() error {
	def := Target{Backend: r.defBackend, Model: r.defModel}
	fill := func(t TargetSpec) Target {
		out := Target{Backend: t.Backend, Model: t.Model}
		if out.Backend == "" {
			out.Backend = def.Backend
		}
		if out.Model == "" {
			out.Model = def.Model
		}
		return out
	}
	collapse := r.flags.Backend != nil || r.flags.Provider != nil || r.flags.Model != nil

	council, _ := r.layer(func(l *Layer) bool { return len(l.Thinkers) > 0 || len(l.Models) > 0 })
	switch {
	case len(r.flags.Models) > 0:
		for _, m := range r.flags.Models {
			if strings.TrimSpace(m) == "" {
				return jessy.Errorf(jessy.KindInvalid, "--models: empty model name")
			}
			r.s.Thinkers = append(r.s.Thinkers, Target{Backend: def.Backend, Model: m})
		}
	case collapse:
		r.s.Thinkers = []Target{def}
	case len(council.Thinkers) > 0:
		for _, t := range council.Thinkers {
			r.s.Thinkers = append(r.s.Thinkers, fill(t))
		}
	case len(council.Models) > 0:
		for _, m := range council.Models {
			r.s.Thinkers = append(r.s.Thinkers, Target{Backend: def.Backend, Model: m})
		}
	default:
		r.s.Thinkers = []Target{def}
	}

	synth, _ := r.layer(func(l *Layer) bool { return l.Synthesizer != nil })
	switch {
	case r.flags.SynthesisBackend != nil || r.flags.SynthesisModel != nil:
		var t TargetSpec
		if r.flags.SynthesisBackend != nil {
			if msg := r.f.refProblem(*r.flags.SynthesisBackend); msg != "" {
				return invalid("--synthesis-backend: %s", msg)
			}
			t.Backend = *r.flags.SynthesisBackend
		}
		if r.flags.SynthesisModel != nil {
			t.Model = *r.flags.SynthesisModel
		}
		r.s.Synthesizer = fill(t)
	case collapse || synth.Synthesizer == nil:
		r.s.Synthesizer = def
	default:
		r.s.Synthesizer = fill(*synth.Synthesizer)
	}

	if len(r.flags.Fallbacks) > 0 {
		for _, f := range r.flags.Fallbacks {
			var t TargetSpec
			if b, m, ok := strings.Cut(f, "="); ok {
				if msg := r.f.refProblem(b); msg != "" {
					return invalid("--fallback %s: %s", f, msg)
				}
				t.Backend, t.Model = b, m
			} else {
				t.Model = f
			}
			if strings.TrimSpace(t.Model) == "" {
				return invalid("--fallback %q: empty model name (use MODEL or BACKEND=MODEL)", f)
			}
			r.s.Fallbacks = append(r.s.Fallbacks, fill(t))
		}
	} else {
		fb, _ := r.layer(func(l *Layer) bool { return len(l.Fallbacks) > 0 })
		for _, t := range fb.Fallbacks {
			r.s.Fallbacks = append(r.s.Fallbacks, fill(t))
		}
	}

	for _, t := range append(append(append([]Target{}, r.s.Thinkers...), r.s.Synthesizer), r.s.Fallbacks...) {
		r.use(t.Backend)
	}
	return nil
}

// run resolves the run options.
func (r *resolver) run() error {
	for _, b := range r.s.Backends {
		if err := checkURL(b.BaseURL); err != nil {
			return jessy.Errorf(jessy.KindInvalid, "backend %q: base URL %v", b.Name, err)
		}
	}
	angles, _ := r.layer(func(l *Layer) bool { return len(l.Angles) > 0 })
	prompts := func(get func(Prompts) string) string {
		l, _ := r.layer(func(l *Layer) bool { return get(l.Prompts) != "" })
		return get(l.Prompts)
	}
	run := &r.s.Run
	run.Angles = append([]jessy.Angle(nil), angles.Angles...)
	if len(run.Angles) == 0 {
		run.Angles = prompt.DefaultAngles()
	}
	run.ThoughtSystem = prompts(func(p Prompts) string { return p.ThoughtSystem })
	if run.ThoughtSystem == "" {
		run.ThoughtSystem = prompt.DefaultThoughtSystem
	}
	run.SynthesisSystem = prompts(func(p Prompts) string { return p.SynthesisSystem })
	if run.SynthesisSystem == "" {
		run.SynthesisSystem = prompt.DefaultSynthesisSystem
	}
	return r.options(run)
}
