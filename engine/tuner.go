package engine

import "github.com/jessy-llm/jessy"

// Tuner chooses the concurrency of a parallel run's thinker target from what
// it learned of earlier runs, and learns from each run (package tune holds
// the one the command line and the server use). It is consulted only when
// Options.Concurrency is 0.
//
// For each thinker target that gets thoughts, a parallel run calls Choose
// once before its thoughts start and, unless the run was cancelled or ran
// out of time, Learn once after they all ended, with the same key and the
// level Choose returned. A batched run (Options.Batch) chooses but does not
// learn: its thoughts were one request. Runs call a shared Tuner concurrently: implementations must be
// safe for concurrent use. Neither method may block on I/O.
type Tuner interface {
	// Choose returns the concurrency (1 to n) for the next run of n thoughts
	// on key, and why, in words for the run's Speed.ConcurrencyReason.
	Choose(key string, n int) (level int, why string)
	// Learn records the finished thoughts of a run made at level on key,
	// in index order; canceled and skipped ones are included.
	Learn(key string, level int, thoughts []jessy.Thought)
}

// TuneKey is the key under which a run asks its Tuner about a model on a
// backend.
func TuneKey(backend, model string) string { return backend + " " + model }
