package engine

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jessy-llm/jessy"
)

// Strategy says what the thoughts of a parallel run are asked.
type Strategy string

// The strategies.
const (
	// StrategyAngles gives each thought its own angle (the default). Its
	// thoughts differ on purpose, so it never stops early on agreement.
	StrategyAngles Strategy = "angles"
	// StrategySamples gives every thought the same prompt at a non-zero
	// temperature (self-consistency) and stops early once enough finished
	// thoughts agree.
	StrategySamples Strategy = "samples"
)

// Defaults of SpeedOptions.
const (
	// DefaultSampleTemperature is the temperature of the samples strategy
	// when Options.Temperature is nil.
	DefaultSampleTemperature = 0.8
	// DefaultCosineThreshold is the embedding cosine similarity at which two
	// samples agree.
	DefaultCosineThreshold = 0.9
	// DefaultJaccardThreshold is the word-set Jaccard similarity at which two
	// samples agree when no embeddings are available.
	DefaultJaccardThreshold = 0.5
)

// ErrCutOff is the cause of the cancellation of thoughts the run no longer
// needed. Canceled thoughts carry an error that wraps it.
var ErrCutOff = errors.New("cut off")

// Grace is how long a run waits for the remaining thoughts once its quorum
// is in. The zero Grace waits not at all. When both fields are set, the
// larger wait applies.
type Grace struct {
	// After is a fixed wait.
	After time.Duration
	// Fraction is a wait relative to the time the quorum took: 0.5 waits half
	// as long again as the K-th thought took to arrive.
	Fraction float64
}

// For returns the wait after a quorum that took took.
func (g Grace) For(took time.Duration) time.Duration {
	return max(g.After, time.Duration(g.Fraction*float64(took)))
}

// String formats g the way ParseGrace reads it.
func (g Grace) String() string {
	if g.Fraction > 0 && g.After == 0 {
		return strconv.FormatFloat(g.Fraction, 'g', -1, 64) + "x"
	}
	return g.After.String()
}

// ParseGrace reads a grace period: a Go duration ("1.5s", "200ms"), a
// fraction of the quorum's time written with a trailing "x" or "%"
// ("0.5x", "50%"), or "0". It returns a KindInvalid error for anything else.
func ParseGrace(s string) (Grace, error) {
	s = strings.TrimSpace(s)
	bad := jessy.Errorf(jessy.KindInvalid, "grace %q is neither a duration (2s) nor a fraction (0.5x, 50%%)", s)
	switch {
	case s == "0":
		return Grace{}, nil
	case strings.HasSuffix(s, "x"), strings.HasSuffix(s, "%"):
		f, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil || f < 0 {
			return Grace{}, bad
		}
		if strings.HasSuffix(s, "%") {
			f /= 100
		}
		return Grace{Fraction: f}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return Grace{}, bad
	}
	return Grace{After: d}, nil
}

// Agreement configures the early stop of the samples strategy.
type Agreement struct {
	// Count is how many finished samples must agree to stop; 0 means
	// ceil(5N/8), the reference's "5 of 8".
	Count int
	// Threshold is the similarity at which two samples agree; 0 means
	// DefaultCosineThreshold with embeddings, DefaultJaccardThreshold without.
	Threshold float64
	// Embedder embeds the samples. Nil uses the first thinker's provider when
	// it, or a provider it wraps, implements jessy.Embedder (see jessy.Find),
	// else the lexical measure.
	Embedder jessy.Embedder
	// Model is the embedding model; "" uses the first thinker's model.
	Model string
	// Lexical forces the word-set measure even when embeddings exist.
	Lexical bool
}

// SpeedOptions are the options that make a run faster than waiting for all
// N thoughts. The zero SpeedOptions wait for every thought, with the angles
// strategy, at the engine's fixed concurrency.
type SpeedOptions struct {
	// Quorum is K: once K thoughts have succeeded, the run waits at most
	// Grace for the rest, then cancels them and synthesizes. 0 waits for all.
	Quorum int
	// Grace is the wait for stragglers after the quorum.
	Grace Grace
	// Speculative starts the synthesis as soon as the quorum is in, while
	// stragglers still run; a straggler that lands before the synthesis's
	// first token restarts it with that thought included, and the stragglers
	// are canceled once the first token arrives. It needs Quorum and
	// replaces Grace.
	Speculative bool
	// Strategy is StrategyAngles ("" too) or StrategySamples.
	Strategy Strategy
	// Agreement shapes the early stop of StrategySamples.
	Agreement Agreement
	// Tuner, when set and Options.Concurrency is 0, chooses each thinker
	// target's concurrency from what it learned of that backend and model,
	// and learns from the run. Share one across runs.
	Tuner Tuner
	// ThoughtsAuto chooses the number of thoughts from the question (see
	// ChooseThoughts) instead of Options.Thoughts.
	ThoughtsAuto bool
}

func (e *Engine) validateSpeed() error {
	switch {
	case e.Quorum < 0 || e.Quorum > e.thoughts():
		return jessy.Errorf(jessy.KindInvalid, "quorum %d is not between 0 and the %d thoughts", e.Quorum, e.thoughts())
	case e.Quorum > 0 && e.Quorum < e.MinThoughts:
		return jessy.Errorf(jessy.KindInvalid, "quorum %d is below min thoughts %d", e.Quorum, e.MinThoughts)
	case e.Grace.After < 0 || e.Grace.Fraction < 0:
		return jessy.Errorf(jessy.KindInvalid, "grace must not be negative")
	case e.Speculative && e.Quorum == 0:
		return jessy.Errorf(jessy.KindInvalid, "speculative synthesis needs a quorum")
	case e.Speculative && e.mode() == jessy.ModeSequential, e.Quorum > 0 && e.mode() == jessy.ModeSequential:
		return jessy.Errorf(jessy.KindInvalid, "quorum and speculative synthesis apply to parallel runs only")
	case e.Agreement.Count < 0 || e.Agreement.Count > e.thoughts():
		return jessy.Errorf(jessy.KindInvalid, "agreement count %d is not between 0 and the %d thoughts", e.Agreement.Count, e.thoughts())
	case e.Agreement.Threshold < 0 || e.Agreement.Threshold > 1:
		return jessy.Errorf(jessy.KindInvalid, "agreement threshold %g is not between 0 and 1", e.Agreement.Threshold)
	}
	switch e.Strategy {
	case "", StrategyAngles:
	case StrategySamples:
		if e.Temperature != nil && *e.Temperature == 0 {
			return jessy.Errorf(jessy.KindInvalid, "the samples strategy needs a non-zero temperature")
		}
	default:
		return jessy.Errorf(jessy.KindInvalid, "unknown strategy %q", e.Strategy)
	}
	return nil
}

// plan returns the engine a run of question uses: e itself, or a copy with
// the thought count chosen from the question, the samples' angles and
// temperature filled in. It records what it chose in sp.
func (e *Engine) plan(question string, sp *jessy.Speed) *Engine {
	if !e.ThoughtsAuto && e.Strategy != StrategySamples {
		return e
	}
	cp := *e
	if e.ThoughtsAuto {
		n, why := ChooseThoughts(question)
		cp.Thoughts = max(n, e.MinThoughts, e.Quorum, e.Agreement.Count)
		sp.ThoughtsReason = why
	}
	if e.Strategy == StrategySamples {
		cp.Prompts.Angles = []jessy.Angle{{Phase: jessy.PhaseSample}}
		if cp.Temperature == nil {
			t := DefaultSampleTemperature
			cp.Temperature = &t
		}
	}
	return &cp
}
