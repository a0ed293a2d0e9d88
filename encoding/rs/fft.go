package rs

// fft evaluates, in place, the polynomial whose coefficients are in
// work[pos:pos+size] at the points skewDelta..skewDelta+size-1, computing only
// the first truncated outputs. size is a power of two.
func (l *engine) fftRange(work [][]byte, pos, size, truncated, skewDelta int) {
	skew := &l.t.skew
	for dist := size / 2; dist > 0; dist /= 2 {
		for r := 0; r < truncated; r += 2 * dist {
			logM := skew[r+dist+skewDelta-1]
			for i := r; i < r+dist; i++ {
				l.fft(work[pos+i], work[pos+i+dist], logM)
			}
		}
	}
}

// ifftRange is the inverse of fftRange: values at points skewDelta.. become
// coefficients. Only the first truncated inputs may be non-zero.
func (l *engine) ifftRange(work [][]byte, pos, size, truncated, skewDelta int) {
	skew := &l.t.skew
	for dist := 1; dist < size; dist *= 2 {
		for r := 0; r < truncated; r += 2 * dist {
			logM := skew[r+dist+skewDelta-1]
			for i := r; i < r+dist; i++ {
				l.ifft(work[pos+i], work[pos+i+dist], logM)
			}
		}
	}
}

func nextPow2(x int) int {
	p := 1
	for p < x {
		p <<= 1
	}
	return p
}

func roundUp(x, multiple int) int { return (x + multiple - 1) / multiple * multiple }
