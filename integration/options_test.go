package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMountShowsOwnersAsAsked: -o uid=,gid=,umask= show every file with
// that owner and without those permission bits, as rclone's options do;
// what is stored is kept, and a mount without them shows it.
func TestMountShowsOwnersAsAsked(t *testing.T) {
	state, mnt := t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "-o", "uid=4242,gid=4343,umask=027")
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("owned"), 0o644))
	must(t, os.Chmod(p, 0o666))
	must(t, os.Mkdir(filepath.Join(mnt, "d"), 0o777))
	stat := func(p string) syscall.Stat_t {
		t.Helper()
		var st syscall.Stat_t
		must(t, syscall.Stat(p, &st))
		return st
	}
	for _, c := range []struct {
		path string
		mode uint32
	}{{p, 0o640}, {filepath.Join(mnt, "d"), 0o750}} {
		st := stat(c.path)
		if st.Uid != 4242 || st.Gid != 4343 || st.Mode&0o7777 != c.mode {
			t.Errorf("%s shown as %d:%d %o, want 4242:4343 %o", c.path, st.Uid, st.Gid, st.Mode&0o7777, c.mode)
		}
	}
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited

	startMount(t, mnt, state)
	if st := stat(p); int(st.Uid) != os.Getuid() || int(st.Gid) != os.Getgid() || st.Mode&0o7777 != 0o666 {
		t.Errorf("stored as %d:%d %o, want %d:%d 666", st.Uid, st.Gid, st.Mode&0o7777, os.Getuid(), os.Getgid())
	}
}

// TestMountIsQuiet: by default a mount says only that it is mounted (and,
// the first time, where its new identity is): no info lines while files are
// written, uploaded and the tree published; -v shows them.
func TestMountIsQuiet(t *testing.T) {
	state, mnt := t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "--write-back=5s", "--publish-after=1s") // the default write-back
	must(t, os.WriteFile(filepath.Join(mnt, "f"), []byte("quiet"), 0o644))
	waitPublished(t, state, 1)
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited
	logs := m.logTail(1000)
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=") {
			t.Errorf("a default mount logged %q", line)
		}
	}
	if !strings.Contains(logs, "walrusfs: mounted on "+mnt) {
		t.Errorf("no mounted line:\n%s", logs)
	}

	m = startMount(t, mnt, state, "-v", "--publish-after=1s")
	must(t, os.WriteFile(filepath.Join(mnt, "g"), []byte("loud"), 0o644))
	waitPublished(t, state, 2)
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited
	if logs := m.logTail(1000); !strings.Contains(logs, "level=INFO") {
		t.Errorf("mount -v logged no info lines:\n%s", logs)
	}
}

// TestReadCacheSurvivesRestart: content read from the network is kept on
// disk; after a restart it is read from there (no bytes fetched), and an
// entry damaged meanwhile is refused, fetched again, and reads stay right.
func TestReadCacheSurvivesRestart(t *testing.T) {
	state, mnt := t.TempDir(), t.TempDir()
	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"a": 3 << 20, "b": 200 << 10, "c": 5000})
	m := startMount(t, mnt, state)
	copyInAndUnmount(t, m, src, state)
	data := dataDir(t, state)
	readcache := filepath.Join(filepath.Dir(data), "readcache")
	cacheStats := func() (fetched int64, disk struct{ Entries, Hits, Damaged int64 }) {
		t.Helper()
		res := mustRun(t, 30*time.Second, "status", "--state", state, "--json")
		var st []struct {
			Cache struct {
				FetchedBytes int64 `json:"fetchedBytes"`
				Disk         *struct{ Entries, Hits, Damaged int64 }
			}
		}
		must(t, json.Unmarshal(res.stdout, &st))
		if len(st) != 1 || st[0].Cache.Disk == nil {
			t.Fatalf("status: %s", res.stdout)
		}
		return st[0].Cache.FetchedBytes, *st[0].Cache.Disk
	}
	readAll := func() {
		t.Helper()
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(mnt, f.name))
			must(t, err)
			if !bytes.Equal(b, f.data) {
				t.Fatalf("%s: %d bytes differ from the %d written", f.name, len(b), len(f.data))
			}
		}
	}

	// Local copies gone: reads go to the network, and to the disk cache.
	must(t, os.RemoveAll(data))
	m = startMount(t, mnt, state)
	readAll()
	if fetched, _ := cacheStats(); fetched == 0 {
		t.Fatal("nothing fetched from the network")
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, disk := cacheStats(); disk.Entries > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing in the disk cache")
		}
	}
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited

	// A restart reads from the disk cache.
	must(t, os.RemoveAll(data))
	m = startMount(t, mnt, state)
	readAll()
	if fetched, disk := cacheStats(); fetched != 0 || disk.Hits == 0 {
		t.Fatalf("after a restart: %d bytes fetched, %d disk hits; want 0 and some", fetched, disk.Hits)
	}
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited

	// Damage every entry: each is refused and fetched again.
	entries, err := filepath.Glob(filepath.Join(readcache, "*", "*"))
	must(t, err)
	if len(entries) == 0 {
		t.Fatal("no entries in " + readcache)
	}
	for _, e := range entries {
		b, err := os.ReadFile(e)
		must(t, err)
		b[len(b)-1] ^= 0xff
		must(t, os.WriteFile(e, b, 0o600))
	}
	must(t, os.RemoveAll(data))
	m = startMount(t, mnt, state)
	readAll()
	if fetched, disk := cacheStats(); fetched == 0 || disk.Damaged != int64(len(entries)) {
		t.Fatalf("with %d damaged entries: %d bytes fetched, %d refused", len(entries), fetched, disk.Damaged)
	}
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited
}
