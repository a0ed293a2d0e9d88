package manifest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
)

func gzipManifest(t *testing.T, tree string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("walrusfs-manifest 1\n")
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(tree)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeRefusesHostileManifests: a manifest whose directory is its own
// parent (which loaded before and hung the first rename into it) is
// refused by Decode, as is a damaged stream; a valid one decodes, with
// zero padding after it.
func TestDecodeRefusesHostileManifests(t *testing.T) {
	dir := func(ino, parent uint64) meta.Inode {
		return meta.Inode{Ino: ino, Mode: syscall.S_IFDIR | 0o755, Nlink: 2, Parent: parent}
	}
	good := &meta.Tree{
		Inodes:  []meta.Inode{{Ino: meta.RootIno, Mode: syscall.S_IFDIR | 0o755, Nlink: 4}, dir(2, meta.RootIno), dir(3, meta.RootIno)},
		Entries: []meta.Entry{{Parent: meta.RootIno, Name: "a", Ino: 2}, {Parent: meta.RootIno, Name: "b", Ino: 3}},
	}
	b, err := manifest.Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Decode(append(b, make([]byte, 100)...)); err != nil {
		t.Fatalf("a valid, padded manifest: %v", err)
	}

	good.Inodes[1].Parent = 2
	b, err = manifest.Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Decode(b); !errors.Is(err, meta.ErrCorrupt) || !strings.Contains(err.Error(), "directory 2 is its own parent") {
		t.Fatalf("a directory its own parent: %v, want ErrCorrupt saying so", err)
	}

	// A flipped bit in the gzip trailer's CRC.
	good.Inodes[1].Parent = meta.RootIno
	b, _ = manifest.Encode(good)
	b[len(b)-6] ^= 1
	if _, err := manifest.Decode(b); !errors.Is(err, gzip.ErrChecksum) {
		t.Fatalf("a damaged stream: %v, want a checksum error", err)
	}
	b, _ = manifest.Encode(good)
	if _, err := manifest.Decode(append(b, 'x')); err == nil || !strings.Contains(err.Error(), "bytes after the tree") {
		t.Fatalf("bytes after the stream: %v", err)
	}
}

// TestDecodeBomb: a manifest of 12 MB of empty inodes compresses to a few
// KB. Decoding it whole made over 600 MB of structs; now it is refused at
// the first inode, having allocated little.
func TestDecodeBomb(t *testing.T) {
	b := gzipManifest(t, `{"inodes":[`+strings.Repeat(`{},`, 4<<20)+`{}]}`)
	if len(b) > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed", len(b))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := manifest.Decode(b)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, meta.ErrCorrupt) || !strings.Contains(err.Error(), "inode number 0") {
		t.Fatalf("decode of empty inodes: %v, want ErrCorrupt at the first", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Fatalf("decoding %d bytes allocated %d MB", len(b), got>>20)
	}
}

// refusingBlobs fails a test that stores or reads a blob.
type refusingBlobs struct{ t *testing.T }

func (b refusingBlobs) Store(context.Context, []byte, uint32, bool) (*client.StoreResult, error) {
	b.t.Fatal("a blob was stored")
	return nil, nil
}

func (b refusingBlobs) Read(context.Context, encoding.BlobID) ([]byte, error) {
	b.t.Fatal("a blob was read")
	return nil, nil
}

// TestPublishRefusesInvalidTree: a local tree that breaks a rule (here a
// directory's link count, as a damaged store might have it) is not
// published, since its manifest would not load; the error says why.
func TestPublishRefusesInvalidTree(t *testing.T) {
	m := openMeta(t)
	d, err := m.Create(meta.RootIno, "d", meta.Inode{Mode: syscall.S_IFDIR | 0o755})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update(d.Ino, func(in *meta.Inode) error { in.Nlink = 7; return nil }); err != nil {
		t.Fatal(err)
	}
	p := &manifest.Publisher{Meta: m, Blobs: refusingBlobs{t}, Owner: chain.Address{1}, Name: "bad"}
	err = p.PublishNow(context.Background())
	if !errors.Is(err, meta.ErrCorrupt) || !strings.Contains(err.Error(), "directory 2 has 7 links") {
		t.Fatalf("publish of a tree with a wrong link count: %v", err)
	}
	if st := p.Status(); st.Published != nil || !strings.Contains(st.LastError, "would not load") {
		t.Fatalf("status %+v", st)
	}
}
