package localnet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testvectors"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// BenchmarkNetwork measures storing and reading a blob through a loopback
// network of 10 storage nodes at n_shards = 1000, and, in the same run, the
// in-memory baselines: encoding only (for store), and verifying and decoding
// the same slivers (for read). Each sub-benchmark reports the ratio
// baseline time / network time as "x-of-baseline" (1 would be free network
// and storage). The 1 GiB case needs WALRUSFS_BENCH_LARGE=1.
func BenchmarkNetwork(b *testing.B) {
	sizes := []struct {
		name  string
		size  int
		large bool
	}{{"64MiB", 64 << 20, false}, {"1GiB", 1 << 30, true}}
	for _, sz := range sizes {
		b.Run(fmt.Sprintf("n=1000/nodes=10/%s", sz.name), func(b *testing.B) {
			if sz.large && os.Getenv("WALRUSFS_BENCH_LARGE") != "1" {
				b.Skip("set WALRUSFS_BENCH_LARGE=1 for the 1 GiB case")
			}
			ctx := context.Background()
			n, c := benchNetwork(b)
			blob := testvectors.Xorshift(42, sz.size)
			enc, _ := encoding.NewEncoder(1000)

			var encodeTime, storeTime, decodeTime, readTime time.Duration
			for i := 0; i < b.N; i++ {
				// Baselines, in memory.
				start := time.Now()
				eb, err := enc.Encode(blob)
				if err != nil {
					b.Fatal(err)
				}
				encodeTime += time.Since(start)
				k := eb.Params.PrimarySymbols
				var slivers []*encoding.Sliver
				for pair := 0; pair < k; pair++ {
					s := eb.Sliver(encoding.Primary, pair)
					s.Data = bytes.Clone(s.Data)
					slivers = append(slivers, s)
				}
				m, id := eb.Metadata, eb.ID
				eb.Release()
				start = time.Now()
				got, err := enc.DecodeBlob(id, m, slivers)
				decodeTime += time.Since(start)
				if err != nil || !bytes.Equal(got, blob) {
					b.Fatalf("in-memory decode: %v", err)
				}
				slivers, got = nil, nil

				// Through the network.
				start = time.Now()
				res, err := c.Store(ctx, blob, 2, true)
				if err != nil {
					b.Fatal(err)
				}
				storeTime += time.Since(start)
				start = time.Now()
				got, err = c.Read(ctx, res.BlobID)
				readTime += time.Since(start)
				if err != nil || !bytes.Equal(got, blob) {
					b.Fatalf("read: %v", err)
				}
				if _, err := n.Chain(chain.Address{9}).DeleteBlob(ctx, res.Object.ID); err != nil {
					b.Fatal(err)
				}
			}
			mb := float64(sz.size) / 1e6 * float64(b.N)
			b.ReportMetric(mb/storeTime.Seconds(), "store-MB/s")
			b.ReportMetric(mb/readTime.Seconds(), "read-MB/s")
			b.ReportMetric(encodeTime.Seconds()/storeTime.Seconds(), "store-x-of-encode")
			b.ReportMetric(decodeTime.Seconds()/readTime.Seconds(), "read-x-of-decode")
		})
	}
}

// benchNetwork starts the benchmarks' network, 10 nodes at n_shards = 1000,
// closed when the benchmark ends, and a client of it.
func benchNetwork(b *testing.B) (*Network, *client.Client) {
	b.Helper()
	n, err := Start(context.Background(), Config{Dir: b.TempDir(), Nodes: 10, NShards: 1000})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(n.Close)
	return n, n.Client(chain.Address{9}, client.Options{})
}
