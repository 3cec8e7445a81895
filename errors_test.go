package jessy

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRetryableStatus(t *testing.T) {
	for s := 100; s < 600; s++ {
		want := s == 408 || s == 409 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504 || s == 529
		if got := RetryableStatus(s); got != want {
			t.Errorf("RetryableStatus(%d) = %v", s, got)
		}
	}
}

var retryAfterNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"  ", 0},
		{"0", 0},
		{"2", 2 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"007", 7 * time.Second},
		{"-3", 0},
		{"+3", 0},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999999999999", math.MaxInt64},
		{"9223372036854775807", math.MaxInt64},
		{retryAfterNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{retryAfterNow.Add(-time.Hour).Format(http.TimeFormat), 0},
		{retryAfterNow.Add(time.Minute).Format(time.RFC850), time.Minute},
		{retryAfterNow.Add(time.Minute).Format(time.ANSIC), time.Minute},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, retryAfterNow); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseRetryAfter checks that any header value gives a duration that is
// never negative, and exactly n seconds for a plain small number n.
func FuzzParseRetryAfter(f *testing.F) {
	f.Fuzz(func(t *testing.T, v string) {
		d := ParseRetryAfter(v, retryAfterNow)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v < 0", v, d)
		}
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseUint(s, 10, 32); err == nil && strings.Trim(s, "0123456789") == "" && d != time.Duration(n)*time.Second {
			t.Fatalf("ParseRetryAfter(%q) = %v, want %ds", v, d, n)
		}
	})
}

func TestTally(t *testing.T) {
	r := &Result{Thoughts: make([]Thought, 8)}
	for i := range 7 {
		r.Thoughts[i].Status = StatusOK
	}
	r.Thoughts[7].Status = StatusFailed
	if got := r.Tally(); got != "7 of 8 thoughts answered" {
		t.Errorf("Tally = %q", got)
	}
	r.Thoughts = r.Thoughts[:1]
	if got := r.Tally(); got != "1 of 1 thought answered" {
		t.Errorf("Tally = %q", got)
	}
}

func TestReportAttempts(t *testing.T) {
	r := &Result{Synthesis: Call{Status: StatusOK, Text: "a", Backend: "b", Attempts: []Attempt{
		{Err: &Error{Kind: KindOverloaded, Status: 503}, Wait: 2 * time.Second, Backend: "a", Model: "m",
			Reason: "retrying after 2s as Retry-After asked: overloaded (HTTP 503)"},
		{Backend: "b", Model: "n"},
	}}}
	got := r.Report().Synthesis.Attempts
	want := []AttemptReport{
		{Error: "HTTP 503: overloaded", WaitMS: 2000, ErrorKind: "overloaded", Backend: "a", Model: "m",
			Reason: "retrying after 2s as Retry-After asked: overloaded (HTTP 503)"},
		{Backend: "b", Model: "n"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("attempts = %+v, want %+v", got, want)
	}
}
