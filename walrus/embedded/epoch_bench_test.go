package embedded

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// BenchmarkLatencyAcrossEpochs stores and reads 64 KiB blobs on a network
// whose epoch changes every second, and reports the median and 99th
// percentile latency of the operations that spanned an epoch change apart
// from those within one epoch.
func BenchmarkLatencyAcrossEpochs(b *testing.B) {
	n, err := Start(context.Background(), Config{Dir: b.TempDir(), Nodes: testNodes, NShards: testShards, EpochDuration: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	c := n.Client(chain.Address{5}, client.Options{})
	ctx := context.Background()
	var within, across [2][]time.Duration // [store, read]
	for i := 0; b.Loop(); i++ {
		data := testutil.RandomBytes(uint64(5000+i), 64<<10)
		before := n.Ledger.Epoch()
		start := time.Now()
		res, err := c.Store(ctx, data, 30, false)
		if err != nil {
			b.Fatal(err)
		}
		stored := time.Since(start)
		mid := n.Ledger.Epoch()
		start = time.Now()
		if _, err := c.Read(ctx, res.BlobID); err != nil {
			b.Fatal(err)
		}
		read := time.Since(start)
		after := n.Ledger.Epoch()
		for k, d := range []time.Duration{stored, read} {
			changed := (k == 0 && mid != before) || (k == 1 && after != mid)
			if changed {
				across[k] = append(across[k], d)
			} else {
				within[k] = append(within[k], d)
			}
		}
	}
	pct := func(ds []time.Duration, p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))]) / float64(time.Millisecond)
	}
	for k, op := range []string{"store", "read"} {
		b.ReportMetric(pct(within[k], 0.5), op+"-p50-ms")
		b.ReportMetric(pct(within[k], 0.99), op+"-p99-ms")
		b.ReportMetric(pct(across[k], 0.5), op+"-across-p50-ms")
		b.ReportMetric(pct(across[k], 0.99), op+"-across-p99-ms")
		b.ReportMetric(float64(len(across[k])), op+"-across-n")
	}
}
