package eval

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeArm answers item k (1-based, from the ID's suffix) right when
// right(k), with calls calls of 100 prompt and 20 completion tokens and
// 10ms each. With samples > 0 it answers by samples, a majority of them
// right when right(k).
type fakeArm struct {
	name    string
	right   func(k int) bool
	calls   int
	samples int
	text    func(it Item, right bool) string // default: "#### gold" or a wrong number
	answers atomic.Int64
	before  func(ctx context.Context) error // called first; may cancel
}

func itemNumber(it Item) int {
	i := strings.LastIndex(it.ID, "-")
	k, _ := strconv.Atoi(it.ID[i+1:])
	return k
}

func wrongNumber(it Item) string {
	g, _ := strconv.Atoi(it.Answer)
	return strconv.Itoa(g + 1)
}

func (a *fakeArm) Name() string { return a.name }

func (a *fakeArm) Answer(ctx context.Context, it Item) (Outcome, error) {
	if a.before != nil {
		if err := a.before(ctx); err != nil {
			return Outcome{}, err
		}
	}
	a.answers.Add(1)
	ok := a.right(itemNumber(it))
	text := a.text
	if text == nil {
		text = func(it Item, right bool) string {
			if right {
				return "Working... so the answer is " + it.Answer + "."
			}
			return "#### " + wrongNumber(it)
		}
	}
	o := Outcome{
		Usage: Usage{Prompt: 100 * a.calls, Completion: 20 * a.calls},
		Calls: a.calls,
		Wall:  time.Duration(a.calls) * 10 * time.Millisecond,
	}
	if a.samples == 0 {
		o.Text = text(it, ok)
		return o, nil
	}
	for s := range a.samples {
		// Right items: the first sample is wrong, the rest right. Wrong
		// items: every sample wrong, all different, the first winning
		// the tie.
		switch {
		case ok && s > 0:
			o.Samples = append(o.Samples, text(it, true))
		case ok:
			o.Samples = append(o.Samples, text(it, false))
		default:
			o.Samples = append(o.Samples, "#### "+strconv.Itoa(1000+s))
		}
	}
	return o, nil
}

func between(lo, hi int) func(int) bool { return func(k int) bool { return k >= lo && k <= hi } }

func scriptedArms() []Arm {
	return []Arm{
		&fakeArm{name: "single", right: between(1, 10), calls: 1},
		&fakeArm{name: "vote", right: between(1, 15), calls: 3, samples: 3},
		&fakeArm{name: "synthesis", right: between(6, 20), calls: 4},
	}
}

func TestRunnerEndToEnd(t *testing.T) {
	ds, _ := Builtin("arithmetic", 1, 20)
	var last Progress
	var calls int
	r := &Runner{Arms: scriptedArms(), Concurrency: 4, Progress: func(p Progress) { last = p; calls++ }}
	res, err := r.Run(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	rep := NewReport(res, "fake", "fake")
	if last.Done != 60 || last.Total != 60 || calls != 61 || last.Rate <= 0 || last.Left != 0 {
		t.Errorf("last progress %+v after %d calls", last, calls)
	}
	type row struct {
		name                 string
		n, correct           int
		acc, lo, hi          float64
		prompt, compl, calls int
		wallMS               int64
		per1k                float64
		pN, wins, losses     int
		p                    float64
	}
	// CI from Wilson: 10/20 → [.2993, .7007]; 15/20 → [.5313, .8881].
	// Paired: vote beats single on items 11–15 (5 to 0, exact p =
	// 2/32); synthesis wins 11–20 and loses 1–5 (10 to 5, exact p =
	// 2·4944/32768 = .30176).
	want := []row{
		{"single", 20, 10, 0.5, 0.2993, 0.7007, 2000, 400, 20, 200, 10000.0 / 2400, 0, 0, 0, 0},
		{"vote", 20, 15, 0.75, 0.5313, 0.8881, 6000, 1200, 60, 600, 15000.0 / 7200, 20, 5, 0, 0.0625},
		{"synthesis", 20, 15, 0.75, 0.5313, 0.8881, 8000, 1600, 80, 800, 15000.0 / 9600, 20, 10, 5, 0.30176},
	}
	if len(rep.Arms) != len(want) {
		t.Fatalf("%d arms", len(rep.Arms))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 5e-5 }
	for i, w := range want {
		a := rep.Arms[i]
		if a.Name != w.name || a.N != w.n || a.Correct != w.correct || a.Accuracy != w.acc ||
			!near(a.CI95[0], w.lo) || !near(a.CI95[1], w.hi) || a.Tokens != (Tokens{w.prompt, w.compl, w.prompt + w.compl}) ||
			a.Calls != w.calls || a.WallMS != w.wallMS || !near(a.AccuracyPer1kTokens, w.per1k) {
			t.Errorf("arm %d = %+v, want %+v", i, a, w)
		}
		switch {
		case w.name == "single" && a.VsSingle != nil:
			t.Errorf("single has a paired test")
		case w.name != "single" && (a.VsSingle == nil || a.VsSingle.N != w.pN || a.VsSingle.Wins != w.wins ||
			a.VsSingle.Losses != w.losses || !near(a.VsSingle.P, w.p)):
			t.Errorf("%s vs single = %+v, want n=%d +%d -%d p=%v", w.name, a.VsSingle, w.pN, w.wins, w.losses, w.p)
		}
	}
	if len(rep.Items) != 20 {
		t.Fatalf("%d items", len(rep.Items))
	}
	it := rep.Items[0]
	if it.ID != "arithmetic-1" || it.PerArm["single"].Extracted != it.Answer || !it.PerArm["single"].Correct ||
		it.PerArm["synthesis"].Correct || it.PerArm["synthesis"].Extracted != wrongNumber(ds.Items[0]) {
		t.Errorf("item 1 = %+v", it)
	}
}

func TestRunnerAllRightAllSilent(t *testing.T) {
	for _, task := range Tasks {
		ds, _ := Builtin(task, 2, 15)
		for _, tc := range []struct {
			name string
			text func(Item, bool) string
			want float64
		}{
			{"always right", func(it Item, _ bool) string { return "answer: " + it.Answer }, 1},
			{"never a number", func(Item, bool) string { return "I would rather not say." }, 0},
		} {
			if task != "arithmetic" && tc.want == 0 {
				// Letters can read words; "no number" is a number task's case.
				continue
			}
			var arms []Arm
			for _, n := range []string{"single", "vote", "synthesis", "samples-synthesis"} {
				s := 0
				if n == "vote" {
					s = 5
				}
				arms = append(arms, &fakeArm{name: n, right: func(int) bool { return true }, calls: 1, samples: s, text: tc.text})
			}
			res, err := (&Runner{Arms: arms, Concurrency: 3}).Run(context.Background(), ds)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range NewReport(res, "", "").Arms {
				if a.N != 15 || a.Accuracy != tc.want {
					t.Errorf("%s %s: arm %s n=%d accuracy %v, want %v", task, tc.name, a.Name, a.N, a.Accuracy, tc.want)
				}
			}
		}
	}
}

// TestRunnerResume stops a run midway by cancelling it, resumes it from
// the journal, and checks the report equals an uninterrupted run's.
func TestRunnerResume(t *testing.T) {
	ds, _ := Builtin("countdown", 4, 12)
	dir := t.TempDir()
	// Countdown answers: the gold expression, or the gold plus one.
	text := func(it Item, right bool) string {
		if right {
			return "answer: " + it.Answer
		}
		return "answer: (" + it.Answer + ")*2"
	}
	arms := func(before func(context.Context) error) []Arm {
		as := scriptedArms()
		for _, a := range as {
			a.(*fakeArm).text = text
			a.(*fakeArm).before = before
		}
		return as
	}
	full, err := (&Runner{Arms: arms(nil), Concurrency: 3, Journal: filepath.Join(dir, "full.results.jsonl")}).Run(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	want := NewReport(full, "m", "b")

	path := filepath.Join(dir, "stopped.results.jsonl")
	ctx, cancel := context.WithCancelCause(context.Background())
	var started atomic.Int64
	stop := errors.New("ctrl-c")
	before := func(ctx context.Context) error {
		if started.Add(1) > 13 {
			cancel(stop)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	part, err := (&Runner{Arms: arms(before), Concurrency: 3, Journal: path}).Run(ctx, ds)
	if !errors.Is(err, stop) {
		t.Fatalf("stopped run: err = %v, want the cancellation cause", err)
	}
	if n := len(part.Results); n != 13 {
		t.Fatalf("stopped run kept %d results, want 13", n)
	}
	journaled, err := LoadJournal(path)
	if err != nil || len(journaled) != 13 {
		t.Fatalf("journal: %d results, %v", len(journaled), err)
	}

	resumedArms := arms(nil)
	var first *Progress
	progress := func(p Progress) {
		if first == nil {
			first = &p
		}
	}
	res, err := (&Runner{Arms: resumedArms, Concurrency: 2, Journal: path, Progress: progress}).Run(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	if first == nil || first.Done != 13 || first.Total != 36 {
		t.Errorf("resumed run's first progress = %+v, want 13 of 36 done", first)
	}
	var answered int64
	for _, a := range resumedArms {
		answered += a.(*fakeArm).answers.Load()
	}
	if answered != 36-13 {
		t.Errorf("resumed run answered %d, want %d", answered, 36-13)
	}
	if got := NewReport(res, "m", "b"); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed report differs:\n got %+v\nwant %+v", got.Arms, want.Arms)
	}
	// The journal does not resume against other items under the same IDs.
	other, _ := Builtin("countdown", 5, 12)
	if _, err := (&Runner{Arms: arms(nil), Journal: path}).Run(context.Background(), other); err == nil ||
		!strings.Contains(err.Error(), "different item") {
		t.Errorf("resume against another seed: err = %v", err)
	}
	// A third run finds everything done.
	res, err = (&Runner{Arms: arms(func(context.Context) error { return errors.New("called") }), Journal: path}).Run(context.Background(), ds)
	if err != nil || !reflect.DeepEqual(NewReport(res, "m", "b"), want) {
		t.Errorf("complete journal rerun: %v", err)
	}
}

func TestRunnerArmErrorsAndLimits(t *testing.T) {
	ds, _ := Builtin("letters", 1, 10)
	var inflight, peak atomic.Int64
	var mu sync.Mutex
	flaky := &fakeArm{name: "single", right: func(int) bool { return true }, calls: 1,
		text: func(it Item, _ bool) string { return "answer: " + it.Answer },
		before: func(context.Context) error {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			mu.Lock()
			peak.Store(max(peak.Load(), n))
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			return nil
		}}
	failing := &fakeArm{name: "vote", right: func(int) bool { return true }, calls: 1,
		before: func(context.Context) error { return errors.New("backend down") }}
	path := filepath.Join(t.TempDir(), "r.results.jsonl")
	res, err := (&Runner{Arms: []Arm{flaky, failing}, Concurrency: 2, Journal: path}).Run(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d answers in flight, limit 2", p)
	}
	rep := NewReport(res, "", "")
	if v := rep.Arms[1]; v.N != 10 || v.Errors != 10 || v.Correct != 0 || rep.Items[0].PerArm["vote"].Error != "backend down" {
		t.Errorf("failing arm: %+v", v)
	}
	if j, _ := LoadJournal(path); len(j) != 10 {
		t.Errorf("journal holds %d results; failed answers must not be journaled", len(j))
	}
	if _, err := (&Runner{Arms: []Arm{flaky, flaky}}).Run(context.Background(), ds); err == nil {
		t.Error("duplicate arm names accepted")
	}
}
