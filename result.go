package jessy

import (
	"fmt"
	"time"
)

// Phase groups angles by the stage of thinking they serve.
type Phase string

// The phases of the default angle set.
const (
	PhaseExploration     Phase = "exploration"
	PhaseRefinement      Phase = "refinement"
	PhaseCrystallization Phase = "crystallization"
	// PhaseSample marks thoughts of the "samples" strategy, which all get the
	// same prompt.
	PhaseSample Phase = "sample"
)

// Angle is one direction a question is thought about from.
type Angle struct {
	Phase    Phase  `json:"phase" yaml:"phase"`
	Question string `json:"question" yaml:"question"`
}

// Mode says how the thoughts of a run are scheduled.
type Mode string

// The run modes.
const (
	// ModeParallel runs the thoughts concurrently, then the synthesis.
	ModeParallel Mode = "parallel"
	// ModeSequential runs the thoughts one after another, each seeing the
	// earlier ones, then the synthesis. It is the baseline parallel mode is
	// measured against.
	ModeSequential Mode = "sequential"
)

// Status is the outcome of one call.
type Status string

// The outcomes of a thought or a synthesis.
const (
	StatusOK       Status = "ok"
	StatusFailed   Status = "failed"
	StatusCanceled Status = "canceled" // cut off by the run (quorum, early stop), not by a fault
	StatusSkipped  Status = "skipped"  // never started (sequential convergence, early stop)
)

// Attempt is one try of a call. A call that needed no retry has one attempt.
type Attempt struct {
	Start    time.Time     `json:"-"`
	Duration time.Duration `json:"-"`
	// Err is the error of a failed attempt, nil for the one that succeeded.
	Err error `json:"-"`
	// Wait is how long the engine waited before the next attempt.
	Wait time.Duration `json:"-"`
	// Backend and Model are the target this attempt went to; they differ
	// from the call's own when a fallback took over.
	Backend string `json:"-"`
	Model   string `json:"-"`
	// Reason says, for a failed attempt, why the call was tried again or
	// why it was not ("retrying after 2s as Retry-After asked: ...",
	// "not retried: bad_request is not retryable"). It is empty for the
	// attempt that succeeded.
	Reason string `json:"-"`
}

// Call is what every model call of a run records: who answered, when, how
// fast, and with what outcome.
type Call struct {
	Backend string
	Model   string
	Status  Status
	Text    string
	// Reasoning is reasoning text the backend sent beside Text.
	Reasoning string
	Err       error
	Start     time.Time
	TTFT      time.Duration // time to first token; 0 if none arrived
	Duration  time.Duration
	Usage     Usage
	Attempts  []Attempt
	// Stop is why the model stopped, where the backend said; StopLength
	// means the answer was cut.
	Stop StopReason
}

// Truncated reports whether the call's output was cut by its token cap or
// the context window.
func (c *Call) Truncated() bool { return c.Stop == StopLength }

// Thought is the outcome of one angle.
type Thought struct {
	Call
	Index int
	Phase Phase
	Angle string
}

// Timings are the wall-clock figures of a run.
type Timings struct {
	Thinking  time.Duration
	Synthesis time.Duration
	Total     time.Duration
	// SequentialEquivalent is the sum of every call's duration: what running
	// them one after another would have cost.
	SequentialEquivalent time.Duration
	// FirstToken is the time from the start of the run to the first token
	// of the answer; 0 when none arrived.
	FirstToken time.Duration
}

// Speedup is SequentialEquivalent over Total, or 0 when Total is 0.
func (t Timings) Speedup() float64 {
	if t.Total <= 0 {
		return 0
	}
	return float64(t.SequentialEquivalent) / float64(t.Total)
}

// Result is everything a run produced, including what it gathered before
// failing.
type Result struct {
	// Plan is what the engine chose for the run (also sent as run.started).
	Plan     Plan
	Mode     Mode
	Question string
	Thoughts []Thought
	// Synthesis is the final call; its Text is the answer.
	Synthesis Call
	Timings   Timings
	// Usage sums every call of the run.
	Usage Usage
	// Err is the error that failed the run, nil on success.
	Err error
	// Note says why the run took a shape other than the one asked for
	// (for example "converged after 5 thoughts").
	Note string
	// Speed records what the speed features (quorum, early stop, adaptive
	// concurrency, thought count, speculative synthesis) did.
	Speed Speed
}

// Answer is the synthesis text.
func (r *Result) Answer() string { return r.Synthesis.Text }

// Tally says how many thoughts answered, e.g. "7 of 8 thoughts answered".
func (r *Result) Tally() string {
	n := len(r.Thoughts)
	noun := "thoughts"
	if n == 1 {
		noun = "thought"
	}
	return fmt.Sprintf("%d of %d %s answered", r.Succeeded(), n, noun)
}

// Succeeded counts the thoughts with StatusOK.
func (r *Result) Succeeded() int {
	n := 0
	for _, t := range r.Thoughts {
		if t.Status == StatusOK {
			n++
		}
	}
	return n
}
