package backend

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jessy-llm/jessy"
	"github.com/jessy-llm/jessy/config"
	"github.com/jessy-llm/jessy/engine"
	"github.com/jessy-llm/jessy/server"
)

// DefaultModel is the model name of the default profile.
const DefaultModel = "jessy"

// Catalog maps the model a server request names to an engine: "jessy" for
// the default settings, a profile of the config file, or a model of the
// default backend to think with. Every engine comes from one Pool,
// so each backend's concurrency limit holds across all runs.
type Catalog struct {
	pool     *Pool
	file     *config.File
	getenv   func(string) string
	flags    config.Overrides
	settings *config.Settings // the default

	mu       sync.Mutex
	engines  map[string]*engine.Engine
	known    map[string]bool // models the default backend listed
	listedAt time.Time
}

// listEvery bounds how often an unknown model name refreshes the list of
// the backend's models.
const listEvery = 30 * time.Second

// NewCatalog builds an engine for the default settings and for every
// profile of file from pool, each with flags over it, and lists the
// default backend's models (bounded by ProbeTimeout; a backend that does
// not answer lists none). It fails with the first profile's resolve or
// build error. A Catalog is safe for concurrent use.
func NewCatalog(ctx context.Context, pool *Pool, file *config.File, profile string, getenv func(string) string,
	flags config.Overrides) (*Catalog, error) {
	c := &Catalog{pool: pool, file: file, getenv: getenv, flags: flags, engines: map[string]*engine.Engine{}}
	s, err := config.Resolve(file, profile, getenv, flags)
	if err != nil {
		return nil, err
	}
	c.settings = s
	def, err := c.build(s)
	if err != nil {
		return nil, err
	}
	c.engines[DefaultModel] = def
	for name := range file.Profiles {
		ps, err := config.Resolve(file, name, getenv, flags)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		if c.engines[name], err = c.build(ps); err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
	}
	c.refresh(ctx)
	return c, nil
}

// refresh lists the default backend's models; c.mu must be held or c not
// yet shared.
func (c *Catalog) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	c.listedAt = time.Now()
	m, _ := Models(ctx, c.settings)
	known := map[string]bool{}
	for _, list := range m {
		for _, mi := range list {
			known[mi.Name] = true
			known[strings.TrimSuffix(mi.Name, ":latest")] = true
		}
	}
	c.known = known
}

// Settings are the resolved settings of the default profile.
func (c *Catalog) Settings() *config.Settings { return c.settings }

// Engine implements server.Catalog.
func (c *Catalog) Engine(model string) (*engine.Engine, error) {
	if model == "" {
		model = DefaultModel
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.engines[model]; ok {
		return e, nil
	}
	if !c.known[model] && time.Since(c.listedAt) > listEvery {
		c.refresh(context.Background())
	}
	if !c.known[model] {
		return nil, &jessy.Error{Kind: jessy.KindModelNotFound,
			Message: fmt.Sprintf("unknown model %q: ask for %s, a profile, or a model of the backend (GET /v1/models lists them)", model, DefaultModel)}
	}
	o := c.flags
	o.Model = &model
	s, err := config.Resolve(c.file, "", c.getenv, o)
	if err != nil {
		return nil, err
	}
	e, err := c.build(s)
	if err != nil {
		return nil, err
	}
	c.engines[model] = e
	return e, nil
}

// build makes the engine of s from the pool: each profile's settings,
// its speed options included, with the command line's flags over them.
func (c *Catalog) build(s *config.Settings) (*engine.Engine, error) { return c.pool.Build(s) }

// Models implements server.Catalog.
func (c *Catalog) Models() []server.ModelEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []server.ModelEntry{{ID: DefaultModel, Description: "parallel thinking with the default settings"}}
	var profiles, models []string
	for name := range c.file.Profiles {
		profiles = append(profiles, name)
	}
	for name := range c.known {
		if !strings.HasSuffix(name, ":latest") {
			models = append(models, name)
		}
	}
	sort.Strings(profiles)
	sort.Strings(models)
	for _, p := range profiles {
		out = append(out, server.ModelEntry{ID: p, Description: "parallel thinking with the " + p + " profile"})
	}
	for _, m := range models {
		out = append(out, server.ModelEntry{ID: m, OwnedBy: c.settings.Synthesizer.Backend, Description: "parallel thinking with " + m})
	}
	return out
}
