package engine

import (
	"strings"
	"testing"
)

func TestChooseThoughts(t *testing.T) {
	long := strings.Repeat("word ", 200)
	tests := []struct {
		name     string
		question string
		want     int
		reason   string
	}{
		{"short", "Why is the sky blue?", 4, "4 thoughts: a short, single question"},
		{"empty", "", 4, "a short, single question"},
		{"two sub-questions", "Why is the sky blue? And why is the sunset red?", 5, "2 sub-questions (+1)"},
		{"and how", "Why is the sky blue and how does it change at dusk?", 5, "2 sub-questions (+1)"},
		{"semicolons", "List the causes; rank them; explain the first?", 6, "3 sub-questions (+2)"},
		{"sub-questions capped", "A? B? C? D? E? F? G?", 7, "7 sub-questions (+3)"},
		{"40 words", "Explain " + strings.Repeat("the thing ", 19) + "now", 5, "40 words (+1)"},
		{"16 words", strings.Repeat("a ", 16), 5, "16 words (+1)"},
		{"15 words", strings.Repeat("a ", 15), 4, "short"},
		{"long is capped", long, 7, "200 words (+3)"},
		{"constraints", "Plan a trip that must stay within budget, without flying, compare trains versus buses", 6, "6 constraint words (+2)"},
		{"one constraint", "Sort this list without extra memory", 4, "short"},
		{"list", "Review:\n1. the cost\n2. the risk\n3. the timeline", 5, "a list of 3 items (+1)"},
		{"everything, capped at 12", long + "? ? ? ? must only never always\n- a\n- b\n- c", 12, "12 thoughts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, why := ChooseThoughts(tt.question)
			if n != tt.want || !strings.Contains(why, tt.reason) {
				t.Errorf("ChooseThoughts = %d, %q; want %d and a reason with %q", n, why, tt.want, tt.reason)
			}
			if n < MinAutoThoughts || n > MaxAutoThoughts {
				t.Errorf("%d out of range", n)
			}
		})
	}
}
