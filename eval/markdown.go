package eval

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteMarkdown writes rep as a Markdown report: the dataset, model and
// backend, a table of the arms, the paired tests against single, the
// plot (an image link to svgName, relative to the report; omitted when
// svgName is empty) and a short note on how to read the numbers. It
// returns the first write error.
func WriteMarkdown(w io.Writer, rep Report, svgName string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# jessy eval: %s\n\n", mdEscape(rep.Dataset))
	fmt.Fprintf(&b, "Model `%s` on backend `%s`, %d items.\n\n", rep.Model, rep.Backend, len(rep.Items))
	b.WriteString("| arm | n | correct | accuracy | 95% CI | prompt tokens | completion tokens | calls | wall | accuracy / 1k tokens |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, a := range rep.Arms {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %d | %d | %d | %s | %.3f |\n",
			mdEscape(a.Name), a.N, a.Correct, pct(a.Accuracy), ci(a.CI95), a.Tokens.Prompt,
			a.Tokens.Completion, a.Calls, wall(a.WallMS), a.AccuracyPer1kTokens)
	}
	var paired []ArmReport
	for _, a := range rep.Arms {
		if a.VsSingle != nil {
			paired = append(paired, a)
		}
	}
	if len(paired) > 0 {
		b.WriteString("\n## Against single (McNemar, paired on the same items)\n\n")
		b.WriteString("| arm | items | right where single was wrong | wrong where single was right | p |\n")
		b.WriteString("|---|--:|--:|--:|--:|\n")
		for _, a := range paired {
			p := a.VsSingle
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", mdEscape(a.Name), p.N, p.Wins, p.Losses, pval(p.P))
		}
	}
	if svgName != "" {
		fmt.Fprintf(&b, "\n## Accuracy against tokens\n\n![accuracy against mean tokens per item, with 95%% intervals](%s)\n", svgName)
	}
	b.WriteString("\n## Reading it\n\n" + readingNote)
	_, err := io.WriteString(w, b.String())
	return err
}

// readingNote is the short guide printed under every Markdown report.
const readingNote = `The 95% interval (Wilson) is the range of accuracies the arm plausibly has on
questions like these; when two arms' intervals overlap widely, the sample is too
small to rank them. The p-value is McNemar's paired test on the items both arms
answered: the chance of at least this lopsided a split of the items where exactly
one of the two was right if the arms were equally good. Below 0.05 the difference
is unlikely to be noise; above it, no difference has been shown.
`

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WriteFiles writes rep as Markdown to mdPath and its plot as an SVG
// beside it (mdPath with the extension replaced by ".svg"), linked from
// the Markdown by its base name. It returns the first error.
func WriteFiles(mdPath string, rep Report) error {
	svgPath := strings.TrimSuffix(mdPath, filepath.Ext(mdPath)) + ".svg"
	var svg strings.Builder
	if err := WriteSVG(&svg, rep); err != nil {
		return err
	}
	if err := os.WriteFile(svgPath, []byte(svg.String()), 0o644); err != nil {
		return err
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, rep, filepath.Base(svgPath)); err != nil {
		return err
	}
	return os.WriteFile(mdPath, []byte(md.String()), 0o644)
}
