package fs_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCloseLeavesTheSyncToTheCommitter: a close syncs nothing (with a data
// file's sync held, it still returns), the committer syncs what was closed
// within its interval, and the file system goes on while it does.
func TestCloseLeavesTheSyncToTheCommitter(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	_, releaseSync := holdAt(t, "datasync")
	within(t, 5*time.Second, "a close with data file syncs held", func() error {
		return os.WriteFile(filepath.Join(tm.Dir, "a"), []byte("closed"), 0o644)
	})
	releaseSync()
	committing, releaseCommit := holdAt(t, "commit")
	within(t, 5*time.Second, "another close", func() error {
		return os.WriteFile(filepath.Join(tm.Dir, "c"), []byte("closed too"), 0o644)
	})
	waitFor(t, committing, "the commit after a close")
	within(t, 5*time.Second, "a create while the commit syncs", func() error {
		return os.WriteFile(filepath.Join(tm.Dir, "b"), []byte("meanwhile"), 0o644)
	})
	releaseCommit()
	b, err := os.ReadFile(filepath.Join(tm.Dir, "a"))
	must(t, err)
	if string(b) != "closed" {
		t.Fatalf("read %q", b)
	}
}
