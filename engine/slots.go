package engine

import "context"

// slots are the concurrency slots of one parallel run: one pool per thinker
// target (all the same pool when the run's concurrency is one number).
// Thoughts take the slots of a pool in index order, so that with fewer
// slots than thoughts the first angles run first and a later thought never
// jumps ahead of an earlier one.
type slots struct {
	pools []chan struct{}
	// step is the distance from a thought to the one before it in its
	// pool: 1 when the pool is shared, the number of targets otherwise.
	step int
	// turns[i] is closed once thought i holds its slot or gave up waiting.
	turns []chan struct{}
}

// newSlots returns the slots of a run of n thoughts whose thinker targets
// (of which there are targets) run at levels: one level shared by all, or
// one per target (0 for a target no thought goes to).
func newSlots(levels []int, targets, n int) *slots {
	s := &slots{pools: make([]chan struct{}, targets), step: targets, turns: make([]chan struct{}, n)}
	for i := range s.turns {
		s.turns[i] = make(chan struct{})
	}
	if len(levels) == 1 {
		pool := make(chan struct{}, levels[0])
		for i := range s.pools {
			s.pools[i] = pool
		}
		s.step = 1
		return s
	}
	for i, c := range levels {
		if c > 0 {
			s.pools[i] = make(chan struct{}, c)
		}
	}
	return s
}

// acquire waits for thought i's turn and then for a slot of its target, and
// returns the pool, the caller to free it; nil when ctx ended first.
func (s *slots) acquire(ctx context.Context, i int) chan struct{} {
	defer close(s.turns[i])
	if prev := i - s.step; prev >= 0 {
		select {
		case <-s.turns[prev]:
		case <-ctx.Done():
			return nil
		}
	}
	pool := s.pools[i%len(s.pools)]
	select {
	case pool <- struct{}{}:
		return pool
	case <-ctx.Done():
		return nil
	}
}
