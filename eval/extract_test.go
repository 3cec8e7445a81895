package eval

import "testing"

func TestExtractNumber(t *testing.T) {
	tests := []struct {
		text string
		want string
		ok   bool
	}{
		{"The answer is 42.", "42", true},
		{"$1,234.50", "1234.5", true},
		{"-3", "-3", true},
		{"It costs 18.00 dollars", "18", true},
		{"She makes 9 * 2 = $18 every day.\n#### 18", "18", true},
		{"#### 1,000,000", "1000000", true},
		{"so 5 apples, then 7; the answer is: 12 apples", "12", true},
		{"Answer: -7.", "-7", true},
		{"answer is 3, not 4", "3", true},
		{"First 10-3 = 7", "7", true},
		{"10-3", "3", true},
		{"it fell to -3 degrees", "-3", true},
		{"(-4)", "-4", true},
		{"a 50% increase", "50", true},
		{"roughly .5 of it", "0.5", true},
		{"x = 0.250", "0.25", true},
		{"-0", "0", true},
		{"the list 1,2,3", "3", true},
		{"12,34", "34", true},
		{"007 agents", "7", true},
		{"The answer is 5 but maybe 6", "5", true},
		{"answer is unknown, but 8 is close", "8", true},
		{"−12 (unicode minus)", "-12", true},
		{"no number here", "", false},
		{"", "", false},
		{"#### ", "", false},
		{"1.", "1", true},
		{"The answer is 1,234.", "1234", true},
	}
	for _, tt := range tests {
		got, ok := ExtractNumber(tt.text)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ExtractNumber(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"18", "18", true},
		{"18.00", "18", true},
		{"018.50", "18.5", true},
		{"-0.50", "-0.5", true},
		{".5", "0.5", true},
		{"-0", "0", true},
		{"-0.0", "0", true},
		{"1e3", "", false},
		{"1,000", "", false},
		{"1.", "", false},
		{"-", "", false},
		{"", "", false},
		{"1/2", "", false},
		{"+5", "", false},
		{"0.1234567890123456789", "0.1234567890123456789", true},
	}
	for _, tt := range tests {
		got, ok := Canonical(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNumbersCorrect(t *testing.T) {
	it := Item{Answer: "18"}
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"#### 18", true},
		{"The answer is $18.00.", true},
		{"18.0001", false},
		{"The answer is 180", false},
		{"-18", false},
		{"I don't know", false},
	} {
		if _, got := (Dataset{Scorer: Numbers{}}).Score(it, tt.text); got != tt.want {
			t.Errorf("Score(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func FuzzExtractNumber(f *testing.F) {
	for _, s := range []string{"The answer is 42.", "$1,234.50", "-3", "#### 18", "10-3", "answer: .5", "−7", "1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ExtractNumber(s)
		if !ok {
			if got != "" {
				t.Fatalf("no number but %q", got)
			}
			return
		}
		c, cok := Canonical(got)
		if !cok || c != got {
			t.Fatalf("ExtractNumber(%q) = %q is not canonical (%q, %v)", s, got, c, cok)
		}
		// Idempotence: the extracted number reads back as itself, alone
		// and after a marker.
		for _, again := range []string{got, "The answer is " + got + ".", "#### " + got} {
			if g2, ok2 := ExtractNumber(again); !ok2 || g2 != got {
				t.Fatalf("ExtractNumber(%q) = %q, %v; want %q", again, g2, ok2, got)
			}
		}
	})
}
