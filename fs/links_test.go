package fs_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestHardLinkSeenThroughEveryName(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	d := tm.Dir
	st := func(p string) uint32 {
		var s syscall.Stat_t
		must(t, syscall.Stat(p, &s))
		return uint32(s.Nlink)
	}
	must(t, os.WriteFile(filepath.Join(d, "a"), []byte("hello\n"), 0o644))
	f, err := os.OpenFile(filepath.Join(d, "a"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write([]byte("more\n"))
	must(t, err)
	must(t, f.Close())
	must(t, os.Rename(filepath.Join(d, "a"), filepath.Join(d, "b")))
	must(t, os.Link(filepath.Join(d, "b"), filepath.Join(d, "c")))
	if got := st(filepath.Join(d, "b")); got != 2 {
		t.Fatalf("after link: nlink %d, want 2", got)
	}
	must(t, os.Symlink("b", filepath.Join(d, "s")))
	// Reaching the file through another path must show the same inode.
	b, err := os.ReadFile(filepath.Join(d, "s"))
	if err != nil || string(b) != "hello\nmore\n" {
		t.Fatalf("read through symlink: %q, %v", b, err)
	}
	if got := st(filepath.Join(d, "c")); got != 2 {
		t.Fatalf("after reading through a symlink: nlink %d, want 2", got)
	}
	must(t, os.Remove(filepath.Join(d, "c")))
	if got := st(filepath.Join(d, "b")); got != 1 {
		t.Fatalf("after removing a link: nlink %d, want 1", got)
	}
}
