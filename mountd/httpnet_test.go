package mountd

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestLocalRecords: the record starts from --manifest, then moves on
// version by version, refusing a writer that is behind.
func TestLocalRecords(t *testing.T) {
	ctx := context.Background()
	start := encoding.BlobID{7}
	r := &localRecords{dir: t.TempDir(), notices: io.Discard}
	if _, err := r.FsRecord(ctx, chain.Address{}, "home"); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("no record yet: %v", err)
	}
	r.start = &start
	if rec, err := r.FsRecord(ctx, chain.Address{}, "home"); err != nil || rec.Manifest != start || rec.Version != 1 {
		t.Fatalf("the --manifest record: %+v, %v", rec, err)
	}
	if rec, err := r.PublishManifest(ctx, "home", encoding.BlobID{8}, 1); err != nil || rec.Version != 2 {
		t.Fatalf("publish: %+v, %v", rec, err)
	}
	if _, err := r.PublishManifest(ctx, "home", encoding.BlobID{9}, 1); !errors.Is(err, chain.ErrConflict) {
		t.Fatalf("a stale publish: %v, want a conflict", err)
	}
	again := &localRecords{dir: r.dir, notices: io.Discard}
	if rec, err := again.FsRecord(ctx, chain.Address{}, "home"); err != nil || rec.Manifest != (encoding.BlobID{8}) {
		t.Fatalf("the record after a restart: %+v, %v", rec, err)
	}
}

// TestChunkFitting: an encrypted, padded chunk still fits the body limit.
func TestChunkFitting(t *testing.T) {
	for _, body := range []int64{minBody, 1<<20 + 12345, 10 << 20, 10_000_000, 100 << 20} {
		c := ChunkFitting(body)
		// age: a header of under 8 KiB (post-quantum stanzas are large) and 16 bytes per 64 KiB chunk.
		sealed := uint64(c) + 8<<10 + 16*(uint64(c)/(64<<10)+1)
		if c <= 0 || int64(crypt.Padded(sealed)) > body {
			t.Errorf("body %d: chunk %d, sealed and padded %d", body, c, crypt.Padded(sealed))
		}
	}
}
