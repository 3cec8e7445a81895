package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
)

// ProbeTimeout bounds each backend's probe in Doctor and Models.
const ProbeTimeout = 5 * time.Second

// probeTimeout is ProbeTimeout; tests shorten it.
var probeTimeout = ProbeTimeout

// Check is what the doctor found about one backend.
type Check struct {
	Backend string
	Kind    config.Kind
	BaseURL string
	// Used reports whether the run uses the backend.
	Used bool
	// OK reports that the backend answered and has every model the run
	// names on it.
	OK bool
	// Verdict is one line for people, e.g. "ok: Ollama 0.11.4; qwen3:4b
	// present (loaded)" or "unreachable: connection refused".
	Verdict string
	// Version is the server's version where it says (Ollama).
	Version string
	// Models are the models the backend lists.
	Models []jessy.ModelInfo
	// Wanted are the models the run names on this backend; Missing are
	// those of them the backend does not list.
	Wanted, Missing []string
	// Loaded are the models in memory where the backend says (Ollama).
	Loaded []string
	// Slots is the number of parallel slots the server reports (llama.cpp's
	// /props), 0 when unknown.
	Slots int
	// Err is why the probe failed, nil when the backend answered.
	Err error
}

// Doctor probes every backend of s concurrently, each within ProbeTimeout
// (and ctx): whether it answers, whether it has the models the run names
// on it, and what it reports of itself (Ollama's version and loaded
// models, llama.cpp's parallel slots). It never panics and never fails: a
// failed probe is a Check with OK false and a Verdict saying why. Checks
// come in the order of s.Backends. A backend whose endpoint needs a key
// that is not set is not contacted.
func Doctor(ctx context.Context, s *config.Settings) []Check {
	checks := make([]Check, len(s.Backends))
	var wg sync.WaitGroup
	for i := range s.Backends {
		wg.Go(func() {
			checks[i] = doctor(ctx, s, &s.Backends[i])
		})
	}
	wg.Wait()
	return checks
}

func doctor(ctx context.Context, s *config.Settings, b *config.Backend) (c Check) {
	c = Check{Backend: b.Name, Kind: b.Kind, BaseURL: jessy.RedactURL(b.BaseURL), Used: b.Used, Wanted: wanted(s, b.Name)}
	defer func() {
		if r := recover(); r != nil {
			c.OK, c.Err, c.Verdict = false, fmt.Errorf("probe panicked: %v", r), fmt.Sprintf("failed: the probe panicked: %v", r)
		}
	}()
	if err := b.KeyError(); err != nil {
		c.Err, c.Verdict = err, "not ready: "+err.Error()
		return c
	}
	p, err := Open(b)
	if err != nil {
		c.Err, c.Verdict = err, "not ready: "+err.Error()
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()

	var facts []string
	if vr, ok := jessy.Find[jessy.Versioner](p); ok {
		v, err := vr.Version(ctx)
		if err != nil {
			return failed(c, err)
		}
		c.Version = v
		facts = append(facts, "Ollama "+v)
	}
	lister, ok := p.(jessy.ModelLister)
	if !ok {
		c.Verdict = "unchecked: the backend cannot list models"
		return c
	}
	c.Models, err = lister.Models(ctx)
	switch {
	case err != nil && jessy.KindOf(err) == jessy.KindModelNotFound && c.Version == "":
		// Some OpenAI-compatible servers have no /models.
		facts = append(facts, "the server does not list its models")
		c.Missing = nil
	case err != nil:
		return failed(c, err)
	default:
		c.Missing = missing(b.Kind, c.Wanted, c.Models)
		for _, m := range c.Models {
			if m.Loaded {
				c.Loaded = append(c.Loaded, m.Name)
			}
		}
		facts = append(facts, plural(len(c.Models), "model"))
	}
	for _, w := range c.Wanted {
		if !slices.Contains(c.Missing, w) && c.Models != nil {
			facts = append(facts, w+" present"+loadedNote(b.Kind, w, c.Loaded))
		}
	}
	if c.Version != "" {
		facts = append(facts, plural(len(c.Loaded), "model")+" loaded")
	}
	if b.Kind == config.KindOpenAI {
		if c.Slots = slots(ctx, b); c.Slots > 0 {
			facts = append(facts, slotNote(c.Slots, b.Concurrency))
		}
	}
	if !b.Used {
		facts = append(facts, "not used by this run")
	}
	switch {
	case len(c.Missing) > 0:
		c.Verdict = "missing model " + strings.Join(c.Missing, ", ") + pullHint(b.Kind, c.Missing) + "; " + strings.Join(facts, "; ")
	default:
		c.OK, c.Verdict = true, "ok: "+strings.Join(facts, "; ")
	}
	return c
}

// failed fills c for a backend that did not answer as it should.
func failed(c Check, err error) Check {
	c.OK, c.Err = false, err
	word := map[jessy.Kind]string{
		jessy.KindUnreachable: "unreachable", jessy.KindTimeout: "no answer", jessy.KindAuth: "key refused",
		jessy.KindQuota: "quota exhausted", jessy.KindRateLimited: "rate limited", jessy.KindOverloaded: "overloaded",
	}[jessy.KindOf(err)]
	if word == "" {
		word = "failed"
	}
	c.Verdict = word + ": " + err.Error()
	if h := jessy.HintOf(err); h != "" {
		c.Verdict += " (" + h + ")"
	}
	return c
}

// wanted lists, once each and in order, the models the run names on backend.
func wanted(s *config.Settings, backend string) []string {
	var out []string
	all := append(append(append([]config.Target{}, s.Thinkers...), s.Synthesizer), s.Fallbacks...)
	for _, t := range all {
		if t.Backend == backend && t.Model != "" && !slices.Contains(out, t.Model) {
			out = append(out, t.Model)
		}
	}
	return out
}

// missing returns the models of want that have does not list. For Ollama a
// name without a tag means its :latest.
func missing(kind config.Kind, want []string, have []jessy.ModelInfo) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(have, func(m jessy.ModelInfo) bool { return sameModel(kind, w, m.Name) }) {
			out = append(out, w)
		}
	}
	return out
}

