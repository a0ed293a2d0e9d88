//go:build !amd64 || purego

package rs

func bestKernels(t *fieldTables) blockKernels { return genericKernels{t} }
