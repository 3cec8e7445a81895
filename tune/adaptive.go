// Package tune learns the concurrency at which a backend and model finish a
// run's thoughts soonest, and keeps it in a small JSON file across runs. Its
// Adaptive is the engine.Tuner the command line and the server give the
// engine for auto concurrency.
package tune

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/jessy-llm/jessy"
)

// Tuning of Adaptive.
const (
	// adaptiveAlpha is the weight of a new run in a level's moving average.
	adaptiveAlpha = 0.3
	// adaptiveTolerance is how much slower (as a fraction) a lower level may
	// be predicted and still be preferred: fewer calls in flight load the
	// backend less and bring the first thoughts sooner.
	adaptiveTolerance = 0.05
	// DefaultProbeEvery is how often (in runs of a key) Adaptive re-measures
	// a neighbour of the best level, so that it follows a backend that
	// changed.
	DefaultProbeEvery = 20
)

// Adaptive learns, for each backend and model, the concurrency at which a
// run's thoughts finish soonest, and remembers it in a small JSON file
// across runs.
//
// It measures each successful thought's cost (milliseconds per completion
// token, or per call when the backend reports no tokens) at the
// concurrency the run used, keeps a moving average per level of the ladder
// 1, 2, 4, ... N, and predicts a run's thinking time at level c as
// ceil(N/c) x cost(c). It chooses the lowest level predicted within 5% of
// the fastest. Until the neighbours of that level are measured it explores
// them (starting from N, then halving while halving does not hurt), and
// every ProbeEvery runs it measures a neighbour again. An overloaded or
// rate-limited answer (503, 529, 429) at level c caps the key at c/2 until
// a probe above the cap succeeds.
//
// Keys are the engine's (engine.TuneKey: the backend and the model). An
// Adaptive implements engine.Tuner and is safe for concurrent use; share one
// between every run.
type Adaptive struct {
	// ProbeEvery is how many runs of a key pass between probes of a
	// neighbouring level; 0 means DefaultProbeEvery, negative never probes.
	ProbeEvery int

	path    string
	mu      sync.Mutex
	entries map[string]*adaptiveEntry
}

// adaptiveEntry is what Adaptive knows of one key. It is stored as JSON.
type adaptiveEntry struct {
	// Levels maps a concurrency to its measured cost.
	Levels map[int]*levelCost `json:"levels"`
	// Cap is the highest level allowed after an overload; 0 for none.
	Cap int `json:"cap,omitempty"`
	// Runs counts the runs chosen for this key.
	Runs int `json:"runs"`
}

type levelCost struct {
	// Cost is the moving average of a thought's cost at this level, in
	// milliseconds per completion token (or per call).
	Cost float64 `json:"cost_ms"`
	// Runs counts the runs measured at this level.
	Runs int `json:"runs"`
}

type adaptiveFile struct {
	Version int                       `json:"version"`
	Entries map[string]*adaptiveEntry `json:"entries"`
}

// DefaultPath is the cache file of Adaptive: concurrency.json in the jessy
// folder of os.UserCacheDir.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the cache folder: %w", err)
	}
	return filepath.Join(dir, "jessy", "concurrency.json"), nil
}

// Open returns an Adaptive that remembers what it learns in the file at
// path ("" keeps it in memory only), loading what the file already holds.
// A missing file is not an error; an unreadable or corrupt one is, and the
// returned Adaptive then starts empty but still saves to path.
func Open(path string) (*Adaptive, error) {
	a := &Adaptive{path: path, entries: map[string]*adaptiveEntry{}}
	if path == "" {
		return a, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return a, nil
	}
	if err != nil {
		return a, fmt.Errorf("read the concurrency cache: %w", err)
	}
	var f adaptiveFile
	if err := json.Unmarshal(b, &f); err != nil {
		return a, fmt.Errorf("read the concurrency cache %s: %w", path, err)
	}
	for k, e := range f.Entries {
		if e != nil && e.Levels != nil {
			a.entries[k] = e
		}
	}
	return a, nil
}

