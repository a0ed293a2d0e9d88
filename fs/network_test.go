package fs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestReadsWithNodesDown reads files whose content is only on the network
// while a node holding f shards is down, and sees a read fail with EIO, in
// bounded time, when too many are.
func TestReadsWithNodesDown(t *testing.T) {
	n := startNet(t) // 4 nodes of 4 shards; f = 5
	tm := mount(t, n, t.TempDir(), 1<<20)
	want := bytes.Repeat([]byte("walrus!"), 400_000) // 2.8 MB: three 1 MiB chunks
	p := filepath.Join(tm.Dir, "f")
	must(t, os.WriteFile(p, want, 0o644))
	tm.drain(t)
	if _, err := tm.FS.EvictAll(); err != nil {
		t.Fatal(err)
	}
	n.Nodes[1].Stop()
	checkFile(t, p, want)

	// Two nodes down: 8 shards > f. Reads still work (they need n - 2f
	// = 6 slivers), but stores cannot be certified (n - f = 11 shards).
	if _, err := tm.FS.EvictAll(); err != nil {
		t.Fatal(err)
	}
	n.Nodes[2].Stop()
	checkFile(t, p, want)
	p2 := filepath.Join(tm.Dir, "g")
	must(t, os.WriteFile(p2, want[:100_000], 0o644))
	checkFile(t, p2, want[:100_000]) // from its local copy

	// Three down: 12 of 16 shards. Network reads fail with EIO, and do not
	// hang.
	n.Nodes[3].Stop()
	f, err := os.Open(p)
	must(t, err)
	defer f.Close()
	// The kernel keeps the pages of content read before at the same
	// version: drop them, so that the read reaches the network.
	must(t, unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
	buf := make([]byte, 4096)
	start := time.Now()
	_, err = f.ReadAt(buf, 0) // evicted from the 1 MiB read cache by later reads
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("read with 12 of 16 shards down: %v, want EIO", err)
	}
	t.Logf("read failed with EIO after %v", time.Since(start).Round(time.Millisecond))
	must(t, n.Nodes[3].Restart(context.Background()))

	// The new file cannot be certified now: it stays queued, and says so.
	time.Sleep(300 * time.Millisecond)
	state := make([]byte, 32)
	k, err := unix.Getxattr(p2, "user.walrus.state", state)
	if err != nil || string(state[:k]) != "uploading" {
		t.Fatalf("state while the network cannot certify: %q, %v", state[:k], err)
	}
	q, err := tm.Meta.Book().Queue()
	if err != nil || len(q) != 1 || q[0].LastError == "" {
		t.Fatalf("queue: %+v, %v; want one entry with its error", q, err)
	}
	t.Logf("queued with error: %s", q[0].LastError)
	t.Logf("at %v: restarting", time.Since(start))
	// Nodes back: the queue drains on its own.
	must(t, n.Nodes[1].Restart(context.Background()))
	must(t, n.Nodes[2].Restart(context.Background()))
	tm.drain(t)
	t.Logf("at %v: drained", time.Since(start))
	k, err = unix.Getxattr(p2, "user.walrus.state", state)
	if err != nil || string(state[:k]) != "certified" {
		t.Fatalf("state after the network came back: %q, %v", state[:k], err)
	}
}
