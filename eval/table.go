package eval

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteTable writes rep's arms as an aligned text table for a terminal:
// one row per arm with n, correct, accuracy and its interval, tokens,
// calls, wall time, accuracy per 1,000 tokens and the paired test
// against single ("+wins/-losses p=..."). It returns the first write
// error.
func WriteTable(w io.Writer, rep Report) error {
	// tabwriter aligns every column alike; numbers read best aligned
	// right, so the names are padded left-aligned by hand.
	width := len("arm")
	for _, a := range rep.Arms {
		width = max(width, utf8.RuneCountInString(a.Name))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t", width, "arm")
	fmt.Fprintf(tw, "n\tcorrect\taccuracy\t95%% CI\tprompt tok\tcompl tok\tcalls\twall\tacc/1k tok\tvs single\t\n")
	for _, a := range rep.Arms {
		fmt.Fprintf(tw, "%s%s\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%.3f\t%s\t\n",
			a.Name, strings.Repeat(" ", width-utf8.RuneCountInString(a.Name)), a.N, a.Correct, pct(a.Accuracy), ci(a.CI95), a.Tokens.Prompt, a.Tokens.Completion,
			a.Calls, wall(a.WallMS), a.AccuracyPer1kTokens, vs(a.VsSingle))
	}
	return tw.Flush()
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

func ci(c [2]float64) string { return fmt.Sprintf("%.1f–%.1f%%", 100*c[0], 100*c[1]) }

func wall(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) }

func vs(p *Paired) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("+%d/-%d p=%s", p.Wins, p.Losses, pval(p.P))
}

// pval prints a p-value with three significant decimals, small ones
// as "<0.001".
func pval(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}
