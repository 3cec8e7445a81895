package jessy

// EventType names what happened in a run.
type EventType string

// The events of a run, in the order they can occur. Thought events of
// different thoughts interleave; those of one thought are ordered.
const (
	// EventRunStarted opens every run: Plan says what the engine chose.
	EventRunStarted     EventType = "run.started"
	EventThoughtStarted EventType = "thought.started"
	EventThoughtDelta   EventType = "thought.delta"
	EventThoughtRetry   EventType = "thought.retry"
	EventThoughtDone    EventType = "thought.done"
	EventThoughtFailed  EventType = "thought.failed"
	// EventThoughtCanceled ends a thought the run cut off (after the
	// quorum's grace, on agreement, or when a speculative synthesis began
	// answering); its Thought.Duration is how long it had run. It takes the
	// place of thought.done or thought.failed.
	//
	// With speculative synthesis, synthesis.started may come more than
	// once, always before any synthesis.delta: the synthesis restarted
	// because a straggler landed before its first token.
	EventThoughtCanceled  EventType = "thought.canceled"
	EventSynthesisStarted EventType = "synthesis.started"
	EventSynthesisRetry   EventType = "synthesis.retry"
	// EventSynthesisFallback says a fallback synthesizer takes over: Err is
	// the failure of the target before it, Synthesis a snapshot whose
	// Backend and Model are the fallback's and whose Attempts are every
	// attempt so far, across targets.
	EventSynthesisFallback EventType = "synthesis.fallback"
	EventSynthesisDelta    EventType = "synthesis.delta"
	EventRunDone           EventType = "run.done"
)

// Event is one step of a run, given to the caller's sink.
type Event struct {
	Type EventType
	// Index is the thought's index for thought events, -1 otherwise.
	Index int
	// Text is the new text of a delta event.
	Text string
	// Reasoning is new reasoning text of a delta event.
	Reasoning string
	// Thought is a snapshot of the thought for thought.started, thought.retry,
	// thought.done and thought.failed.
	Thought *Thought
	// Synthesis is a snapshot of the synthesis call for synthesis events
	// other than deltas.
	Synthesis *Call
	// Err is the error of a failed thought or a retried attempt.
	Err error
	// Plan is what the engine chose for the run, for run.started.
	Plan *Plan
	// Result is the whole result, for run.done.
	Result *Result
}

// Plan is what the engine chose for a run before its first call: the mode,
// the number of thoughts and the most thoughts in flight at once, with the
// reasons where they were chosen rather than given. Views and servers render
// it; they compute none of it themselves.
type Plan struct {
	Mode              Mode   `json:"mode"`
	Thoughts          int    `json:"thoughts"`
	ThoughtsReason    string `json:"thoughts_reason,omitempty"`
	Concurrency       int    `json:"concurrency"`
	ConcurrencyReason string `json:"concurrency_reason,omitempty"`
}

// Sink receives the events of a run. The engine calls it from one goroutine
// at a time, in order, so a sink needs no locks of its own; a slow sink slows
// the run's streaming but never loses events.
type Sink func(Event)
