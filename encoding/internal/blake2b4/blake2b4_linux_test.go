package blake2b4

import (
	"syscall"
	"testing"
)

// TestNoOverread places each message so that it ends right before an
// inaccessible page (and, in a second pass, starts right after one): reading a
// byte outside the message would crash the test. It guards the in-place reads
// of middle blocks, which start one byte before a block boundary.
func TestNoOverread(t *testing.T) {
	page := syscall.Getpagesize()
	const maxLen = 3 * 128
	var mems [8][]byte
	for k := range mems {
		mem, err := syscall.Mmap(-1, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			t.Skip("mmap:", err)
		}
		defer syscall.Munmap(mem)
		// guard pages on both sides of the middle page
		if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
			t.Skip("mprotect:", err)
		}
		if err := syscall.Mprotect(mem[2*page:], syscall.PROT_NONE); err != nil {
			t.Skip("mprotect:", err)
		}
		mems[k] = mem[page : 2*page]
		for i := range mems[k] {
			mems[k][i] = byte(i*13 + k)
		}
	}
	paths(t, func(t testing.TB) {
		for n := 0; n <= maxLen; n++ {
			var atEnd, atStart [8][]byte
			for k := range mems {
				atEnd[k] = mems[k][page-n:]
				atStart[k] = mems[k][:n:n]
			}
			check4(t, 9, (*[4][]byte)(atEnd[:4]))
			check4(t, 9, (*[4][]byte)(atStart[4:]))
			checkPrefixed(t, 9, atEnd[:])
			checkPrefixed(t, 9, atStart[:])
		}
	})
}
