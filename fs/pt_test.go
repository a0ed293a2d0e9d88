package fs_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestAttributesWhileOpen checks that what stat shows of an open file is
// the file's, not its local data file's (which passthrough could expose).
func TestAttributesWhileOpen(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	p := filepath.Join(tm.Dir, "f")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	must(t, err)
	defer f.Close()
	_, err = f.Write([]byte("hello"))
	must(t, err)
	must(t, os.Chmod(p, 0o640))
	must(t, os.Chown(p, 1234, 5678))
	old := time.Date(2005, 1, 2, 3, 4, 5, 6, time.UTC)
	must(t, os.Chtimes(p, old, old))
	must(t, os.Link(p, p+".2"))
	for _, stat := range []func(*syscall.Stat_t) error{
		func(st *syscall.Stat_t) error { return syscall.Stat(p, st) },
		func(st *syscall.Stat_t) error { return syscall.Fstat(int(f.Fd()), st) },
	} {
		var st syscall.Stat_t
		must(t, stat(&st))
		if st.Mode&0o7777 != 0o640 || st.Uid != 1234 || st.Gid != 5678 || st.Nlink != 2 || st.Size != 5 ||
			st.Mtim.Sec != old.Unix() || st.Mtim.Nsec != 6 {
			t.Errorf("stat of an open file: mode %o uid %d gid %d nlink %d size %d mtime %v", st.Mode, st.Uid, st.Gid, st.Nlink, st.Size, st.Mtim)
		}
	}
}
