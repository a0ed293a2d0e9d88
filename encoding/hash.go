package encoding

import "golang.org/x/crypto/blake2b"

// hashLeaves sets dst[i] = H(0x00 ‖ symbols[i]).
func hashLeaves(dst []Hash, symbols [][]byte) {
	for i, s := range symbols {
		dst[i] = leafHash(s)
	}
}

// hashInner sets dst[i] = H(0x01 ‖ src[2i] ‖ src[2i+1]) for a src of even length.
func hashInner(dst []Hash, src []Hash) {
	for i := range dst {
		dst[i] = innerHash(&src[2*i], &src[2*i+1])
	}
}

var _ = blake2b.Size256