func sameModel(kind config.Kind, a, b string) bool {
	if kind == config.KindOllama {
		tag := func(s string) string {
			if !strings.Contains(s, ":") {
				return s + ":latest"
			}
			return s
		}
		return tag(a) == tag(b)
	}
	return a == b
}

func loadedNote(kind config.Kind, model string, loaded []string) string {
	if slices.ContainsFunc(loaded, func(l string) bool { return sameModel(kind, model, l) }) {
		return " (loaded)"
	}
	return ""
}

func pullHint(kind config.Kind, models []string) string {
	if kind != config.KindOllama {
		return ""
	}
	return " (ollama pull " + strings.Join(models, "; ollama pull ") + ")"
}

func slotNote(slots, concurrency int) string {
	s := fmt.Sprintf("the server has %s", plural(slots, "parallel slot"))
	switch {
	case concurrency == 0:
		s += fmt.Sprintf(" (set concurrency: %d to match)", slots)
	case concurrency > slots:
		s += fmt.Sprintf(" (concurrency %d: calls beyond %d will queue on the server)", concurrency, slots)
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Models lists the models of every backend of s, concurrently, each within
// ProbeTimeout (and ctx), keyed by backend name. Backends that fail are
// left out of the map; the error then joins one error per failed backend,
// each naming it. A backend whose endpoint needs a missing key fails with
// that key's KindAuth error, without a request.
func Models(ctx context.Context, s *config.Settings) (map[string][]jessy.ModelInfo, error) {
	type answer struct {
		models []jessy.ModelInfo
		err    error
	}
	answers := make([]answer, len(s.Backends))
	var wg sync.WaitGroup
	for i := range s.Backends {
		wg.Go(func() {
			b := &s.Backends[i]
			m, err := list(ctx, b)
			var je *jessy.Error
			if err != nil && !(errors.As(err, &je) && je.Backend == b.Name) {
				err = fmt.Errorf("backend %s: %w", b.Name, err)
			}
			answers[i] = answer{m, err}
		})
	}
	wg.Wait()
	out := make(map[string][]jessy.ModelInfo)
	var errs []error
	for i, a := range answers {
		if a.err != nil {
			errs = append(errs, a.err)
			continue
		}
		out[s.Backends[i].Name] = a.models
	}
	return out, errors.Join(errs...)
}

func list(ctx context.Context, b *config.Backend) ([]jessy.ModelInfo, error) {
	if err := b.KeyError(); err != nil {
		return nil, err
	}
	p, err := Open(b)
	if err != nil {
		return nil, err
	}
	lister, ok := p.(jessy.ModelLister)
	if !ok {
		return nil, jessy.Errorf(jessy.KindInvalid, "the backend cannot list models").WithBackend(b.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return lister.Models(ctx)
}
