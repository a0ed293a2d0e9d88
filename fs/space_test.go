package fs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestCacheFull fills a small cache disk: the write that does not fit
// fails with ENOSPC, the files already written stay intact and are
// uploaded, and once they are certified their local copies make room.
func TestCacheFull(t *testing.T) { bothModes(t, testCacheFull) }

func testCacheFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	disk := t.TempDir()
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=8m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(disk, syscall.MNT_DETACH) })
	const minFree = 1 << 20
	tm := mountOpts(t, startNet(t), t.TempDir(), 1<<20, 1<<20, filepath.Join(disk, "data"), minFree)
	// The mount's Maintain drops certified copies to make room.

	content := func(seed byte) []byte { return bytes.Repeat([]byte{seed, 1, 2, 3}, 3<<20/4) }
	a, b, c := filepath.Join(tm.Dir, "a"), filepath.Join(tm.Dir, "b"), filepath.Join(tm.Dir, "c")
	must(t, os.WriteFile(a, content('a'), 0o644))
	must(t, os.WriteFile(b, content('b'), 0o644))
	// 6 of 8 MiB used: 3 more do not fit.
	err := os.WriteFile(c, content('c'), 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("writing past the cache's room: %v, want ENOSPC", err)
	}
	checkFile(t, a, content('a'))
	checkFile(t, b, content('b'))
	// Certified, a and b leave only the network's copy, and c fits.
	tm.drain(t)
	for deadline := time.Now().Add(20 * time.Second); ; {
		if err := os.WriteFile(c, content('c'), 0o644); err == nil {
			break
		} else if !errors.Is(err, syscall.ENOSPC) || time.Now().After(deadline) {
			t.Fatalf("writing once a and b are certified: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	checkFile(t, c, content('c'))
	checkFile(t, a, content('a')) // now from the network
	tm.drain(t)
}
