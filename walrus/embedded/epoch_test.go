package embedded

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// epochChangingChain advances the epoch just before the first certify,
// as if the epoch ended while the slivers were uploaded.
type epochChangingChain struct {
	chain.Chain
	n       *Network
	changed bool
}

func (c *epochChangingChain) CertifyBlob(ctx context.Context, blob chain.ObjectID, cert messages.Certificate) (chain.Blob, error) {
	if !c.changed {
		c.changed = true
		if _, err := c.n.Ledger.AdvanceEpoch(ctx, nil); err != nil {
			return chain.Blob{}, err
		}
	}
	return c.Chain.CertifyBlob(ctx, blob, cert)
}

// TestStoreAcrossAnEpochChange: a certificate gathered in one epoch is
// refused in the next; the client notices the new epoch, gets the nodes'
// confirmations for it and certifies, without the caller retrying.
func TestStoreAcrossAnEpochChange(t *testing.T) {
	n, _ := startNet(t, nil)
	ch := &epochChangingChain{Chain: n.Chain(chain.Address{2}), n: n}
	c := client.New(ch, client.Options{RequestTimeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	data := testutil.RandomBytes(7, 50_000)
	res, err := c.Store(ctx, data, 3, false)
	if err != nil {
		t.Fatalf("store across an epoch change: %v", err)
	}
	if !ch.changed || res.Object.CertifiedEpoch == nil || *res.Object.CertifiedEpoch != 1 {
		t.Fatalf("certified in epoch %v (epoch changed: %v), want 1", res.Object.CertifiedEpoch, ch.changed)
	}
	got, err := c.Read(ctx, res.BlobID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
}

// TestShardsMoveWithTheCommittee: node 0 leaves the committee at an epoch
// change and node 1 takes its shards; node 1 rebuilds their slivers from the
// other nodes, so that with node 0 gone and four more nodes down (56 of 100
// shards: a read needs 34) every blob still reads from nodes 1 and 6 alone,
// which it could not if node 1 lacked its new 15 shards.
func TestShardsMoveWithTheCommittee(t *testing.T) {
	n, c := startNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var blobs []*client.StoreResult
	var data [][]byte
	for i := range 3 {
		d := testutil.RandomBytes(uint64(100+i), 20_000*(i+1))
		res, err := c.Store(ctx, d, 5, false)
		if err != nil {
			t.Fatal(err)
		}
		blobs, data = append(blobs, res), append(data, d)
	}
	com, err := n.Ledger.As(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var next []ledger.NodeRegistration
	for i, m := range com.Members {
		if i == 0 {
			continue // leaves
		}
		node := m
		if i == 1 {
			node.Shards = append(append([]uint16(nil), com.Members[0].Shards...), m.Shards...)
		}
		var account chain.Address
		account[0], account[1] = 0xee, byte(i)
		next = append(next, ledger.NewNodeRegistration(n.Nodes[i].Key, node, account, com.Epoch))
	}
	if _, err := n.Ledger.AdvanceEpoch(ctx, next); err != nil {
		t.Fatal(err)
	}
	want := len(com.Members[0].Shards) + len(com.Members[1].Shards)
	for deadline := time.Now().Add(time.Minute); ; {
		missing := missingOn(t, n.Nodes[1], want, blobIDs(blobs))
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 1 still misses %d slivers of its new shards", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The previous owner was up: the slivers came from it, not from
	// recovery symbols.
	if synced := n.Nodes[1].Node.SliversSynced(); synced < float64(len(com.Members[0].Shards)*len(blobs)*2) {
		t.Errorf("node 1 pulled %v slivers from node 0, want all %d", synced, len(com.Members[0].Shards)*len(blobs)*2)
	}
	for _, i := range []int{0, 2, 3, 4, 5} {
		n.Nodes[i].Stop()
	}
	for i, b := range blobs {
		got, err := c.Read(ctx, b.BlobID)
		if err != nil || !bytes.Equal(got, data[i]) {
			t.Fatalf("blob %d after the shards moved: %v", i, err)
		}
	}
}

// TestShardsMoveWhenTheOwnerIsGone: the leaving node is down when the epoch
// changes; node 1 cannot pull its shards and rebuilds them from the other
// nodes' recovery symbols.
func TestShardsMoveWhenTheOwnerIsGone(t *testing.T) {
	n, c := startNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := testutil.RandomBytes(300, 40_000)
	res, err := c.Store(ctx, d, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	com, err := n.Ledger.As(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n.Nodes[0].Stop()
	leaveAndHandOver(t, ctx, n)
	want := len(com.Members[0].Shards) + len(com.Members[1].Shards)
	for deadline := time.Now().Add(time.Minute); ; {
		// The shards first: slivers counted before node 1 took its new
		// shards would all be there.
		moved := len(n.Nodes[1].Node.Shards()) == want
		m, err := n.Nodes[1].Node.MissingSlivers(res.BlobID)
		if err != nil {
			t.Fatal(err)
		}
		if moved && m == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 1 still misses %d slivers", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n.Nodes[1].Node.SliversSynced() != 0 {
		t.Errorf("node 1 pulled slivers from a node that is down")
	}
	for _, i := range []int{2, 3, 4, 5} {
		n.Nodes[i].Stop()
	}
	if got, err := c.Read(ctx, res.BlobID); err != nil || !bytes.Equal(got, d) {
		t.Fatalf("read after rebuilding from symbols: %v", err)
	}
}

// TestStoreAndReadThroughEpochs stores and reads continuously while the
// epoch changes every 500 ms, more than 20 times, and once the committee
// changes too (a node leaves, another takes its shards): every blob
// certified stays readable, byte for byte, at every moment.
func TestStoreAndReadThroughEpochs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs through 20 epochs")
	}
	n, err := Start(context.Background(), Config{Dir: t.TempDir(), Nodes: testNodes, NShards: testShards, EpochDuration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	c := n.Client(chain.Address{3}, client.Options{RequestTimeout: 10 * time.Second, Retries: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := n.Ledger.Epoch()
	var stored []*client.StoreResult
	var data [][]byte
	moved := false
	for i := 0; n.Ledger.Epoch() < start+22; i++ {
		d := testutil.RandomBytes(uint64(1000+i), 3000+500*i)
		res, err := c.Store(ctx, d, 40, false)
		if err != nil {
			t.Fatalf("store %d in epoch %d: %v", i, n.Ledger.Epoch(), err)
		}
		stored, data = append(stored, res), append(data, d)
		for j, b := range stored {
			got, err := c.Read(ctx, b.BlobID)
			if err != nil || !bytes.Equal(got, data[j]) {
				t.Fatalf("read of blob %d in epoch %d: %v", j, n.Ledger.Epoch(), err)
			}
		}
		if !moved && n.Ledger.Epoch() >= start+8 {
			moved = true
			leaveAndHandOver(t, ctx, n)
		}
	}
	if !moved || len(stored) < 10 {
		t.Fatalf("%d blobs stored, committee changed: %v", len(stored), moved)
	}
	t.Logf("%d blobs stored and all read back across %d epochs", len(stored), n.Ledger.Epoch()-start)
}

// leaveAndHandOver takes node 0 out of the committee at the next epoch,
// giving its shards to node 1. The proofs of possession name the epoch
// read, so an epoch that ends meanwhile (the network's own clock) makes
// them stale: then it reads the committee again and retries.
func leaveAndHandOver(t testing.TB, ctx context.Context, n *Network) {
	t.Helper()
	for try := 0; ; try++ {
		err := tryLeaveAndHandOver(ctx, n)
		if err == nil {
			return
		}
		if try == 2 || !errors.Is(err, chain.ErrInvalidArgument) {
			t.Fatal(err)
		}
	}
}

func tryLeaveAndHandOver(ctx context.Context, n *Network) error {
	com, err := n.Ledger.As(chain.Address{}).Committee(ctx)
	if err != nil {
		return err
	}
	var next []ledger.NodeRegistration
	for i, m := range com.Members {
		if m.ID == n.Nodes[0].ID {
			continue
		}
		node := m
		if m.ID == n.Nodes[1].ID {
			node.Shards = append(append([]uint16(nil), com.Members[0].Shards...), m.Shards...)
		}
		var account chain.Address
		account[0], account[1] = 0xee, byte(i)
		next = append(next, ledger.NewNodeRegistration(n.Nodes[i].Key, node, account, com.Epoch))
	}
	_, err = n.Ledger.AdvanceEpoch(ctx, next)
	return err
}

// TestSyncShardRefusals: a node serves a shard's slivers only to the
// current holder of the shard, for the current epoch, on a request signed
// by it.
func TestSyncShardRefusals(t *testing.T) {
	n, c := startNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.Store(ctx, testutil.RandomBytes(400, 10_000), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	com, err := n.Ledger.As(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owner := nodeclient.New("http://"+n.Nodes[0].Addr, nil)
	shard := com.Members[1].Shards[0] // node 1's: node 0 holds no sliver of it, but may be asked
	req := messages.SyncShardRequest{Epoch: com.Epoch, Shard: shard, Axis: encoding.Primary, Count: 10}
	if _, _, err := owner.SyncShard(ctx, n.Nodes[1].Key, req); err != nil {
		t.Fatalf("the shard's holder asking: %v", err)
	}
	for name, tc := range map[string]struct {
		key  *bls.PrivateKey
		req  messages.SyncShardRequest
		code int
	}{
		"not the holder": {n.Nodes[2].Key, req, http.StatusForbidden},
		// A later epoch: the owner has not seen the change yet, and says
		// so with a code the requester waits on.
		"a later epoch": {n.Nodes[1].Key, messages.SyncShardRequest{Epoch: com.Epoch + 1, Shard: shard, Count: 10}, http.StatusServiceUnavailable},
	} {
		_, _, err := owner.SyncShard(ctx, tc.key, tc.req)
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Code != tc.code {
			t.Errorf("%s: %v, want HTTP %d", name, err, tc.code)
		}
	}
	// A request signed by one node but claiming another's key.
	body := messages.Sign(n.Nodes[2].Key, req.Marshal()).MarshalBCS()
	pk := n.Nodes[1].Key.PublicKey()
	hreq, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.Nodes[0].Addr+api.SyncShardPath, bytes.NewReader(body))
	hreq.Header.Set("Authorization", base64.StdEncoding.EncodeToString(pk[:]))
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a request signed by another key: HTTP %d, want 401", resp.StatusCode)
	}
	if res.Object.CertifiedEpoch == nil {
		t.Fatal("the stored blob is not certified")
	}
}

// TestCommitteeFollowsStake runs through more than 20 epochs of Walrus's
// epoch state machine (election half-way, change, sync until a quorum of
// the new committee reports its shards) while a client stores and reads
// without pause, and the committee changes with stake: a new node joins and
// takes shards from their owners, a node leaves (its stake withdrawn), and
// a node's stake triples. Every certified blob reads back byte for byte at
// every moment; at the end every member holds every sliver of its shards.
func TestCommitteeFollowsStake(t *testing.T) {
	if testing.Short() {
		t.Skip("runs through 20 epochs")
	}
	cfg := Config{Dir: t.TempDir(), Nodes: 5, NShards: testShards, EpochDuration: 400 * time.Millisecond}
	if os.Getenv("LOCALNET_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	n, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	c := n.Client(chain.Address{3}, client.Options{RequestTimeout: 10 * time.Second, Retries: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	admin := n.Ledger.As(chain.Address{})
	members := func() map[chain.ObjectID]int {
		com, err := admin.Committee(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[chain.ObjectID]int{}
		for _, m := range com.Members {
			out[m.ID] = len(m.Shards)
		}
		return out
	}
	stake := uint64(testShards/5) * ledger.DefaultStakePerShard
	start := n.Ledger.Epoch()
	var stored []*client.StoreResult
	var data [][]byte
	var joined *Node
	step := 0
	for i := 0; n.Ledger.Epoch() < start+22; i++ {
		d := testutil.RandomBytes(uint64(5000+i), 2000+300*i)
		res, err := c.Store(ctx, d, 50, false)
		if err != nil {
			t.Fatalf("store %d in epoch %d: %v", i, n.Ledger.Epoch(), err)
		}
		stored, data = append(stored, res), append(data, d)
		for j, b := range stored {
			got, err := c.Read(ctx, b.BlobID)
			if err != nil || !bytes.Equal(got, data[j]) {
				t.Fatalf("read of blob %d in epoch %d: %v", j, n.Ledger.Epoch(), err)
			}
		}
		e := n.Ledger.Epoch()
		switch {
		case step == 0 && e >= start+3:
			if joined, err = n.AddNode(ctx, 2*stake); err != nil {
				t.Fatalf("add a node: %v", err)
			}
			step++
		case step == 1 && e >= start+9:
			if members()[joined.ID] == 0 {
				t.Fatalf("epoch %d: the new node is not in the committee", e)
			}
			if err := n.Ledger.SetStake(ctx, n.Nodes[0].ID, 0, nil); err != nil {
				t.Fatal(err)
			}
			step++
		case step == 2 && e >= start+14:
			if _, in := members()[n.Nodes[0].ID]; in {
				t.Fatalf("epoch %d: node 0 is still in the committee", e)
			}
			if err := n.Ledger.SetStake(ctx, n.Nodes[2].ID, 3*stake, nil); err != nil {
				t.Fatal(err)
			}
			step++
		}
	}
	if step != 3 {
		t.Fatalf("step %d", step)
	}
	got := members()
	if got[n.Nodes[2].ID] <= got[n.Nodes[1].ID] || got[joined.ID] <= got[n.Nodes[1].ID] {
		t.Errorf("shards do not follow stake: %v", got)
	}
	// Every member ends up with every sliver of its shards.
	for deadline := time.Now().Add(time.Minute); ; {
		missing := 0
		for _, nd := range n.Nodes {
			if got[nd.ID] > 0 {
				missing += missingOn(t, nd, got[nd.ID], blobIDs(stored))
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d slivers still missing", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if joined.Node.SliversSynced() == 0 {
		t.Errorf("the new node pulled no sliver from the previous owners")
	}
	// Each change was done by the nodes' reports, a transaction of its
	// own after the change started.
	done := 0
	evs, err := admin.Events(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	started := map[chain.Epoch]string{}
	for _, ev := range evs {
		switch ev.Kind {
		case chain.EventEpochChangeStart:
			started[ev.Epoch] = ev.ID.TxDigest
		case chain.EventEpochChangeDone:
			if d, ok := started[ev.Epoch]; !ok || d == ev.ID.TxDigest {
				t.Errorf("epoch %d done without a change started before it", ev.Epoch)
			}
			done++
		}
	}
	if done < 20 {
		t.Errorf("%d epoch changes completed", done)
	}
	t.Logf("%d blobs stored and read back across %d epochs; shards %v", len(stored), n.Ledger.Epoch()-start, got)
}

// TestNodeKilledMidMigration: a node that gains shards is killed as the
// epoch change starts, while it pulls them, and restarted: it picks the
// takeover up where the chain and its store say, fills every sliver of its
// shards and reports, and the epoch change completes.
func TestNodeKilledMidMigration(t *testing.T) {
	n, c := startNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stored []*client.StoreResult
	for i := range 12 {
		res, err := c.Store(ctx, testutil.RandomBytes(uint64(700+i), 60_000), 5, false)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, res)
	}
	joined, err := n.AddNode(ctx, 2*uint64(testShards/testNodes)*ledger.DefaultStakePerShard)
	if err != nil {
		t.Fatal(err)
	}
	com, err := n.Ledger.AdvanceEpoch(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, m := range com.Members {
		if m.ID == joined.ID {
			want = len(m.Shards)
		}
	}
	if want == 0 || !com.Syncing {
		t.Fatalf("the new node has %d shards, syncing %v", want, com.Syncing)
	}
	time.Sleep(20 * time.Millisecond) // into the pull
	joined.Stop()
	time.Sleep(200 * time.Millisecond)
	if err := joined.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		missing := missingOn(t, joined, want, blobIDs(stored))
		cur, err := n.Ledger.As(chain.Address{}).Committee(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if missing == 0 && !cur.Syncing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %d slivers missing on the restarted node, syncing %v", missing, cur.Syncing)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Its report counted, or a quorum was reached without it: either way,
	// the next change can come.
	if _, err := n.Ledger.AdvanceEpoch(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
