package fs_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/cache"
)

// TestLostLocalCopies damages the local copies of certified files between
// two mounts (one deleted, one cut short, one with a byte flipped) and
// reads them back whole from the network, with one warning and a count; a changed file whose only copy
// is deleted is reported lost once, by name, and reads fail with EIO
// without a log line each, until the file is written again.
func TestLostLocalCopies(t *testing.T) {
	n := startNet(t)
	state := t.TempDir()
	tm := mount(t, n, state, 1<<20)
	files := map[string][]byte{
		"gone":    bytes.Repeat([]byte("gone!"), 500_000), // 2.5 MB: three 1 MiB chunks
		"short":   bytes.Repeat([]byte("short"), 400_000),
		"flipped": bytes.Repeat([]byte("flip"), 10_000), // small: packed
		"intact":  bytes.Repeat([]byte("ok"), 300_000),
	}
	for name, data := range files {
		must(t, os.WriteFile(filepath.Join(tm.Dir, name), data, 0o644))
	}
	tm.drain(t)
	// A change the network cannot certify: 8 of 16 shards down.
	n.Nodes[1].Stop()
	n.Nodes[2].Stop()
	must(t, os.WriteFile(filepath.Join(tm.Dir, "uncertified"), []byte("only here"), 0o644))
	ino := func(name string) uint64 {
		fi, err := os.Stat(filepath.Join(tm.Dir, name))
		must(t, err)
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	inos := map[string]uint64{}
	for _, name := range []string{"gone", "short", "flipped", "intact", "uncertified"} {
		inos[name] = ino(name)
	}
	tm.unmount()
	must(t, n.Nodes[1].Restart(context.Background()))
	must(t, n.Nodes[2].Restart(context.Background()))

	data := cache.Files{Dir: filepath.Join(state, "data")}
	must(t, os.Remove(data.Path(inos["gone"])))
	must(t, os.Truncate(data.Path(inos["short"]), 1000))
	flip, err := os.ReadFile(data.Path(inos["flipped"]))
	must(t, err)
	flip[len(flip)/2] ^= 1
	must(t, os.WriteFile(data.Path(inos["flipped"]), flip, 0o600))
	must(t, os.Remove(data.Path(inos["uncertified"])))

	tm = mount(t, n, state, 1<<20)
	for name, want := range files {
		checkFile(t, filepath.Join(tm.Dir, name), want)
	}
	for _, name := range []string{"gone", "short", "flipped"} {
		if _, err := os.Stat(data.Path(inos[name])); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the bad local copy is still there (%v)", name, err)
		}
	}
	// One warning, then a count: a lost data directory must not flood
	// the log with a line per file.
	if k := strings.Count(tm.Logs.String(), "local copy is"); k != 1 || tm.FS.DroppedCopies() != 3 {
		t.Errorf("%d warnings, %d copies counted; want 1 and 3; log:\n%s", k, tm.FS.DroppedCopies(), tm.Logs.String())
	}
	if _, err := os.Stat(data.Path(inos["intact"])); err != nil {
		t.Errorf("the intact copy was dropped: %v", err)
	}

	lostPath := filepath.Join(tm.Dir, "uncertified")
	for range 3 {
		if _, err := os.ReadFile(lostPath); !errors.Is(err, syscall.EIO) {
			t.Fatalf("reading a lost file: %v, want EIO", err)
		}
	}
	lost, count, err := tm.Meta.Book().Lost(0)
	must(t, err)
	if count != 1 || lost[0].Ino != inos["uncertified"] || lost[0].Path != "uncertified" {
		t.Fatalf("lost files: %d %+v; want the uncertified one, by name", count, lost)
	}
	xattr := make([]byte, 32)
	if k, err := unix.Getxattr(lostPath, "user.walrus.state", xattr); err != nil || string(xattr[:k]) != "lost" {
		t.Errorf("state of a lost file: %q, %v", xattr[:max(k, 0)], err)
	}
	if k := strings.Count(tm.Logs.String(), "a file is lost"); k != 1 {
		t.Errorf("the loss was logged %d times, want once; log:\n%s", k, tm.Logs.String())
	}
	if q, err := tm.Meta.Book().Queue(); err != nil || len(q) != 0 {
		t.Errorf("queue after the loss: %+v, %v; want nothing to upload", q, err)
	}

	// Written again, the file is whole and no longer lost once certified.
	if err := os.WriteFile(lostPath, []byte("written again"), 0o644); err != nil {
		t.Fatalf("%v; log:\n%s", err, tm.Logs.String())
	}
	checkFile(t, lostPath, []byte("written again"))
	tm.drain(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, count, err := tm.Meta.Book().Lost(0); err == nil && count == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rewritten file is still listed as lost")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
