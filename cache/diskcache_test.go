package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestDiskCacheAcrossRestarts: windows a reader fetched are served from
// disk by the next reader (a restart) without the network; an entry whose
// bytes changed, that was cut short, or that is another entry's file, is
// refused, removed and fetched again, and reads stay right.
func TestDiskCacheAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	var last *DiskCache
	t.Cleanup(func() { last.Close() })
	blob := make([]byte, 1<<20)
	rand.Read(blob)
	bid := encoding.BlobID{9}
	src := &memBlobs{blobs: map[encoding.BlobID][]byte{bid: blob}}
	chunks := []state.Chunk{{Blob: bid, Size: uint64(len(blob)), BlobSize: uint64(len(blob))}}
	open := func() *Reader {
		t.Helper()
		if last != nil {
			last.Close()
		}
		d, err := OpenDiskCache(dir, 64<<20, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		last = d
		return NewReader(src, ReaderOptions{Window: 64 << 10, Disk: d})
	}
	readAll := func(r *Reader) {
		t.Helper()
		got := make([]byte, len(blob))
		if n, err := r.ReadAt(context.Background(), chunks, got, 0); err != nil || n != len(blob) || !bytes.Equal(got, blob) {
			t.Fatalf("read %d bytes, %v; equal %v", n, err, bytes.Equal(got, blob))
		}
	}
	r := open()
	readAll(r)
	if src.read != len(blob) {
		t.Fatalf("first read fetched %d bytes, want %d", src.read, len(blob))
	}
	waitUntil(t, "every window on disk", func() bool { return r.Stats().Disk.Entries == 16 })

	src.read = 0
	r = open()
	readAll(r)
	if src.read != 0 {
		t.Fatalf("after a restart the reader fetched %d bytes from the network", src.read)
	}
	if st := r.Stats().Disk; st.Hits != 16 || st.Entries != 16 {
		t.Fatalf("disk cache after a restart: %+v", st)
	}

	// Damage three entries: flipped bits, cut short, another's file.
	entry := func(index uint64) string {
		return filepath.Join(dir, diskName(bid, 64<<10, index)[:1], diskName(bid, 64<<10, index))
	}
	b, err := os.ReadFile(entry(1))
	must(t, err)
	b[len(b)-1] ^= 1
	must(t, os.WriteFile(entry(1), b, 0o600))
	must(t, os.Truncate(entry(2), 1000))
	other, err := os.ReadFile(entry(4))
	must(t, err)
	must(t, os.WriteFile(entry(3), other, 0o600))

	src.read = 0
	r = open()
	readAll(r)
	if src.read != 3*(64<<10) {
		t.Fatalf("with 3 damaged entries the reader fetched %d bytes, want %d", src.read, 3*(64<<10))
	}
	if st := r.Stats().Disk; st.Damaged != 3 {
		t.Fatalf("damaged entries counted: %+v", st)
	}
	// And they are whole again on disk.
	waitUntil(t, "the refetched windows on disk", func() bool { return r.Stats().Disk.Entries == 16 })
	src.read = 0
	readAll(open())
	if src.read != 0 {
		t.Fatalf("the refetched windows were not cached: %d bytes fetched", src.read)
	}
}

// TestDiskCacheBound: the cache stays within its bound, dropping the least
// recently used entries first, also in the order a restart finds them in;
// leftovers of a killed writer are removed at open.
func TestDiskCacheBound(t *testing.T) {
	dir := t.TempDir()
	const window = 1000
	per := int64(diskHeader + window)
	d, err := OpenDiskCache(dir, 3*per, 0, nil)
	must(t, err)
	defer d.Close()
	data := func(i byte) []byte { return bytes.Repeat([]byte{i}, window) }
	id := func(i byte) encoding.BlobID { return encoding.BlobID{i} }
	put := func(i byte) { d.store(diskName(id(i), window, 0), data(i)) } // as the writer does
	for i := byte(1); i <= 3; i++ {
		put(i)
	}
	if _, ok := d.Get(id(1), window, 0); !ok { // 1 is now the most recent
		t.Fatal("entry 1 missing")
	}
	put(4) // drops 2, the least recent
	if _, ok := d.Get(id(2), window, 0); ok {
		t.Fatal("entry 2 kept over the bound")
	}
	if st := d.Stats(); st.Bytes != 3*per || st.Entries != 3 {
		t.Fatalf("stats %+v", st)
	}
	must(t, os.MkdirAll(filepath.Join(dir, "x"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "x", ".tmp-123"), nil, 0o600))

	// A restart keeps the order: 3 is the least recent of 1, 3, 4.
	d.Close()
	d, err = OpenDiskCache(dir, 2*per, 0, nil)
	must(t, err)
	defer d.Close()
	if _, ok := d.Get(id(3), window, 0); ok {
		t.Fatal("after a restart with a smaller bound, the least recent entry is kept")
	}
	for _, i := range []byte{1, 4} {
		if got, ok := d.Get(id(i), window, 0); !ok || !bytes.Equal(got, data(i)) {
			t.Fatalf("entry %d after a restart: %v", i, ok)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x", ".tmp-123")); !os.IsNotExist(err) {
		t.Fatalf("a killed writer's temporary file is left: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
