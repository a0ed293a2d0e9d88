package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/internal/human"
)

// progressBar draws one line of progress on a terminal, redrawn in place:
//
//	photo.jpg  uploading  [##########..............]  50%  5.4 MiB / 10.8 MiB
//
// A nil *progressBar draws nothing, so callers need not check.
type progressBar struct {
	w     io.Writer
	label string
	verb  string // what the bytes counted are doing: "uploading"

	mu    sync.Mutex
	last  time.Time
	drawn bool
}

const barWidth = 24

// newProgressBar returns a bar writing to w, or nil when disabled.
func newProgressBar(w io.Writer, enabled bool, label, verb string) *progressBar {
	if !enabled {
		return nil
	}
	if r := []rune(label); len(r) > 32 {
		label = "…" + string(r[len(r)-31:])
	}
	return &progressBar{w: w, label: label, verb: verb}
}

// status shows a phase with no measurable progress, such as "encoding".
func (p *progressBar) status(text string) {
	if p == nil {
		return
	}
	p.show(fmt.Sprintf("%s  %s", p.label, text))
}

// show draws line as it is, in the bar's place.
func (p *progressBar) show(line string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawLocked(line)
}

// update shows done of total bytes; redraws are limited to ten a second,
// but the last one (done == total) is always drawn.
func (p *progressBar) update(done, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	filled := int(frac * barWidth)
	bar := strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled)
	p.drawLocked(fmt.Sprintf("%s  %s  [%s] %3.0f%%  %s / %s", p.label, p.verb, bar, 100*frac, human.Bytes(done), human.Bytes(total)))
}

// clear erases the bar, leaving the cursor at the start of the line.
func (p *progressBar) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *progressBar) drawLocked(line string) {
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}
