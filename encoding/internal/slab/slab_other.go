//go:build !(linux || darwin || freebsd)

package slab

func mapAnon(int) ([]byte, bool) { return nil, false }

func unmap([]byte) {}
