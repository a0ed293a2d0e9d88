package slab

import "golang.org/x/sys/unix"

// adviseHuge asks for transparent huge pages; failure only costs speed.
func adviseHuge(b []byte) { _ = unix.Madvise(b, unix.MADV_HUGEPAGE) }
