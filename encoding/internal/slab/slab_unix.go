//go:build linux || darwin || freebsd

package slab

import "golang.org/x/sys/unix"

func mapAnon(size int) ([]byte, bool) {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, false
	}
	adviseHuge(b)
	return b, true
}

func unmap(b []byte) { _ = unix.Munmap(b) }
