package meta

import (
	"encoding/json"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

// TestLargeInodeUpdatesStayBounded updates a large inode (200 chunks, a
// 26 KB record) thousands of times, as a file fsynced often would be, and
// checks that the tree's files stay a small multiple of its live data
// instead of growing by a copy per update (R10: the value log kept them
// all).
func TestLargeInodeUpdatesStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~260 MB")
	}
	s := open(t)
	f := ok[*Inode](t)(s.Create(RootIno, "vm.img", file(0o644)))
	chunks := make([]Chunk, 200)
	for i := range chunks {
		chunks[i] = Chunk{Blob: encoding.BlobID{byte(i), 1}, Size: 64 << 20, Sum: make([]byte, 32)}
	}
	const updates = 10000
	var written int64
	for i := range updates {
		ok[*Inode](t)(s.Update(f.Ino, func(in *Inode) error {
			in.Chunks, in.Size, in.Mtime = chunks, uint64(len(chunks))<<26, int64(i)
			return nil
		}))
		if i == 0 {
			b, err := json.Marshal(ok[*Inode](t)(s.Inode(f.Ino)))
			if err != nil {
				t.Fatal(err)
			}
			written = int64(len(b)) * updates
		}
	}
	ok[int](t)(s.CollectGarbage())
	disk := s.DiskBytes()
	t.Logf("%d updates of a 200-chunk inode wrote %d MB: the tree's files hold %d MB", updates, written>>20, disk>>20)
	if disk > written/2 {
		t.Fatalf("the tree's files hold %d MB after %d updates of one inode wrote %d MB: old copies are kept", disk>>20, updates, written>>20)
	}
}
