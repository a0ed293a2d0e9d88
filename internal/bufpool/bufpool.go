// Package bufpool reuses the short-lived byte buffers of request bodies and
// stored values. Fresh memory is slow to touch on the machines walrusfs runs
// on (each new page faults), and a storage node receives hundreds of
// megabytes of slivers per blob, so buffers are recycled by size class.
package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 12 // 4 KiB: smaller buffers are cheap to allocate
	maxShift = 26 // 64 MiB: larger ones are rare enough to allocate
)

var classes [maxShift - minShift + 1]sync.Pool

// class returns the index of the smallest class holding n bytes, or -1.
func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	shift := bits.Len(uint(n - 1))
	if shift > maxShift {
		return -1
	}
	return shift - minShift
}

// Get returns a buffer of n bytes whose contents are undefined.
func Get(n int) []byte {
	c := class(n)
	if c < 0 {
		return make([]byte, n)
	}
	if p, ok := classes[c].Get().(*[]byte); ok {
		return (*p)[:n]
	}
	return make([]byte, n, 1<<(c+minShift))
}

// Put gives back a buffer from Get; nothing may use it afterwards. Buffers
// not from Get are dropped unless their capacity is exactly a class size.
func Put(b []byte) {
	c := class(cap(b))
	if c < 0 || cap(b) != 1<<(c+minShift) {
		return
	}
	b = b[:cap(b)]
	classes[c].Put(&b)
}
