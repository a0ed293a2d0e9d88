package cache

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/internal/testutil"
)

// quiltOf stores files as a quilt in src and returns each one's chunk;
// sealed files are stored encrypted.
func quiltOf(t *testing.T, src *memBlobs, id encoding.BlobID, plain [][]byte, seal func([]byte) []byte) []state.Chunk {
	t.Helper()
	var files []quilt.File
	for i, p := range plain {
		data := p
		if seal != nil {
			data = seal(p)
		}
		files = append(files, quilt.File{Identifier: fmt.Sprint(i), Data: data})
	}
	q, x, err := quilt.Encode(src.nShards, files)
	if err != nil {
		t.Fatal(err)
	}
	src.blobs[id] = q
	chunks := make([]state.Chunk, len(plain))
	for _, p := range x.Patches {
		var i int
		fmt.Sscan(p.Identifier, &i)
		c := state.Chunk{Blob: id, Size: uint64(len(plain[i])), BlobSize: uint64(len(q)), Patch: state.Patch{Start: p.Start, End: p.End}}
		if seal != nil {
			c.Enc = uint64(len(files[i].Data))
		}
		chunks[i] = c
	}
	return chunks
}

// TestReadPatches: a file stored as a patch of a quilt reads from its own
// columns alone; after a prefetch of the quilt, from its windows without a
// column read; encrypted patches decrypt; downloads give the file; a
// chunk the quilt does not match fails.
func TestReadPatches(t *testing.T) {
	ctx := context.Background()
	var plain [][]byte
	for i := range 20 {
		plain = append(plain, testutil.RandomBytes(uint64(i), 10+i*3000))
	}
	src := &memBlobs{blobs: map[encoding.BlobID][]byte{}, nShards: 100}
	chunks := quiltOf(t, src, encoding.BlobID{1}, plain, nil)
	p, _ := src.Params(ctx, encoding.BlobID{1})

	r := NewReader(src, ReaderOptions{Window: 1 << 20})
	c := chunks[7]
	dest := make([]byte, c.Size)
	if n, err := r.ReadAt(ctx, chunks[7:8], dest, 0); err != nil || n != len(dest) || !bytes.Equal(dest, plain[7]) {
		t.Fatalf("read of a patch: %d, %v", n, err)
	}
	if want := int(c.Patch.End-c.Patch.Start) * p.SecondarySliverSize(); src.columnReads != 1 || src.read != want {
		t.Fatalf("one file read %d bytes in %d column reads, want its %d bytes of columns", src.read, src.columnReads, want)
	}
	// In the middle of a file, across the end of another.
	two := append(append([]byte(nil), plain[3]...), plain[4]...)
	got := make([]byte, 100)
	if n, err := r.ReadAt(ctx, chunks[3:5], got, int64(len(plain[3])-50)); err != nil || n != 100 || !bytes.Equal(got, two[len(plain[3])-50:][:100]) {
		t.Fatalf("read across two patches: %d, %v", n, err)
	}

	// Windows of the whole quilt, and of one row each (a patch's columns
	// cut from many windows).
	for _, window := range []int{1 << 20, 1} {
		r = NewReader(src, ReaderOptions{Window: window})
		src.columnReads = 0
		if err := r.Prefetch(ctx, chunks[:1]); err != nil {
			t.Fatal(err)
		}
		for i, c := range chunks {
			dest := make([]byte, c.Size)
			if n, err := r.ReadAt(ctx, []state.Chunk{c}, dest, 0); err != nil || n != len(dest) || !bytes.Equal(dest, plain[i]) {
				t.Fatalf("read of file %d after the quilt's prefetch (windows of %d bytes): %d, %v", i, window, n, err)
			}
		}
		if src.columnReads != 0 {
			t.Errorf("%d column reads after the quilt was fetched whole (windows of %d bytes)", src.columnReads, window)
		}
	}
	var out bytes.Buffer
	if err := r.Download(ctx, chunks[5:6], &writerAt{buf: &out}); err != nil || !bytes.Equal(out.Bytes(), plain[5]) {
		t.Fatalf("download of a patch: %v", err)
	}

	wrong := chunks[2]
	wrong.Size++
	if _, err := NewReader(src, ReaderOptions{}).ReadAt(ctx, []state.Chunk{wrong}, make([]byte, wrong.Size), 0); err == nil {
		t.Fatal("a chunk longer than its patch was read")
	}

	id, _ := age.GenerateHybridIdentity()
	seal := func(b []byte) []byte {
		ct, err := crypt.Encrypt(b, []age.Recipient{id.Recipient()})
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	enc := quiltOf(t, src, encoding.BlobID{2}, plain[:6], seal)
	r = NewReader(src, ReaderOptions{Identities: []age.Identity{id}})
	for i, c := range enc {
		dest := make([]byte, c.Size)
		if n, err := r.ReadAt(ctx, []state.Chunk{c}, dest, 0); err != nil || n != len(dest) || !bytes.Equal(dest, plain[i]) {
			t.Fatalf("encrypted patch %d: %d, %v", i, n, err)
		}
	}
}
