package eval

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Plot geometry, in SVG user units.
const (
	plotW, plotH                       = 640, 400
	marginL, marginR, marginT, marginB = 60, 150, 30, 50
)

// WriteSVG draws accuracy (y, 0–100%) against mean tokens per answered
// item (x, from 0 to a round bound above the largest) with one point per
// arm, its 95% interval as a vertical error bar, and the arm's name
// beside it. The output depends only on rep, so it can be compared with
// a golden file. It returns the first write error.
func WriteSVG(w io.Writer, rep Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	x0, x1 := float64(marginL), float64(plotW-marginR)
	y0, y1 := float64(plotH-marginB), float64(marginT)

	maxTok := 0.0
	for _, a := range rep.Arms {
		maxTok = math.Max(maxTok, meanTokens(a))
	}
	xMax, step := niceAxis(maxTok)
	px := func(t float64) float64 { return x0 + (x1-x0)*t/xMax }
	py := func(acc float64) float64 { return y0 + (y1-y0)*acc }

	// Grid and ticks.
	for i := 0; i <= 5; i++ {
		acc := float64(i) / 5
		y := py(acc)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%d%%</text>`+"\n", x0-6, y+4, i*20)
	}
	for t := 0.0; t <= xMax+step/2; t += step {
		x := px(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, y0, x, y1)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, y0+16, tickLabel(t))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, y0, x1, y0)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, y0, x0, y1)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">mean tokens per item</text>`+"\n", (x0+x1)/2, plotH-10)
	fmt.Fprintf(&b, `<text x="14" y="%.1f" text-anchor="middle" transform="rotate(-90 14 %.1f)">accuracy (95%% interval)</text>`+"\n", (y0+y1)/2, (y0+y1)/2)
	fmt.Fprintf(&b, `<text x="%.1f" y="18" text-anchor="middle" font-weight="bold">%s</text>`+"\n", (x0+x1)/2, html.EscapeString(rep.Dataset))

	colors := []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"}
	for i, a := range rep.Arms {
		c := colors[i%len(colors)]
		x := px(meanTokens(a))
		lo, hi, y := py(a.CI95[0]), py(a.CI95[1]), py(a.Accuracy)
		fmt.Fprintf(&b, `<g stroke="%s" fill="%s"><title>%s: %s (%s), %.0f tokens per item</title>`+"\n", c, c, html.EscapeString(a.Name), pct(a.Accuracy), ci(a.CI95), meanTokens(a))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`+"\n", x, lo, x, hi)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`+"\n", x-5, lo, x+5, lo)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`+"\n", x-5, hi, x+5, hi)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4"/>`+"\n", x, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" stroke="none">%s</text></g>`+"\n", x+8, y+4, html.EscapeString(a.Name))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// meanTokens is an arm's tokens per answered item (0 when none).
func meanTokens(a ArmReport) float64 {
	if a.N == 0 {
		return 0
	}
	return float64(a.Tokens.Total) / float64(a.N)
}

// niceAxis returns an axis bound at or above v made of 1, 2 or 5 times
// a power of ten, split into ticks of size step (4 to 10 of them). For
// v <= 0 the axis is [0, 1].
func niceAxis(v float64) (bound, step float64) {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1, 0.2
	}
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= v {
			bound = m * mag
			break
		}
	}
	switch bound / mag {
	case 1, 10:
		step = bound / 5
	case 2:
		step = bound / 4
	default:
		step = bound / 5
	}
	return bound, step
}

func tickLabel(t float64) string {
	if t == math.Trunc(t) {
		return fmt.Sprintf("%.0f", t)
	}
	return fmt.Sprintf("%g", math.Round(t*1000)/1000)
}
