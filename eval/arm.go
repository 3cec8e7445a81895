package eval

import (
	"context"
	"time"
)

// Arm is one way of answering an item: single, vote, synthesis,
// samples-synthesis or a profile, implemented by the wiring over the
// engine. Answer blocks until the answer is complete or ctx is done; it
// must be safe for concurrent use, since the Runner answers several
// items at once. An error means the arm gave no answer for the item
// (after whatever retries the engine applies); when ctx is done Answer
// should return promptly with ctx's error.
type Arm interface {
	Name() string
	Answer(ctx context.Context, item Item) (Outcome, error)
}

// Usage counts tokens over every call an answer made.
type Usage struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
}

// Total is Prompt + Completion.
func (u Usage) Total() int { return u.Prompt + u.Completion }

// Outcome is an arm's answer to one item.
//
// Text is the final answer text. Samples, when not empty, are the texts
// of independent samples to be decided by Vote: the Runner then scores
// the majority answer and ignores Text for scoring (a vote arm may leave
// Text empty or put the winning sample there for the record). Calls is
// the number of model calls made and Usage their tokens. Wall is the
// elapsed time of the answer; when zero the Runner measures it.
type Outcome struct {
	Text    string
	Samples []string
	Usage   Usage
	Calls   int
	Wall    time.Duration
}

// Vote returns the majority among the answers extracted from samples
// and the number of samples that gave it. Samples from which extract
// gets no answer abstain. Ties go to the tied answer that appears first
// in samples (the order the samples were requested in), so the result
// depends only on the samples. ok is false when every sample abstains.
// Vote is pure.
func Vote(samples []string, extract func(string) (string, bool)) (answer string, votes int, ok bool) {
	count := map[string]int{}
	var order []string
	for _, s := range samples {
		a, ok := extract(s)
		if !ok {
			continue
		}
		if count[a] == 0 {
			order = append(order, a)
		}
		count[a]++
	}
	for _, a := range order {
		if count[a] > votes {
			answer, votes = a, count[a]
		}
	}
	return answer, votes, votes > 0
}
