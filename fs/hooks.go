package fs

import "sync/atomic"

// testHook, set by tests only, runs at the named points where the file
// system waits on slow I/O ("datasync", "evict", "download"), so that a
// test can hold it there and check what proceeds meanwhile.
var testHook atomic.Pointer[func(point string)]

func hook(point string) {
	if h := testHook.Load(); h != nil {
		(*h)(point)
	}
}
