package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// BenchmarkShardMove measures what moving shards costs: node 0 leaves, node
// 1 takes its 15 shards and rebuilds their slivers from the other nodes'
// recovery symbols. It reports the bytes node 1 received per moved shard
// against that shard's share of the stored data (its two slivers of every
// blob: what a copy from the previous owner would move), and the time until
// every sliver was rebuilt.
func BenchmarkShardMove(b *testing.B) {
	const blobs, size = 16, 1 << 20
	for b.Loop() {
		b.StopTimer()
		n, err := Start(context.Background(), Config{Dir: b.TempDir(), Nodes: testNodes, NShards: testShards})
		if err != nil {
			b.Fatal(err)
		}
		c := n.Client(chain.Address{4}, client.Options{})
		ctx := context.Background()
		var ids []encoding.BlobID
		var share float64 // one shard's slivers of every blob
		for i := range blobs {
			res, err := c.Store(ctx, testutil.RandomBytes(uint64(i), size), 5, false)
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, res.BlobID)
			p, err := encoding.NewParams(testShards, size)
			if err != nil {
				b.Fatal(err)
			}
			share += float64(p.PrimarySliverSize() + p.SecondarySliverSize())
		}
		com, err := n.Ledger.As(chain.Address{}).Committee(ctx)
		if err != nil {
			b.Fatal(err)
		}
		moved := len(com.Members[0].Shards)
		before := n.Nodes[1].Node.PeerBytesReceived()
		b.StartTimer()
		start := time.Now()
		leaveAndHandOver(b, ctx, n)
		want := moved + len(com.Members[1].Shards)
		for missingOn(b, n.Nodes[1], want, ids) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
		took := time.Since(start)
		b.StopTimer()
		got := n.Nodes[1].Node.PeerBytesReceived() - before
		b.ReportMetric(got/float64(moved)/share, "bytes/shard-share")
		b.ReportMetric(float64(took.Milliseconds()), "ms/move")
		b.ReportMetric(float64(moved), "shards")
		n.Close()
		b.StartTimer()
	}
}

// BenchmarkShardJoin measures a node joining: it registers with twice the
// average stake, the election gives it shards from every member, and it
// pulls them with sync_shard, fetching each blob's metadata first (it has
// none). It reports the bytes it received per gained shard against that
// shard's share of the stored data, and the time until it held every
// sliver.
func BenchmarkShardJoin(b *testing.B) {
	const blobs, size = 16, 1 << 20
	for b.Loop() {
		b.StopTimer()
		n, err := Start(context.Background(), Config{Dir: b.TempDir(), Nodes: testNodes, NShards: testShards})
		if err != nil {
			b.Fatal(err)
		}
		c := n.Client(chain.Address{4}, client.Options{})
		ctx := context.Background()
		var ids []encoding.BlobID
		var share float64
		for i := range blobs {
			res, err := c.Store(ctx, testutil.RandomBytes(uint64(i), size), 5, false)
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, res.BlobID)
			p, err := encoding.NewParams(testShards, size)
			if err != nil {
				b.Fatal(err)
			}
			share += float64(p.PrimarySliverSize() + p.SecondarySliverSize())
		}
		joined, err := n.AddNode(ctx, 2*uint64(testShards/testNodes)*ledger.DefaultStakePerShard)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		com, err := n.Ledger.AdvanceEpoch(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		gained := 0
		for _, m := range com.Members {
			if m.ID == joined.ID {
				gained = len(m.Shards)
			}
		}
		for missingOn(b, joined, gained, ids) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
		took := time.Since(start)
		b.StopTimer()
		b.ReportMetric(joined.Node.PeerBytesReceived()/float64(gained)/share, "bytes/shard-share")
		b.ReportMetric(float64(took.Milliseconds()), "ms/join")
		b.ReportMetric(float64(gained), "shards")
		n.Close()
		b.StartTimer()
	}
}
