package jessy

import "time"

// Report is the JSON form of a Result: what `jessy --json` prints and what
// the server's run.done event carries. Its field names are a public contract
// documented in the README; add fields, never rename them.
type Report struct {
	Answer    string          `json:"answer"`
	Mode      Mode            `json:"mode"`
	Model     string          `json:"model"`
	Backend   string          `json:"backend"`
	Question  string          `json:"question"`
	Thoughts  []ThoughtReport `json:"thoughts"`
	Answered  int             `json:"answered"`
	Synthesis CallReport      `json:"synthesis"`
	Timings   TimingsReport   `json:"timings"`
	Usage     Usage           `json:"usage"`
	Note      string          `json:"note,omitempty"`
	Speed     Speed           `json:"speed,omitzero"`
	Error     string          `json:"error,omitempty"`
	ErrorKind string          `json:"error_kind,omitempty"`
}

// CallReport is the JSON form of a Call.
type CallReport struct {
	Backend    string          `json:"backend"`
	Model      string          `json:"model"`
	Status     Status          `json:"status"`
	Text       string          `json:"text"`
	Reasoning  string          `json:"reasoning,omitempty"`
	Error      string          `json:"error,omitempty"`
	DurationMS float64         `json:"duration_ms"`
	TTFTMS     float64         `json:"ttft_ms"`
	Usage      Usage           `json:"usage"`
	Attempts   []AttemptReport `json:"attempts,omitempty"`
	// StopReason is why the model stopped, where the backend said.
	StopReason StopReason `json:"stop_reason,omitempty"`
	// Truncated is set when the output was cut by its token cap.
	Truncated bool `json:"truncated,omitempty"`
}

// AttemptReport is the JSON form of an Attempt.
type AttemptReport struct {
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
	WaitMS     float64 `json:"wait_ms,omitempty"`
	// ErrorKind is the Kind of Error, for a failed attempt.
	ErrorKind string `json:"error_kind,omitempty"`
	// Reason says why the call was retried after this attempt, or why not.
	Reason  string `json:"reason,omitempty"`
	Backend string `json:"backend,omitempty"`
	Model   string `json:"model,omitempty"`
}

// ThoughtReport is the JSON form of a Thought.
type ThoughtReport struct {
	Index int    `json:"index"`
	Phase Phase  `json:"phase"`
	Angle string `json:"angle"`
	CallReport
}

// TimingsReport is the JSON form of Timings, in milliseconds.
type TimingsReport struct {
	ThinkingMS             float64 `json:"thinking_ms"`
	SynthesisMS            float64 `json:"synthesis_ms"`
	TotalMS                float64 `json:"total_ms"`
	SequentialEquivalentMS float64 `json:"sequential_equivalent_ms"`
	Speedup                float64 `json:"speedup"`
	FirstTokenMS           float64 `json:"first_token_ms,omitempty"`
}

// Milliseconds converts d to fractional milliseconds.
func Milliseconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ReportThought returns the JSON form of one thought, as in a run's Report.
func ReportThought(t Thought) ThoughtReport {
	return ThoughtReport{Index: t.Index, Phase: t.Phase, Angle: t.Angle, CallReport: ReportCall(t.Call)}
}

// ReportCall returns the JSON form of one call, as in a run's Report.
func ReportCall(c Call) CallReport {
	r := CallReport{
		Backend:    c.Backend,
		Model:      c.Model,
		Status:     c.Status,
		Text:       c.Text,
		Reasoning:  c.Reasoning,
		Error:      errString(c.Err),
		DurationMS: Milliseconds(c.Duration),
		TTFTMS:     Milliseconds(c.TTFT),
		Usage:      c.Usage,
		StopReason: c.Stop,
		Truncated:  c.Truncated(),
	}
	for _, a := range c.Attempts {
		ar := AttemptReport{
			DurationMS: Milliseconds(a.Duration),
			Error:      errString(a.Err),
			WaitMS:     Milliseconds(a.Wait),
			Reason:     a.Reason,
			Backend:    a.Backend,
			Model:      a.Model,
		}
		if a.Err != nil {
			ar.ErrorKind = KindOf(a.Err).String()
		}
		r.Attempts = append(r.Attempts, ar)
	}
	return r
}

// Report converts r to its JSON form.
func (r *Result) Report() Report {
	rep := Report{
		Answer:    r.Synthesis.Text,
		Mode:      r.Mode,
		Model:     r.Synthesis.Model,
		Backend:   r.Synthesis.Backend,
		Question:  r.Question,
		Thoughts:  make([]ThoughtReport, 0, len(r.Thoughts)),
		Answered:  r.Succeeded(),
		Synthesis: ReportCall(r.Synthesis),
		Timings: TimingsReport{
			ThinkingMS:             Milliseconds(r.Timings.Thinking),
			SynthesisMS:            Milliseconds(r.Timings.Synthesis),
			TotalMS:                Milliseconds(r.Timings.Total),
			SequentialEquivalentMS: Milliseconds(r.Timings.SequentialEquivalent),
			Speedup:                r.Timings.Speedup(),
			FirstTokenMS:           Milliseconds(r.Timings.FirstToken),
		},
		Usage: r.Usage,
		Note:  r.Note,
		Speed: r.Speed,
		Error: errString(r.Err),
	}
	if r.Err != nil {
		rep.ErrorKind = KindOf(r.Err).String()
	}
	for _, t := range r.Thoughts {
		rep.Thoughts = append(rep.Thoughts, ReportThought(t))
	}
	return rep
}
