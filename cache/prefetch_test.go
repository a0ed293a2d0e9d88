package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
)

// waitFor polls cond until it holds, or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: not %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPrefetchFetchesPacksWhole: prefetching one small file of a pack
// fetches the whole pack, without counting reads; the reads of its other
// files then find every window cached. A large chunk gets its first window
// only, and what is cached is not fetched again.
func TestPrefetchFetchesPacksWhole(t *testing.T) {
	pack := make([]byte, 1<<20)
	rand.Read(pack)
	big := make([]byte, 1<<20)
	rand.Read(big)
	packID, bigID := encoding.BlobID{1}, encoding.BlobID{2}
	src := &memBlobs{blobs: map[encoding.BlobID][]byte{packID: pack, bigID: big}}
	r := NewReader(src, ReaderOptions{Window: 64 << 10})
	var files []state.Chunk
	for off := uint64(0); off < uint64(len(pack)); off += 20_000 {
		size := min(20_000, uint64(len(pack))-off)
		files = append(files, state.Chunk{Blob: packID, Off: off, Size: size, BlobSize: uint64(len(pack))})
	}
	ctx := context.Background()
	if err := r.Prefetch(ctx, files[:1]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the whole pack fetched", func() bool { return r.Stats().FetchedBytes == int64(len(pack)) })
	if st := r.Stats(); st.Prefetched != 16 || st.Misses != 0 || st.Hits != 0 {
		t.Fatalf("after prefetching a pack of 16 windows: %+v", st)
	}
	for i, c := range files {
		got := make([]byte, c.Size)
		if n, err := r.ReadAt(ctx, []state.Chunk{c}, got, 0); err != nil || n != len(got) || !bytes.Equal(got, pack[c.Off:c.Off+c.Size]) {
			t.Fatalf("file %d: %d, %v", i, n, err)
		}
	}
	if st := r.Stats(); st.Misses != 0 {
		t.Fatalf("reads of prefetched files missed: %+v", st)
	}

	// A whole-blob chunk: its first window only; prefetching again, or
	// what a read already fetched, fetches nothing.
	bigChunk := state.Chunk{Blob: bigID, Size: uint64(len(big))}
	for range 2 {
		if err := r.Prefetch(ctx, []state.Chunk{bigChunk}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first window fetched", func() bool { return r.Stats().FetchedBytes == int64(len(pack))+64<<10 })
	time.Sleep(50 * time.Millisecond)
	if st := r.Stats(); st.Prefetched != 17 {
		t.Fatalf("prefetched the start of a large chunk twice, or more than its start: %+v", st)
	}
}

// TestPrefetchOpensEncryptedChunks: a prefetched encrypted small file is
// opened (its header unwrapped) before any read, and its read then fetches
// nothing.
func TestPrefetchOpensEncryptedChunks(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("a small file, encrypted on its own inside a pack")
	ct, err := crypt.Encrypt(plain, []age.Recipient{id.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	blob := append(append(make([]byte, 3000), ct...), make([]byte, 2000)...)
	bid := encoding.BlobID{3}
	src := &memBlobs{blobs: map[encoding.BlobID][]byte{bid: blob}}
	r := NewReader(src, ReaderOptions{Window: 64 << 10, Identities: []age.Identity{id}})
	c := state.Chunk{Blob: bid, Off: 3000, Size: uint64(len(plain)), Enc: uint64(len(ct)), BlobSize: uint64(len(blob))}
	if err := r.Prefetch(context.Background(), []state.Chunk{c}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "opened", func() bool {
		r.opens.mu.Lock()
		defer r.opens.mu.Unlock()
		o := r.opens.byKey[windowKey{bid, 3000}]
		if o == nil {
			return false
		}
		select {
		case <-o.ready:
			return true
		default:
			return false
		}
	})
	read := src.read
	got := make([]byte, len(plain))
	if n, err := r.ReadAt(context.Background(), []state.Chunk{c}, got, 0); err != nil || n != len(plain) || !bytes.Equal(got, plain) {
		t.Fatalf("read: %d, %v, %q", n, err, got)
	}
	if src.read != read {
		t.Fatalf("the read of an opened file fetched %d bytes", src.read-read)
	}
}
