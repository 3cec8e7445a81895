package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Stat is the median, min and max of one figure over the measured runs.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Row is the figures of one mode. Times are in milliseconds.
type Row struct {
	Mode Mode `json:"mode"`
	// Runs counts the measured runs that succeeded; Errors those that
	// failed, the last with LastError.
	Runs      int    `json:"runs"`
	Errors    int    `json:"errors,omitempty"`
	LastError string `json:"last_error,omitempty"`

	ThinkingMS             Stat `json:"thinking_ms"`
	SynthesisMS            Stat `json:"synthesis_ms"`
	TotalMS                Stat `json:"total_ms"`
	SequentialEquivalentMS Stat `json:"sequential_equivalent_ms"`
	// Speedup is sequential-equivalent over total, per run.
	Speedup Stat `json:"speedup"`
	// FirstTokenMS is from the start of the run to the answer's first token.
	FirstTokenMS Stat `json:"first_token_ms"`
	Calls        Stat `json:"calls"`
	Tokens       Stat `json:"tokens"`
	// Concurrency is the most thoughts in flight the run allowed.
	Concurrency Stat `json:"concurrency"`
}

// Backend describes what was measured; the speedup depends on it.
type Backend struct {
	Name    string `json:"name"`
	Model   string `json:"model"`
	Version string `json:"version,omitempty"`
	// NumParallel is Ollama's OLLAMA_NUM_PARALLEL when it could be told,
	// and NumParallelSource says from where.
	NumParallel       string `json:"num_parallel,omitempty"`
	NumParallelSource string `json:"num_parallel_source,omitempty"`
	// CPUs is the number of CPUs of the machine running the benchmark.
	CPUs int `json:"cpus,omitempty"`
}

// Report is the result of Run.
type Report struct {
	Backend  Backend `json:"backend"`
	Question string  `json:"question"`
	Warmup   int     `json:"warmup"`
	Reps     int     `json:"reps"`
	Rows     []Row   `json:"rows"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the bench report: %w", err)
	}
	return nil
}

func ms(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1fs", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	}
	return fmt.Sprintf("%.1fms", v)
}

// cell formats a Stat as "median (min-max)" with f.
func cell(s Stat, f func(float64) string) string {
	if s.Min == s.Max {
		return f(s.Median)
	}
	return fmt.Sprintf("%s (%s-%s)", f(s.Median), f(s.Min), f(s.Max))
}

// WriteTable writes r as a text table: one line per mode, each figure the
// median with min and max in parentheses.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	be := r.Backend
	fmt.Fprintf(&b, "backend: %s, model %s", be.Name, be.Model)
	if be.Version != "" {
		fmt.Fprintf(&b, ", version %s", be.Version)
	}
	if be.NumParallel != "" {
		fmt.Fprintf(&b, ", OLLAMA_NUM_PARALLEL=%s (%s)", be.NumParallel, be.NumParallelSource)
	}
	if be.CPUs > 0 {
		fmt.Fprintf(&b, ", %d CPUs", be.CPUs)
	}
	fmt.Fprintf(&b, "\nquestion: %q\n%d warm-up and %d measured runs per mode; median (min-max)\n\n", r.Question, r.Warmup, r.Reps)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "mode\tthinking\tsynthesis\ttotal\tseq-equivalent\tspeedup\tfirst token\tcalls\ttokens\tconc.\truns")
	x := func(v float64) string { return fmt.Sprintf("%.2fx", v) }
	n := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	for _, row := range r.Rows {
		runs := fmt.Sprint(row.Runs)
		if row.Errors > 0 {
			runs += fmt.Sprintf(" (%d failed: %s)", row.Errors, row.LastError)
		}
		if row.Runs == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t%s\n", row.Mode, runs)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Mode,
			cell(row.ThinkingMS, ms), cell(row.SynthesisMS, ms), cell(row.TotalMS, ms),
			cell(row.SequentialEquivalentMS, ms), cell(row.Speedup, x), cell(row.FirstTokenMS, ms),
			cell(row.Calls, n), cell(row.Tokens, n), cell(row.Concurrency, n), runs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write the bench table: %w", err)
	}
	return nil
}
