//go:build amd64 && !purego

package rs

// bestKernels picks the block kernels for this CPU. SIMD kernels come later;
// until then every CPU gets the portable ones.
func bestKernels(t *fieldTables) blockKernels { return genericKernels{t} }
