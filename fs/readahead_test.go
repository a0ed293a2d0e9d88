package fs_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/cache"
)

// settled waits until the reader's figures stop changing (fetches ahead
// done) and returns them.
func settled(t *testing.T, r *cache.Reader) cache.ReaderStats {
	t.Helper()
	last := r.Stats()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		now := r.Stats()
		if now == last {
			return now
		}
		last = now
	}
	t.Fatalf("the reader is still fetching after 20 s: %+v", last)
	return last
}

// readStart reads the first n bytes of a file (all of it if shorter).
func readStart(t *testing.T, p string, n int) []byte {
	t.Helper()
	f, err := os.Open(p)
	must(t, err)
	defer f.Close()
	buf := make([]byte, n)
	k, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		t.Fatal(err)
	}
	return buf[:k]
}

// TestReadAheadAcrossFiles: reading the first file of a directory whose
// files are only on the network fetches the next files in listing order,
// down into a subdirectory, before they are read; their reads then miss
// nothing. Small files come with their whole pack.
func TestReadAheadAcrossFiles(t *testing.T) {
	n := startNet(t)
	tm := mount(t, n, t.TempDir(), 64<<20)
	// Files of their own blobs (more than 256 KiB), listed f0..f4 then
	// sub/g0..g4; and small ones, packed, written in reverse order.
	want := map[string][]byte{}
	for i := range 5 {
		want[fmt.Sprintf("big/f%d", i)] = bytes.Repeat([]byte{byte('a' + i)}, 270_000+i)
		want[fmt.Sprintf("big/sub/g%d", i)] = bytes.Repeat([]byte{byte('A' + i)}, 270_000+i)
	}
	for i := 39; i >= 0; i-- {
		want[fmt.Sprintf("small/s%02d", i)] = bytes.Repeat([]byte(fmt.Sprintf("%02d", i)), 5_000+i)
	}
	must(t, os.MkdirAll(filepath.Join(tm.Dir, "big", "sub"), 0o755))
	must(t, os.MkdirAll(filepath.Join(tm.Dir, "small"), 0o755))
	for i := 39; i >= 0; i-- {
		name := fmt.Sprintf("small/s%02d", i)
		must(t, os.WriteFile(filepath.Join(tm.Dir, name), want[name], 0o644))
	}
	for name, data := range want {
		must(t, os.WriteFile(filepath.Join(tm.Dir, name), data, 0o644))
	}
	tm.drain(t)
	if _, err := tm.FS.EvictAll(); err != nil {
		t.Fatal(err)
	}

	// Read whole, the first large files have the walk fetch the starts of
	// the next ones, further as it is followed: the rest of the
	// directory, then sub/g0..g4.
	for _, name := range []string{"big/f0", "big/f1", "big/f2"} {
		checkFile(t, filepath.Join(tm.Dir, name), want[name])
	}
	before := settled(t, tm.Reader)
	rest := []string{"big/f3", "big/f4", "big/sub/g0", "big/sub/g1", "big/sub/g2", "big/sub/g3", "big/sub/g4"}
	for _, name := range rest {
		if got := readStart(t, filepath.Join(tm.Dir, name), 4096); !bytes.Equal(got, want[name][:4096]) {
			t.Fatalf("%s: wrong content", name)
		}
	}
	if after := tm.Reader.Stats(); after.Misses != before.Misses || before.Prefetched < int64(len(rest)) {
		t.Fatalf("the starts of the files after the first three missed the cache %d times; fetched ahead before: %+v", after.Misses-before.Misses, before)
	}

	// Small files: after the first, the others read without a miss.
	checkFile(t, filepath.Join(tm.Dir, "small", "s00"), want["small/s00"])
	before = settled(t, tm.Reader)
	for i := 1; i < 40; i++ {
		name := fmt.Sprintf("small/s%02d", i)
		checkFile(t, filepath.Join(tm.Dir, name), want[name])
	}
	if after := tm.Reader.Stats(); after.Misses != before.Misses {
		t.Fatalf("reads of the small files after the first missed the cache %d times: %+v", after.Misses-before.Misses, after)
	}
}

// TestRereadsKeepTheKernelCache: a file on the network read a second time
// at the same version is served from the kernel's page cache (no read
// reaches the file system), as a data set read once per epoch wants; once
// the file is rewritten through the mount and on the network again, a read
// gets the new content, not the kept pages.
func TestRereadsKeepTheKernelCache(t *testing.T) {
	n := startNet(t)
	tm := mount(t, n, t.TempDir(), 64<<20)
	p := filepath.Join(tm.Dir, "data")
	old := bytes.Repeat([]byte("old content "), 30_000) // a blob of its own
	must(t, os.WriteFile(p, old, 0o644))
	tm.drain(t)
	if _, err := tm.FS.EvictAll(); err != nil {
		t.Fatal(err)
	}
	reads := func() int64 { st := settled(t, tm.Reader); return st.Hits + st.Misses }

	checkFile(t, p, old)
	first := reads()
	checkFile(t, p, old)
	if again := reads(); again != first {
		t.Fatalf("a second read of the same version asked the file system for %d windows; want none (kernel cache kept)", again-first)
	}

	updated := bytes.Repeat([]byte("new content "), 30_000)
	must(t, os.WriteFile(p, updated, 0o644))
	tm.drain(t)
	if _, err := tm.FS.EvictAll(); err != nil {
		t.Fatal(err)
	}
	checkFile(t, p, updated)
	checkFile(t, p, updated)
}
