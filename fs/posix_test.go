package fs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestHardLinksAndUnlink(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	a, b := filepath.Join(tm.Dir, "a"), filepath.Join(tm.Dir, "b")
	must(t, os.WriteFile(a, []byte("hello"), 0o644))
	must(t, os.Link(a, b))
	for _, p := range []string{a, b} {
		var st syscall.Stat_t
		must(t, syscall.Stat(p, &st))
		if st.Nlink != 2 {
			t.Fatalf("%s: nlink %d, want 2", p, st.Nlink)
		}
	}
	must(t, os.Remove(b))
	var st syscall.Stat_t
	must(t, syscall.Stat(a, &st))
	if st.Nlink != 1 || st.Size != 5 {
		t.Fatalf("after unlink: nlink %d size %d, want 1 and 5", st.Nlink, st.Size)
	}
	// Unlink of an open file: it stays readable through the descriptor.
	f, err := os.Open(a)
	must(t, err)
	must(t, os.Remove(a))
	got := make([]byte, 5)
	if _, err := f.ReadAt(got, 0); err != nil || string(got) != "hello" {
		t.Fatalf("read of unlinked open file: %q, %v", got, err)
	}
	f.Close()
}

func TestWalrusXattrs(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	p := filepath.Join(tm.Dir, "f")
	must(t, os.WriteFile(p, bytes.Repeat([]byte("x"), 3000), 0o644))
	tm.drain(t)
	buf := make([]byte, 256)
	n, err := unix.Getxattr(p, "user.walrus.state", buf)
	if err != nil || string(buf[:n]) != "certified" {
		t.Fatalf("state %q, %v", buf[:n], err)
	}
	n, err = unix.Getxattr(p, "user.walrus.blob_id", buf)
	if err != nil || n != 43 {
		t.Fatalf("blob_id %q, %v", buf[:n], err)
	}
	if err := unix.Setxattr(p, "user.walrus.state", []byte("x"), 0); err != unix.EPERM {
		t.Fatalf("setting a walrus attribute: %v, want EPERM", err)
	}
	must(t, unix.Setxattr(p, "user.mine", []byte("v"), 0))
	n, err = unix.Listxattr(p, buf)
	must(t, err)
	for _, want := range []string{"user.mine", "user.walrus.state", "user.walrus.blob_id"} {
		if !bytes.Contains(buf[:n], []byte(want+"\x00")) {
			t.Fatalf("listxattr %q lacks %s", buf[:n], want)
		}
	}
	// Appending makes it dirty again.
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.Write([]byte("more"))
	must(t, err)
	n, err = unix.Getxattr(p, "user.walrus.state", buf)
	if err != nil || string(buf[:n]) != "dirty" {
		t.Fatalf("state while written %q, %v", buf[:n], err)
	}
	f.Close()
}

// TestNameLimits: names of more than 255 bytes fail with ENAMETOOLONG in
// every call that takes one, as on ext4 (statfs says 255); 255 works.
func TestNameLimits(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	long := filepath.Join(tm.Dir, string(bytes.Repeat([]byte("n"), 256)))
	ok := filepath.Join(tm.Dir, string(bytes.Repeat([]byte("n"), 255)))
	must(t, os.WriteFile(ok, []byte("fits"), 0o644))
	a := filepath.Join(tm.Dir, "a")
	must(t, os.WriteFile(a, nil, 0o644))
	for name, call := range map[string]func() error{
		"create":  func() error { return os.WriteFile(long, nil, 0o644) },
		"mkdir":   func() error { return os.Mkdir(long, 0o755) },
		"symlink": func() error { return os.Symlink("a", long) },
		"link":    func() error { return os.Link(a, long) },
		"rename":  func() error { return os.Rename(a, long) },
		"mknod":   func() error { return unix.Mknod(long, unix.S_IFIFO|0o644, 0) },
		"stat":    func() error { _, err := os.Stat(long); return err },
		"unlink":  func() error { return os.Remove(long) },
	} {
		if err := call(); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("%s of a 256-byte name: %v, want ENAMETOOLONG", name, err)
		}
	}
	var st unix.Statfs_t
	must(t, unix.Statfs(tm.Dir, &st))
	if st.Namelen != 255 {
		t.Errorf("statfs name length %d", st.Namelen)
	}
}

// TestCreateModeZero: open(O_CREAT) with mode 0 makes a file with mode 0.
func TestCreateModeZero(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	p := filepath.Join(tm.Dir, "zero")
	fd, err := unix.Open(p, unix.O_CREAT|unix.O_WRONLY, 0)
	must(t, err)
	unix.Close(fd)
	var st unix.Stat_t
	must(t, unix.Stat(p, &st))
	if st.Mode&0o7777 != 0 {
		t.Fatalf("mode %o, want 0", st.Mode&0o7777)
	}
}

// TestLeftoversRemoved: a partial download a killed process left in the
// data directory is gone once the tree is mounted again; data files stay.
func TestLeftoversRemoved(t *testing.T) {
	state := t.TempDir()
	data := filepath.Join(state, "data")
	must(t, os.MkdirAll(data, 0o700))
	left := filepath.Join(data, "7.download-123456")
	keep := filepath.Join(data, "7")
	must(t, os.WriteFile(left, []byte("half a download"), 0o600))
	must(t, os.WriteFile(keep, []byte("a data file"), 0o600))
	mount(t, startNet(t), state, 1<<20)
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the partial download is still there: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("a data file went: %v", err)
	}
}
