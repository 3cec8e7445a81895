package engine

import "context"

// slots are the concurrency slots of one parallel run: one pool per thinker
// target (all the same pool when the run's concurrency is one number).
type slots []chan struct{}

// newSlots returns the slots of a run whose thinker targets (of which there
// are targets) run at levels: one level shared by all, or one per target (0
// for a target no thought goes to).
func newSlots(levels []int, targets int) slots {
	s := make(slots, targets)
	if len(levels) == 1 {
		pool := make(chan struct{}, levels[0])
		for i := range s {
			s[i] = pool
		}
		return s
	}
	for i, c := range levels {
		if c > 0 {
			s[i] = make(chan struct{}, c)
		}
	}
	return s
}

// acquire waits for a slot of thought i's target and returns its pool, the
// caller to free it; nil when ctx ended first.
func (s slots) acquire(ctx context.Context, i int) chan struct{} {
	pool := s[i%len(s)]
	select {
	case pool <- struct{}{}:
		return pool
	case <-ctx.Done():
		return nil
	}
}