// Save writes what a has learned to its file, atomically (a temporary file
// renamed over it), creating the folder. It does nothing for an in-memory
// Adaptive.
func (a *Adaptive) Save() error {
	if a.path == "" {
		return nil
	}
	a.mu.Lock()
	b, err := json.MarshalIndent(adaptiveFile{Version: 1, Entries: a.entries}, "", "  ")
	a.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode the concurrency cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o755); err != nil {
		return fmt.Errorf("save the concurrency cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(a.path), ".concurrency-*.json")
	if err != nil {
		return fmt.Errorf("save the concurrency cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save the concurrency cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save the concurrency cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), a.path); err != nil {
		return fmt.Errorf("save the concurrency cache: %w", err)
	}
	return nil
}

// ladder is the levels Adaptive considers for n thoughts: the powers of two
// below n, then n.
func ladder(n int) []int {
	var out []int
	for c := 1; c < n; c *= 2 {
		out = append(out, c)
	}
	return append(out, max(n, 1))
}

// predict is the thinking time of n thoughts at level c, in cost units, or
// +Inf when c is unmeasured.
func (e *adaptiveEntry) predict(n, c int) float64 {
	l, ok := e.Levels[c]
	if !ok {
		return math.Inf(1)
	}
	return float64((n+c-1)/c) * l.Cost
}

// best is the lowest measured level of lv within adaptiveTolerance of the
// fastest, or 0 when none is measured.
func (e *adaptiveEntry) best(n int, lv []int) int {
	fastest := math.Inf(1)
	for _, c := range lv {
		fastest = min(fastest, e.predict(n, c))
	}
	if math.IsInf(fastest, 1) {
		return 0
	}
	for _, c := range lv {
		if e.predict(n, c) <= fastest*(1+adaptiveTolerance) {
			return c
		}
	}
	return 0
}

// entry returns what a knows of key, making an empty entry on first use;
// a.mu must be held.
func (a *Adaptive) entry(key string) *adaptiveEntry {
	e := a.entries[key]
	if e == nil {
		e = &adaptiveEntry{Levels: map[int]*levelCost{}}
		a.entries[key] = e
	}
	return e
}

// Choose returns the concurrency for the next run of n thoughts on key, and
// why. It counts the run towards the next probe.
func (a *Adaptive) Choose(key string, n int) (int, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entry(key)
	e.Runs++
	lv := ladder(n)
	allowed := lv
	if e.Cap > 0 {
		allowed = slices.DeleteFunc(slices.Clone(lv), func(c int) bool { return c > e.Cap })
		if len(allowed) == 0 {
			allowed = lv[:1]
		}
	}
	b := e.best(n, allowed)
	if b == 0 {
		top := allowed[len(allowed)-1]
		return top, fmt.Sprintf("auto: exploring %d (no timings yet)", top)
	}
	i := slices.Index(lv, b)
	if i > 0 && e.Levels[lv[i-1]] == nil {
		return lv[i-1], fmt.Sprintf("auto: exploring %d below the best so far, %d", lv[i-1], b)
	}
	if i+1 < len(allowed) && e.Levels[lv[i+1]] == nil {
		return lv[i+1], fmt.Sprintf("auto: exploring %d above the best so far, %d", lv[i+1], b)
	}
	every := a.ProbeEvery
	if every == 0 {
		every = DefaultProbeEvery
	}
	if every > 0 && e.Runs%every == 0 {
		// Alternate between the level below and the one above, taking
		// the other when one does not exist.
		j := i - 1
		if (e.Runs/every)%2 == 0 || j < 0 {
			j = i + 1
		}
		if j >= len(lv) {
			j = i - 1
		}
		if j >= 0 {
			return lv[j], fmt.Sprintf("auto: probing %d beside the best, %d", lv[j], b)
		}
	}
	return b, fmt.Sprintf("auto: %d is fastest for %d thoughts", b, n)
}

// Learn records the thoughts of a run made at concurrency level on key.
// Successful thoughts give the level's cost; an overloaded or rate-limited
// answer in any attempt caps the key at level/2. Thoughts cut off by the
// run are ignored. Learn changes memory only; call Save to keep it.
func (a *Adaptive) Learn(key string, level int, thoughts []jessy.Thought) {
	var sum float64
	var ok int
	overloaded := false
	for _, t := range thoughts {
		for _, at := range t.Attempts {
			switch jessy.KindOf(at.Err) {
			case jessy.KindOverloaded, jessy.KindRateLimited:
				overloaded = true
			}
		}
		if t.Status != jessy.StatusOK {
			continue
		}
		ms := jessy.Milliseconds(t.Duration)
		if t.Usage.CompletionTokens > 0 {
			ms /= float64(t.Usage.CompletionTokens)
		}
		sum += ms
		ok++
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entry(key)
	if overloaded {
		e.Cap = max(1, level/2)
		delete(e.Levels, level)
		return
	}
	if ok == 0 {
		return
	}
	if e.Cap > 0 && level > e.Cap {
		e.Cap = 0 // a probe above the cap went through
	}
	cost := sum / float64(ok)
	l := e.Levels[level]
	if l == nil {
		e.Levels[level] = &levelCost{Cost: cost, Runs: 1}
		return
	}
	l.Cost += adaptiveAlpha * (cost - l.Cost)
	l.Runs++
}

// Best returns the level Choose would exploit for n thoughts on key, without
// exploring or counting a run, and false when nothing is known of key.
func (a *Adaptive) Best(key string, n int) (int, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entries[key]
	if e == nil {
		return 0, false
	}
	lv := ladder(n)
	if e.Cap > 0 {
		lv = slices.DeleteFunc(lv, func(c int) bool { return c > e.Cap })
	}
	b := e.best(n, lv)
	return b, b > 0
}

// Forget drops what a knows of key.
func (a *Adaptive) Forget(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.entries, key)
}
