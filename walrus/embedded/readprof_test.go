package embedded

import (
	"context"
	"testing"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// BenchmarkRead reads one stored 64 MiB blob again and again (n = 1000, 10
// nodes), to profile the read path alone.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	_, c := benchNetwork(b)
	blob := testvectors.Xorshift(42, 64<<20)
	res, err := c.Store(ctx, blob, 2, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(blob)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Read(ctx, res.BlobID); err != nil {
			b.Fatal(err)
		}
	}
}
