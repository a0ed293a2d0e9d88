package fs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
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

// TestQueueEntryFollowsAShellRedirection: a shell's "> file" opens the
// file, closes one descriptor (a flush that queues it empty) and writes
// through another (with passthrough, unseen by the mount); the queue entry
// still ends with the file's size.
func TestQueueEntryFollowsAShellRedirection(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	p := filepath.Join(tm.Dir, "redirected")
	f, err := os.Create(p)
	must(t, err)
	fd, err := syscall.Dup(int(f.Fd()))
	must(t, err)
	must(t, f.Close()) // the first flush
	data := bytes.Repeat([]byte("x"), 300_000)
	if _, err := syscall.Write(fd, data); err != nil {
		t.Fatal(err)
	}
	must(t, syscall.Close(fd))
	st, err := os.Stat(p)
	must(t, err)
	var sys syscall.Stat_t
	must(t, syscall.Stat(p, &sys))
	e, err := tm.Meta.Book().Queued(sys.Ino)
	if err == nil && e.Bytes != uint64(st.Size()) {
		t.Fatalf("queue entry of %d bytes for a file of %d", e.Bytes, st.Size())
	}
	tm.drain(t)
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}
