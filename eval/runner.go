package eval

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Progress is a snapshot of a run for a progress bar. Done and Total
// count answers, one per (arm, item); Done includes answers resumed from
// the journal. Rate is answers per second made in this session and Left
// the estimated time to finish at that rate (0 until one answer is made).
type Progress struct {
	Done, Total int
	Elapsed     time.Duration
	Rate        float64
	Left        time.Duration
}

// Runner answers every item of a dataset with every arm.
//
// Concurrency bounds the answers in flight (at least 1); the wiring sets
// it from the backend's limits. Journal, when not empty, is the path of
// the JSONL file results are appended to as they are scored; a run with
// an existing journal skips every (arm, item) already in it, which is
// how --resume works (see JournalPath). Progress, when not nil, is
// called after each answer from one goroutine at a time; it must not
// block for long. A Runner must not be copied or run twice at once.
type Runner struct {
	Arms        []Arm
	Concurrency int
	Journal     string
	Progress    func(Progress)
}

// Results is what a run produced: the dataset, the arms' names in the
// order given, and one Result per answered (arm, item), ordered by item
// then arm.
type Results struct {
	Dataset Dataset
	Arms    []string
	Results []Result
}

// Run answers each item of ds with each arm, items in dataset order and
// answers concurrently within r.Concurrency. It blocks until every
// answer is made or ctx is done. On cancellation it stops starting
// answers, waits for those in flight, drops the ones cut short, and
// returns the results made so far with the cancellation's cause; the
// journal then holds exactly those results, so a later Run resumes.
//
// An Arm error other than cancellation is recorded in that Result's
// Error with a wrong verdict and is not journaled, so a resumed run
// tries that answer again. Run returns an error, and no results, for
// duplicate arm names or item IDs, when the journal cannot be read or
// opened, or when it holds a result for an item of the same ID but
// another question or gold answer (a journal of another dataset); a failure to append to the journal stops the run with that
// error and the results so far.
func (r *Runner) Run(ctx context.Context, ds Dataset) (Results, error) {
	out := Results{Dataset: ds}
	for _, a := range r.Arms {
		out.Arms = append(out.Arms, a.Name())
	}
	if err := unique(out.Arms, "arm"); err != nil {
		return Results{}, err
	}
	ids := make([]string, len(ds.Items))
	for i, it := range ds.Items {
		ids[i] = it.ID
	}
	if err := unique(ids, "item ID"); err != nil {
		return Results{}, err
	}

	done := map[key]Result{}
	var jn *journal
	if r.Journal != "" {
		old, err := LoadJournal(r.Journal)
		if err != nil {
			return Results{}, err
		}
		sums := map[string]string{}
		for _, it := range ds.Items {
			sums[it.ID] = itemSum(it)
		}
		for _, res := range old {
			if want, ok := sums[res.ItemID]; ok && res.ItemSum != "" && res.ItemSum != want {
				return Results{}, fmt.Errorf("%s holds a result for a different item %s (another file, task or seed?)", r.Journal, res.ItemID)
			}
			if res.Error == "" {
				done[key{res.Arm, res.ItemID}] = res
			}
		}
		if jn, err = openJournal(r.Journal); err != nil {
			return Results{}, err
		}
	}

	// The work left, fixed before any answer starts: done is written by
	// the answers and must not be read by the dispatch loop.
	type unit struct {
		arm Arm
		it  Item
	}
	var todo []unit
	for _, it := range ds.Items {
		for _, a := range r.Arms {
			if _, ok := done[key{a.Name(), it.ID}]; !ok {
				todo = append(todo, unit{a, it})
			}
		}
	}
	total := len(ds.Items) * len(r.Arms)
	resumed := total - len(todo)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	limit := max(r.Concurrency, 1)
	sem := make(chan struct{}, limit)
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		made  int
		start = time.Now()
	)
	report := func() {
		if r.Progress == nil {
			return
		}
		el := time.Since(start)
		p := Progress{Done: resumed + made, Total: total, Elapsed: el}
		if made > 0 && el > 0 {
			p.Rate = float64(made) / el.Seconds()
			p.Left = time.Duration(float64(total-p.Done) / p.Rate * float64(time.Second))
		}
		r.Progress(p)
	}
	mu.Lock()
	report()
	mu.Unlock()

dispatch:
	for _, u := range todo {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			res, ok := r.answer(ctx, ds, u.arm, u.it)
			if !ok {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if res.Error == "" && jn != nil {
				if err := jn.append(res); err != nil {
					cancel(fmt.Errorf("journal: %w", err))
					return
				}
			}
			done[key{res.Arm, res.ItemID}] = res
			made++
			report()
		})
	}
	wg.Wait()
	var err error
	if jn != nil {
		err = jn.close()
	}
	for _, it := range ds.Items {
		for _, a := range out.Arms {
			if res, ok := done[key{a, it.ID}]; ok {
				out.Results = append(out.Results, res)
			}
		}
	}
	if cerr := context.Cause(ctx); cerr != nil {
		return out, cerr
	}
	return out, err
}

// answer runs one arm on one item and scores it; ok is false when the
// answer was cut short by cancellation.
func (r *Runner) answer(ctx context.Context, ds Dataset, arm Arm, it Item) (Result, bool) {
	t0 := time.Now()
	o, err := arm.Answer(ctx, it)
	wall := o.Wall
	if wall == 0 {
		wall = time.Since(t0)
	}
	res := Result{Arm: arm.Name(), ItemID: it.ID, ItemSum: itemSum(it), Usage: o.Usage, Calls: o.Calls, WallMS: wall.Milliseconds()}
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return Result{}, false
		}
		res.Error = err.Error()
		return res, true
	}
	res.Text = o.Text
	if len(o.Samples) > 0 {
		res.Samples = len(o.Samples)
		if a, votes, ok := Vote(o.Samples, ds.Scorer.Extract); ok {
			res.Extracted, res.Votes = a, votes
			res.Correct = ds.Scorer.Correct(it, a)
		}
		return res, true
	}
	res.Extracted, res.Correct = ds.Score(it, o.Text)
	return res, true
}

func unique(names []string, what string) error {
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("duplicate %s %q", what, n)
		}
		seen[n] = true
	}
	return nil
}
