package integration

import (
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
