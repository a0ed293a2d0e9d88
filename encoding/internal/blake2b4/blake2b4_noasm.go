//go:build !amd64 || purego

package blake2b4

const (
	hasAVX2   = false
	hasAVX512 = false
)

// compress is never called: useAVX2 is always false without the assembly.
func compress(h []uint64, buf [][blockSize]byte, m [][]byte, off, blocks int, t, f uint64) {
	panic("blake2b4: no vector kernel in this build")
}
