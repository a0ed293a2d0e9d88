package fs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/encoding/quilt"
)

// TestSmallFilesShareBlobs queues small files while the network cannot
// certify, then lets it: they go several to a blob, a Walrus quilt, each
// file pointing at its patch (user.walrus.blob_id and quilt_patch_id give
// its patch ID), and read back exactly once their local copies are gone.
func TestSmallFilesShareBlobs(t *testing.T) {
	n := startNet(t) // 4 nodes of 4 shards; f = 5
	tm := mount(t, n, t.TempDir(), 1<<20)
	n.Nodes[2].Stop()
	n.Nodes[3].Stop() // 8 shards down: nothing certifies
	want := map[string][]byte{}
	for i := range 30 {
		name := fmt.Sprintf("f%02d", i)
		want[name] = bytes.Repeat([]byte(name), 100+i*37)
	}
	want["empty"] = nil
	for name, data := range want {
		must(t, os.WriteFile(filepath.Join(tm.Dir, name), data, 0o644))
	}
	must(t, n.Nodes[2].Restart(context.Background()))
	must(t, n.Nodes[3].Restart(context.Background()))
	tm.drain(t)

	blobs := map[string]bool{}
	shared := 0
	buf := make([]byte, 256)
	for name, data := range want {
		k, err := unix.Getxattr(filepath.Join(tm.Dir, name), "user.walrus.blob_id", buf)
		must(t, err)
		ref := string(buf[:k])
		if len(data) == 0 {
			if ref != "" {
				t.Fatalf("empty file has blobs %q", ref)
			}
			continue
		}
		if !quilt.IsPatchID(ref) { // one left over when the quilts filled up
			blobs[ref] = true
			continue
		}
		pid, err := quilt.ParsePatchID(ref)
		must(t, err)
		k, err = unix.Getxattr(filepath.Join(tm.Dir, name), "user.walrus.quilt_patch_id", buf)
		if err != nil || string(buf[:k]) != ref {
			t.Fatalf("%s: quilt_patch_id %q (%v), blob_id %q", name, buf[:k], err, ref)
		}
		blobs[pid.Quilt.String()] = true
		shared++
	}
	if shared < 20 || len(blobs) >= 30 {
		t.Fatalf("30 small files in %d blobs, %d sharing one", len(blobs), shared)
	}
	t.Logf("30 small files in %d blob(s)", len(blobs))
	if _, err := tm.FS.EvictAll(); err != nil {
		t.Fatal(err)
	}
	for name, data := range want {
		checkFile(t, filepath.Join(tm.Dir, name), data)
	}
	// The same content again is stored no more: it points at the range
	// already certified.
	copyPath := filepath.Join(tm.Dir, "copy")
	must(t, os.WriteFile(copyPath, want["f07"], 0o644))
	tm.drain(t)
	a, b := make([]byte, 256), make([]byte, 256)
	ka, err := unix.Getxattr(filepath.Join(tm.Dir, "f07"), "user.walrus.blob_id", a)
	must(t, err)
	kb, err := unix.Getxattr(copyPath, "user.walrus.blob_id", b)
	must(t, err)
	if string(a[:ka]) != string(b[:kb]) {
		t.Fatalf("identical content stored twice: %q and %q", a[:ka], b[:kb])
	}
}
