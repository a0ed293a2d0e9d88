//go:build !amd64 || purego

package rs

// simdKernelSets returns the assembly kernels this CPU can run: none here.
func simdKernelSets() []namedKernels { return nil }
