package embedded

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
)

const (
	testNodes  = 7
	testShards = 100 // f = 33
)

func startNet(t *testing.T, handler func(int, http.Handler) http.Handler) (*Network, *client.Client) {
	t.Helper()
	n, err := Start(context.Background(), Config{Dir: t.TempDir(), Nodes: testNodes, NShards: testShards, Handler: handler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n, n.Client(chain.Address{1}, client.Options{RequestTimeout: 10 * time.Second, Retries: 2})
}

func blobID(t *testing.T, blob []byte) encoding.BlobID {
	t.Helper()
	enc, _ := encoding.NewEncoder(testShards)
	_, id, err := enc.ComputeMetadata(blob)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// stopUpToF stops nodes holding at most f shards in all and returns them.
func stopUpToF(t *testing.T, n *Network) []*Node {
	t.Helper()
	f := encoding.MaxFaulty(testShards)
	com, _ := n.Chain(chain.Address{}).Committee(context.Background())
	var stopped []*Node
	weight := 0
	for i := len(n.Nodes) - 1; i >= 0; i-- {
		w := com.Weight(i)
		if weight+w > f {
			continue
		}
		weight += w
		n.Nodes[i].Stop()
		stopped = append(stopped, n.Nodes[i])
	}
	if weight == 0 {
		t.Fatal("no node stopped")
	}
	t.Logf("stopped %d nodes holding %d of %d shards", len(stopped), weight, testShards)
	return stopped
}

func TestStoreAndRead(t *testing.T) {
	n, c := startNet(t, nil)
	ctx := context.Background()
	for i, size := range []int{0, 1, 1 << 20, 3<<20 + 17} {
		blob := testutil.RandomBytes(uint64(i), size)
		res, err := c.Store(ctx, blob, 5, i%2 == 1)
		if err != nil {
			t.Fatalf("store %d bytes: %v", size, err)
		}
		if res.BlobID != blobID(t, blob) {
			t.Fatalf("stored blob ID %s differs from the encoder's", res.BlobID)
		}
		if res.Object.CertifiedEpoch == nil {
			t.Fatal("blob object not certified")
		}
		got, err := c.Read(ctx, res.BlobID)
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("read %d bytes: %v", size, err)
		}
		if size > 100 {
			part, err := c.ReadRange(ctx, res.BlobID, uint64(size/3), 100)
			if err != nil || !bytes.Equal(part, blob[size/3:size/3+100]) {
				t.Fatalf("range read: %v", err)
			}
		}
		st, err := n.Chain(chain.Address{}).BlobStatus(ctx, res.BlobID)
		if err != nil || !st.Exists {
			t.Fatalf("blob status: %+v %v", st, err)
		}
	}
	if _, err := c.Read(ctx, blobID(t, []byte("never stored"))); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("read of an unknown blob: %v", err)
	}
}

// TestReadWithFaults reads with f shards' nodes down, and then with a node
// that corrupts every sliver it serves and one that serves wrong metadata.
func TestReadWithFaults(t *testing.T) {
	const liar, wrongMeta = 0, 1
	var lying atomic.Bool
	n, c := startNet(t, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !lying.Load() || r.Method != http.MethodGet || (i != liar && i != wrongMeta) {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			switch {
			case i == liar && strings.Contains(r.URL.Path, "/slivers/") && len(body) > 20:
				body[len(body)/2] ^= 0xff
			case i == wrongMeta && strings.HasSuffix(r.URL.Path, "/metadata") && len(body) > 100:
				body[len(body)-5] ^= 0xff
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	})
	ctx := context.Background()
	blob := testutil.RandomBytes(42, 2<<20+3)
	res, err := c.Store(ctx, blob, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	lying.Store(true)
	var logs testutil.SyncBuffer
	watched := n.Client(chain.Address{1}, client.Options{RequestTimeout: 10 * time.Second, Retries: 2,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for range 3 {
		got, err := watched.Read(ctx, res.BlobID)
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("read with lying nodes: %v", err)
		}
	}
	lying.Store(false)
	// The liars are named in the client's logs.
	out := logs.String()
	if !strings.Contains(out, "node sent an invalid sliver") || !strings.Contains(out, "node=node-0") {
		t.Errorf("the node corrupting slivers is not in the logs:\n%s", out)
	}
	if !strings.Contains(out, "metadata that does not match") || !strings.Contains(out, "node=node-1") {
		t.Logf("the node serving wrong metadata was not asked (metadata comes from a random node first)")
	}
	stopUpToF(t, n)
	got, err := c.Read(ctx, res.BlobID)
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("read with f shards down: %v", err)
	}
}

// TestRecoveryAfterDowntime stores while f shards' nodes are down; restarted,
// they rebuild their slivers from the others. The bytes a rebuilding node
// downloads grow with the blob size over n, not with the blob size.
func TestRecoveryAfterDowntime(t *testing.T) {
	n, c := startNet(t, nil)
	ctx := context.Background()
	stopped := stopUpToF(t, n)
	var ids []encoding.BlobID
	var total int
	for i, size := range []int{1 << 20, 4 << 20} {
		blob := testutil.RandomBytes(uint64(100+i), size)
		res, err := c.Store(ctx, blob, 3, false)
		if err != nil {
			t.Fatalf("store with f shards down: %v", err)
		}
		ids = append(ids, res.BlobID)
		total += size
	}
	for _, nd := range stopped {
		if err := nd.Restart(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitRecovered(t, stopped, ids)
	// A sliver pair holds about 4.5 × blob/n bytes; rebuilding it takes
	// about that many symbols plus their Merkle proofs, from several peers.
	// Refetching the blob instead would cost blob size per shard.
	for _, nd := range stopped {
		got := nd.Node.PeerBytesReceived()
		shards := float64(len(nd.Node.Shards()))
		perShard := got / shards
		t.Logf("%s rebuilt %v shards' slivers of %d MiB of blobs downloading %.0f bytes: %.0f per shard = %.1f × blob/n (a full copy would be %d)",
			nd.Name, shards, total>>20, got, perShard, perShard/(float64(total)/testShards), total)
		if perShard > 12*float64(total)/testShards+float64(len(ids)*66*testShards) {
			t.Errorf("%s downloaded %.0f bytes per shard to rebuild slivers of %d bytes of blobs", nd.Name, perShard, total)
		}
	}
	// A node whose data is wiped while stopped rebuilds everything.
	victim := n.Nodes[0]
	victim.Stop()
	if err := victim.Wipe(); err != nil {
		t.Fatal(err)
	}
	if err := victim.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	waitRecovered(t, []*Node{victim}, ids)
}

func waitRecovered(t *testing.T, nodes []*Node, ids []encoding.BlobID) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, nd := range nodes {
		for _, id := range ids {
			for {
				missing, err := nd.Node.MissingSlivers(id)
				if err == nil && missing == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s still misses %d slivers of %s: %v", nd.Name, missing, id, err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
}

// TestTLS stores and reads through nodes serving TLS with certificates
// pinned to the network keys on chain.
func TestTLS(t *testing.T) {
	n, err := Start(context.Background(), Config{Dir: t.TempDir(), Nodes: 4, NShards: 10, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c := n.Client(chain.Address{1}, client.Options{RequestTimeout: 10 * time.Second})
	blob := testutil.RandomBytes(7, 100000)
	res, err := c.Store(context.Background(), blob, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Read(context.Background(), res.BlobID)
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("read over TLS: %v", err)
	}
	// Plain HTTP to a TLS node fails.
	resp, err := http.Get("http://" + n.Nodes[0].Addr + "/v1/health")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("TLS node answered plain HTTP")
		}
	}
}

// TestDeletionAndExpiry: nodes drop the data of a deleted deletable blob and,
// after the epoch its storage ends, of an expired one.
func TestDeletionAndExpiry(t *testing.T) {
	n, c := startNet(t, nil)
	ctx := context.Background()
	owner := n.Chain(chain.Address{1})
	del, err := c.Store(ctx, testutil.RandomBytes(5, 50000), 3, true)
	if err != nil {
		t.Fatal(err)
	}
	short, err := c.Store(ctx, testutil.RandomBytes(6, 50000), 1, false)
	if err != nil {
		t.Fatal(err)
	}
	keep, err := c.Store(ctx, testutil.RandomBytes(7, 50000), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.DeleteBlob(ctx, del.Object.ID); err != nil {
		t.Fatal(err)
	}
	waitGone(t, n, del.BlobID)
	if _, err := n.Ledger.AdvanceEpoch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	waitGone(t, n, short.BlobID)
	if _, err := c.Read(ctx, keep.BlobID); err != nil {
		t.Fatalf("blob still covered: %v", err)
	}
}

func waitGone(t *testing.T, n *Network, id encoding.BlobID) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, nd := range n.Nodes {
		for {
			has, err := nd.Store.HasMetadata(id, false)
			if err == nil && !has {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still holds blob %s", nd.Name, id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestRecoveryScalesWithN rebuilds the slivers of a node that was down while
// the same blob was stored, on networks of 20 and 100 shards: the bytes it
// downloads per recovered shard follow blob size / n (the Red Stuff claim),
// so five times the shards means about a fifth of the bytes per shard.
func TestRecoveryScalesWithN(t *testing.T) {
	const size = 4 << 20 // large enough that symbols, not their proofs, dominate
	perShard := map[int]float64{}
	for _, nShards := range []int{20, 100} {
		n, err := Start(context.Background(), Config{Dir: t.TempDir(), Nodes: 5, NShards: nShards})
		if err != nil {
			t.Fatal(err)
		}
		c := n.Client(chain.Address{1}, client.Options{RequestTimeout: 10 * time.Second, Retries: 1})
		victim := n.Nodes[4] // holds n/5 shards, under f
		victim.Stop()
		res, err := c.Store(context.Background(), testutil.RandomBytes(uint64(nShards), size), 2, false)
		if err != nil {
			n.Close()
			t.Fatal(err)
		}
		if err := victim.Restart(context.Background()); err != nil {
			n.Close()
			t.Fatal(err)
		}
		waitRecovered(t, []*Node{victim}, []encoding.BlobID{res.BlobID})
		perShard[nShards] = victim.Node.PeerBytesReceived() / float64(len(victim.Node.Shards()))
		t.Logf("n = %d: %.0f bytes per recovered shard = %.1f × blob/n", nShards, perShard[nShards], perShard[nShards]/(size/float64(nShards)))
		n.Close()
	}
	if ratio := perShard[20] / perShard[100]; ratio < 3 {
		t.Errorf("per-shard recovery bytes fell only %.1f× from n = 20 to n = 100", ratio)
	}
}

// missingOn counts what node nd lacks to hold shards shards and every
// sliver of them for the blobs: 1 while its shard count differs (the
// epoch change has not reached it), then its missing slivers.
func missingOn(tb testing.TB, nd *Node, shards int, ids []encoding.BlobID) int {
	tb.Helper()
	missing := 0
	if len(nd.Node.Shards()) != shards {
		missing = 1
	}
	for _, id := range ids {
		m, err := nd.Node.MissingSlivers(id)
		if err != nil {
			tb.Fatal(err)
		}
		missing += m
	}
	return missing
}

func blobIDs(stored []*client.StoreResult) []encoding.BlobID {
	out := make([]encoding.BlobID, len(stored))
	for i, s := range stored {
		out[i] = s.BlobID
	}
	return out
}
