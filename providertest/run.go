package providertest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/jessy-llm/jessy/prompt"
)

// IsSynthesis reports whether req is the synthesis call of a run with the
// default prompts, whether the system text came as a message or (Anthropic)
// as the system field.
func IsSynthesis(req Request) bool {
	if req.System == prompt.DefaultSynthesisSystem {
		return true
	}
	return len(req.Messages) > 0 && req.Messages[0].Content == prompt.DefaultSynthesisSystem
}

// ThoughtIndex is the index (from 0) of the thought req asks for, read from
// the "(phase, k of n)" marker of its angle; -1 for the synthesis and for a
// request without the marker.
func ThoughtIndex(req Request) int {
	if IsSynthesis(req) || len(req.Messages) == 0 {
		return -1
	}
	c := req.Messages[len(req.Messages)-1].Content
	i := strings.LastIndex(c, ", ")
	var k, n int
	if i < 0 {
		return -1
	}
	if _, err := fmt.Sscanf(c[i+2:], "%d of %d", &k, &n); err != nil {
		return -1
	}
	return k - 1
}

// Run scripts a run: thought i gets thought(i), the synthesis gets synth.
func Run(thought func(i int) Reply, synth Reply) Script {
	return func(_ int, req Request) Reply {
		if IsSynthesis(req) {
			return synth
		}
		return thought(ThoughtIndex(req))
	}
}

// PerCall scripts replies by call and attempt: reply(key, attempt) where
// key is the thought's index (ThoughtIndex), or -1 for the synthesis, and
// attempt counts that call's requests from 0. The Script is safe for
// concurrent use.
func PerCall(reply func(key, attempt int) Reply) Script {
	var mu sync.Mutex
	seen := map[int]int{}
	return func(_ int, req Request) Reply {
		key := -1
		if !IsSynthesis(req) {
			key = ThoughtIndex(req)
		}
		mu.Lock()
		a := seen[key]
		seen[key]++
		mu.Unlock()
		return reply(key, a)
	}
}
