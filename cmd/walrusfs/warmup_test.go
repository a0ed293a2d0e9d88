package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const sampleMountInfo = `22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 22 0:35 / /home/me/walrus rw,nosuid,nodev,relatime shared:20 - fuse.walrusfs walrusfs rw,user_id=0,group_id=0
41 22 0:36 / /home/me/my\040photos rw,nosuid,nodev,relatime shared:21 - fuse.walrusfs walrusfs rw,user_id=0,group_id=0
42 40 0:37 / /home/me/walrus/inner rw,relatime shared:22 - tmpfs tmpfs rw
`

func TestMountOf(t *testing.T) {
	for path, want := range map[string][2]string{
		"/home/me/walrus":            {"fuse.walrusfs", "/home/me/walrus"},
		"/home/me/walrus/a/b":        {"fuse.walrusfs", "/home/me/walrus"},
		"/home/me/walrusx":           {"ext4", "/"},
		"/home/me/my photos/x.jpg":   {"fuse.walrusfs", "/home/me/my photos"},
		"/home/me/walrus/inner/file": {"tmpfs", "/home/me/walrus/inner"},
		"/etc":                       {"ext4", "/"},
	} {
		fstype, mp, err := mountOf(strings.NewReader(sampleMountInfo), path)
		if err != nil || fstype != want[0] || mp != want[1] {
			t.Errorf("%s: %s on %s, %v; want %s on %s", path, fstype, mp, err, want[0], want[1])
		}
	}
}

// TestWarmerReadsEveryFile: every regular file of the trees is read once;
// one that fails is reported by name, the rest are read all the same, and
// the run ends with errPartial. Without a terminal nothing else is said.
func TestWarmerReadsEveryFile(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for _, name := range []string{"a", "b/c", "b/d/e", "b/d/f", "g"} {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(name), 0o644))
		want = append(want, p)
	}
	must(t, os.Symlink("a", filepath.Join(dir, "link")))
	var mu sync.Mutex
	read := map[string]int{}
	var out bytes.Buffer
	w := &warmer{jobs: 3, errOut: &out, read: func(p string, buf []byte) (int64, error) {
		mu.Lock()
		read[p]++
		mu.Unlock()
		if filepath.Base(p) == "e" {
			return 0, errors.New("input/output error")
		}
		return readAndDrop(p, buf)
	}}
	err := w.run(context.Background(), []string{dir})
	if !errors.Is(err, errPartial) {
		t.Fatalf("run: %v, want errPartial", err)
	}
	for _, p := range want {
		if read[p] != 1 {
			t.Errorf("%s read %d times", p, read[p])
		}
	}
	if len(read) != len(want) {
		t.Errorf("read %v, want only the regular files %v", read, want)
	}
	if got := out.String(); !strings.Contains(got, filepath.Join(dir, "b/d/e")+": input/output error") || strings.Count(got, "\n") != 2 {
		t.Errorf("output:\n%s", got)
	}
	if w.done.Load() != 4 || w.bytes.Load() != int64(len("a")+len("b/c")+len("b/d/f")+len("g")) {
		t.Errorf("done %d files, %d bytes", w.done.Load(), w.bytes.Load())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
