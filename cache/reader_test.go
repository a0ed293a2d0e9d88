package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
)

// memBlobs serves blobs from memory, counting the bytes read.
type memBlobs struct {
	mu          sync.Mutex
	blobs       map[encoding.BlobID][]byte
	nShards     int // quilts' committee; 0: blobs are not quilts
	read        int
	columnReads int
}

func (m *memBlobs) ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.read += int(length)
	return bytes.Clone(m.blobs[id][off : off+length]), nil
}

// Params gives rows of 64 KiB unless the blobs are quilts (nShards set),
// whose geometry is the real one.
func (m *memBlobs) Params(ctx context.Context, id encoding.BlobID) (encoding.Params, error) {
	if m.nShards != 0 {
		m.mu.Lock()
		defer m.mu.Unlock()
		return encoding.NewParams(m.nShards, uint64(len(m.blobs[id])))
	}
	return encoding.Params{NShards: 4, PrimarySymbols: 2, SecondarySymbols: 1, SymbolSize: 64 << 10}, nil
}

func (m *memBlobs) ReadColumns(ctx context.Context, id encoding.BlobID, first, end int) ([]byte, error) {
	p, err := m.Params(ctx, id)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cols := p.Columns(m.blobs[id], first, end)
	m.read += len(cols)
	m.columnReads++
	return cols, nil
}

// TestReaderDecryptsLazily: a read of a few bytes in the middle of a large
// encrypted chunk (an age file at an offset of a padded blob) fetches the
// header, the last age chunk and the one that holds the bytes, not the
// whole; whole reads and downloads give the plaintext.
func TestReaderDecryptsLazily(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	plain := make([]byte, 8<<20)
	rand.Read(plain)
	ct, err := crypt.Encrypt(plain, []age.Recipient{id.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	blob := append(append(make([]byte, 1000), ct...), make([]byte, 5000)...) // another file before, padding after
	bid := encoding.BlobID{7}
	src := &memBlobs{blobs: map[encoding.BlobID][]byte{bid: blob}}
	r := NewReader(src, ReaderOptions{Window: 64 << 10, Identities: []age.Identity{id}})
	chunks := []state.Chunk{{Blob: bid, Size: uint64(len(plain)), Off: 1000, BlobSize: uint64(len(blob)), Enc: uint64(len(ct))}}

	dest := make([]byte, 100)
	if n, err := r.ReadAt(context.Background(), chunks, dest, 5_000_000); err != nil || n != 100 || !bytes.Equal(dest, plain[5_000_000:5_000_100]) {
		t.Fatalf("read in the middle: %d, %v", n, err)
	}
	if src.read > 8*(64<<10) { // header, last chunk, the chunk read, and prefetch
		t.Fatalf("a 100-byte read fetched %d bytes of an %d-byte age file", src.read, len(ct))
	}
	var out bytes.Buffer
	w := &writerAt{buf: &out}
	if err := r.Download(context.Background(), chunks, w); err != nil || !bytes.Equal(out.Bytes(), plain) {
		t.Fatalf("download: %v", err)
	}
	// Without the identity, reads fail with a reason.
	r2 := NewReader(src, ReaderOptions{Window: 64 << 10})
	if _, err := r2.ReadAt(context.Background(), chunks, dest, 0); err == nil {
		t.Fatal("read encrypted content without an identity")
	}
}

// writerAt collects WriteAt calls that come in order.
type writerAt struct{ buf *bytes.Buffer }

func (w *writerAt) WriteAt(p []byte, off int64) (int, error) {
	if int(off) != w.buf.Len() {
		panic("out of order")
	}
	return w.buf.Write(p)
}
