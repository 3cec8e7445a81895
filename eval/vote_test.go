package eval

import "testing"

func TestVote(t *testing.T) {
	tests := []struct {
		name    string
		samples []string
		want    string
		votes   int
		ok      bool
	}{
		{"majority", []string{"#### 3", "#### 4", "the answer is 4"}, "4", 2, true},
		{"tie goes to the first seen", []string{"#### 7", "#### 5", "#### 5", "#### 7"}, "7", 2, true},
		{"tie order is by first appearance", []string{"#### 5", "#### 7", "#### 7", "#### 5"}, "5", 2, true},
		{"abstentions do not count", []string{"no idea", "hmm", "#### 9"}, "9", 1, true},
		{"equal numbers in different forms", []string{"$18.00", "18", "#### 17"}, "18", 2, true},
		{"all abstain", []string{"no", "idea"}, "", 0, false},
		{"none", nil, "", 0, false},
	}
	for _, tt := range tests {
		got, votes, ok := Vote(tt.samples, ExtractNumber)
		if got != tt.want || votes != tt.votes || ok != tt.ok {
			t.Errorf("%s: Vote = %q %d %v, want %q %d %v", tt.name, got, votes, ok, tt.want, tt.votes, tt.ok)
		}
	}
}
