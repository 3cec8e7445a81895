// Package tui renders a run for people: a live view of the thoughts on a
// terminal, plain progress lines elsewhere, and the closing summary. It only
// formats what the engine reports; it makes no decisions about the run.
package tui

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"

	"github.com/jessy-llm/jessy"
)

// Options shape the progress output.
type Options struct {
	// Live redraws one line per thought in place (a terminal); otherwise
	// progress is plain lines without escape codes.
	Live bool
	// Color styles the output; only honoured with Live.
	Color bool
	// Width is the terminal width for live lines; 0 means 100.
	Width int
	// ShowThoughts prints each thought's text once the thinking phase ends.
	ShowThoughts bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type row struct {
	index    int
	phase    jessy.Phase
	angle    string
	state    string
	start    time.Time
	duration time.Duration
	preview  string
	err      error
	ended    bool
}

// Progress renders the events of one run to w. Handle is its jessy.Sink.
// It is safe for concurrent use; Close must be called once the run is over.
type Progress struct {
	w    io.Writer
	opts Options
	st   styles

	mu     sync.Mutex
	rows   map[int]*row
	drawn  int
	frozen bool // the live region is final (the synthesis started)
	stop   chan struct{}
	done   chan struct{}
}

type styles struct {
	ok, fail, faint, bold lipgloss.Style
}

// New returns a Progress writing to w. With opts.Live it refreshes the
// elapsed times every 200ms until the synthesis starts or Close is called.
func New(w io.Writer, opts Options) *Progress {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Width <= 0 {
		opts.Width = 100
	}
	p := &Progress{w: w, opts: opts, rows: map[int]*row{}}
	if opts.Live && opts.Color {
		p.st = styles{
			ok:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
			fail:  lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
			faint: lipgloss.NewStyle().Faint(true),
			bold:  lipgloss.NewStyle().Bold(true),
		}
	}
	if opts.Live {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.tick()
	}
	return p
}

func (p *Progress) tick() {
	defer close(p.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if !p.frozen && p.drawn > 0 {
				p.redraw()
			}
			p.mu.Unlock()
		}
	}
}

// Close stops the live refresh. It does not print the summary.
func (p *Progress) Close() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opts.Live && !p.frozen && p.drawn > 0 {
		p.redraw()
	}
	p.frozen = true
}

// Handle renders ev. It is a jessy.Sink.
func (p *Progress) Handle(ev jessy.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Now()
	switch ev.Type {
	case jessy.EventThoughtStarted:
		th := ev.Thought
		p.rows[ev.Index] = &row{index: ev.Index, phase: th.Phase, angle: th.Angle, state: "thinking", start: now}
		p.changed(ev.Index)
	case jessy.EventThoughtDelta:
		if r := p.rows[ev.Index]; r != nil {
			r.state = "streaming"
			r.preview = tail(r.preview+ev.Text, 400)
			if p.opts.Live {
				p.redraw()
			}
		}
	case jessy.EventThoughtRetry:
		if r := p.rows[ev.Index]; r != nil {
			r.state = fmt.Sprintf("retry %d", len(ev.Thought.Attempts))
			r.err = ev.Err
			p.changed(ev.Index)
		}
	case jessy.EventThoughtDone, jessy.EventThoughtFailed, jessy.EventThoughtCanceled:
		if r := p.rows[ev.Index]; r != nil {
			r.ended, r.duration, r.err = true, ev.Thought.Duration, ev.Thought.Err
			r.state = string(ev.Thought.Status)
			r.preview = tail(ev.Thought.Text, 400)
			p.changed(ev.Index)
		}
	case jessy.EventSynthesisStarted:
		if p.opts.Live && p.drawn > 0 {
			p.redraw()
		}
		p.frozen = true
		ok := 0
		for _, r := range p.rows {
			if r.state == string(jessy.StatusOK) {
				ok++
			}
		}
		fmt.Fprintf(p.w, "%s from %d of %d thoughts (%s)\n",
			p.st.bold.Render("synthesis"), ok, len(p.rows), target(ev.Synthesis.Backend, ev.Synthesis.Model))
	case jessy.EventSynthesisRetry:
		fmt.Fprintf(p.w, "synthesis attempt %d failed, retrying: %v\n", len(ev.Synthesis.Attempts), ev.Err)
	case jessy.EventSynthesisFallback:
		fmt.Fprintf(p.w, "synthesis failed: %v; fallback %s takes over\n", ev.Err, target(ev.Synthesis.Backend, ev.Synthesis.Model))
	}
}

// changed renders a state change of thought i.
func (p *Progress) changed(i int) {
	if p.opts.Live {
		if !p.frozen {
			p.redraw()
		}
		return
	}
	r := p.rows[i]
	switch {
	case r.state == "thinking":
		fmt.Fprintf(p.w, "thought %d %s: %s ...\n", i+1, r.phase, r.angle)
	case strings.HasPrefix(r.state, "retry"):
		fmt.Fprintf(p.w, "thought %d %s after: %v\n", i+1, r.state, r.err)
	case r.ended && r.err != nil:
		fmt.Fprintf(p.w, "thought %d %s after %s: %v\n", i+1, r.state, seconds(r.duration), r.err)
	case r.ended:
		fmt.Fprintf(p.w, "thought %d %s in %s\n", i+1, r.state, seconds(r.duration))
	}
}

// redraw rewrites the live region: one line per thought, in index order.
func (p *Progress) redraw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	idx := make([]int, 0, len(p.rows))
	for i := range p.rows {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	now := p.opts.Now()
	for _, i := range idx {
		b.WriteString("\r\x1b[2K")
		b.WriteString(p.line(p.rows[i], now))
		b.WriteString("\n")
	}
	p.drawn = len(idx)
	_, _ = io.WriteString(p.w, b.String())
}

func (p *Progress) line(r *row, now time.Time) string {
	d := r.duration
	if !r.ended {
		d = now.Sub(r.start)
	}
	mark, st := "•", p.st.faint
	switch {
	case r.state == string(jessy.StatusOK):
		mark, st = "✓", p.st.ok
	case r.ended:
		mark, st = "✗", p.st.fail
	}
	head := fmt.Sprintf("%s %2d %-15s %-32s %-9s %7s  ", mark, r.index+1, r.phase, clip(r.angle, 32), r.state, seconds(d))
	room := max(p.opts.Width-len([]rune(head))-1, 0)
	text := lastChars(r.preview, room)
	if r.err != nil {
		text = clip(r.err.Error(), room)
	}
	return st.Render(head) + p.st.faint.Render(text)
}

func target(backend, model string) string {
	if backend == "" {
		return model
	}
	return backend + "/" + model
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// clip shortens s to n runes on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}

// tail keeps at most the last n bytes of s, cut at a rune boundary.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for i := 0; i < len(s); i++ {
		if utf8.RuneStart(s[i]) {
			return s[i:]
		}
	}
	return ""
}

// lastChars keeps the last n runes of s on one line.
func lastChars(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[len(r)-n:])
}
