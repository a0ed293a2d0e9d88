package crypt

import "math/bits"

// Padded returns the length n is padded to so that an observer learns
// little from it: Padmé (Nikitin et al., "Reducing Metadata Leakage from
// Encrypted Files and Communication with PURBs", 2019) keeps only the top
// bits of the length, about log2(log2 n) of them, at most 12% larger, so
// that lengths fall into few buckets at every scale.
func Padded(n uint64) uint64 {
	if n < 2 {
		return n
	}
	e := uint64(bits.Len64(n) - 1)       // floor(log2 n)
	s := uint64(bits.Len64(e))           // floor(log2 e) + 1
	mask := uint64(1)<<(e-min(s, e)) - 1 // the low bits to clear
	return (n + mask) &^ mask
}
