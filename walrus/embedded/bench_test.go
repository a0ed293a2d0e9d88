package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
// and storage). As the nodes share the client's cores here, store is also
// compared with encoding plus the nodes' mandatory verification of every
// sliver ("x-of-encode+verify"). The 1 GiB case needs WALRUSFS_BENCH_LARGE=1.
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

			var encodeTime, verifyTime, storeTime, decodeTime, readTime time.Duration
			for i := 0; i < b.N; i++ {
				// Baselines, in memory.
				start := time.Now()
				eb, err := enc.Encode(blob)
				if err != nil {
					b.Fatal(err)
				}
				encodeTime += time.Since(start)
				// What the nodes must do in any case: verify all 2n slivers,
				// here spread over the cores as the nodes would.
				start = time.Now()
				if err := verifyAll(eb); err != nil {
					b.Fatal(err)
				}
				verifyTime += time.Since(start)
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
			b.ReportMetric((encodeTime+verifyTime).Seconds()/storeTime.Seconds(), "store-x-of-encode+verify")
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

// verifyAll verifies every sliver of eb as the storage nodes do (with their
// low-memory encoder), on as many goroutines as there are cores.
func verifyAll(eb *encoding.EncodedBlob) error {
	enc, err := encoding.NewEncoderWith(eb.Params.NShards, encoding.EncoderOptions{LowMemory: true})
	if err != nil {
		return err
	}
	n := eb.Params.NShards
	var next atomic.Int64
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < 2*n && errs[w] == nil; i = int(next.Add(1) - 1) {
				errs[w] = enc.VerifySliver(eb.Metadata, eb.Sliver(encoding.Axis(i%2), i/2))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
