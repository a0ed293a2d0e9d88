package node_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/store"
)

// healthChain is a chain in epoch 3 whose shards are still moving from
// epoch 2. Its first read of events from healthCursor gets two events, after
// which Committee waits for release; later reads wait for their context.
type healthChain struct {
	chain.Chain
	com     *chain.Committee
	served  atomic.Bool
	release chan struct{}
}

const healthCursor = 42

func (c *healthChain) Committee(ctx context.Context) (*chain.Committee, error) {
	if c.served.Load() {
		select {
		case <-c.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.com, nil
}

func (c *healthChain) Events(ctx context.Context, from chain.Cursor, limit int) ([]chain.Event, error) {
	if from == healthCursor && c.served.CompareAndSwap(false, true) {
		return []chain.Event{
			{Cursor: healthCursor, Kind: chain.EventEpochChangeDone, Epoch: 3},
			{Cursor: healthCursor + 1, Kind: chain.EventEpochChangeDone, Epoch: 3},
		}, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// previousOwner is the node that held shard 5 in epoch 2: it holds every
// sync-shard request until released and then fails it, and it has no
// recovery symbols.
type previousOwner struct {
	asked   chan struct{} // closed at the first sync-shard request
	release chan struct{}
	once    atomic.Bool
	freed   sync.Once
}

func (p *previousOwner) free() { p.freed.Do(func() { close(p.release) }) }

func (p *previousOwner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == api.SyncShardPath {
		if p.once.CompareAndSwap(false, true) {
			close(p.asked)
		}
		select {
		case <-p.release:
		case <-r.Context().Done():
		}
	}
	api.WriteError(w, http.StatusInternalServerError, api.ReasonInternal, "no")
}

// TestHealthFollowsTheNode has a node take over a shard at an epoch change
// and checks what its health says at each step: its event progress (read,
// then applied), its shards (kept: ready; gained: in transfer while pulled
// from the previous owner, in recovery while rebuilt, then ready; given up:
// read-only) and, with ?detailed=true, each shard's status.
func TestHealthFollowsTheNode(t *testing.T) {
	key, _ := bls.KeyFromSeed(make([]byte, 32))
	otherKey, _ := bls.KeyFromSeed(append(make([]byte, 31), 1))
	owner := &previousOwner{asked: make(chan struct{}), release: make(chan struct{})}
	peer := httptest.NewServer(owner)
	t.Cleanup(peer.Close)
	t.Cleanup(owner.free)
	me := chain.Node{ID: chain.ObjectID{1}, Name: "me", Address: "127.0.0.1:1", PublicKey: key.PublicKey()}
	them := chain.Node{ID: chain.ObjectID{2}, Name: "them", Address: strings.TrimPrefix(peer.URL, "http://"), PublicKey: otherKey.PublicKey()}
	member := func(n chain.Node, shards ...uint16) chain.Node { n.Shards = shards; return n }
	prev := &chain.Committee{Epoch: 2, NShards: 10, Members: []chain.Node{member(me, 0, 1, 2, 3, 4), member(them, 5, 6, 7, 8, 9)}}
	ch := &healthChain{release: make(chan struct{}), com: &chain.Committee{
		Epoch: 3, NShards: 10, Syncing: true, Previous: prev,
		Members: []chain.Node{member(me, 0, 1, 2, 3, 5), member(them, 4, 6, 7, 8, 9)},
	}}

	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blob := encodeTestBlob(t, 10, patternBytes(9, 500))
	for _, err := range []error{
		st.SetCursor(healthCursor), st.SetFollowed(), st.SetHeldShards(2, []uint16{0, 1, 2, 3, 4}),
		st.PutMetadata(blob.id, blob.meta, false), // so that the gained shard has a blob to rebuild
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	nd, err := node.New(context.Background(), node.Config{Key: key, ID: me.ID, Chain: ch, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nd.Handler())
	t.Cleanup(srv.Close)

	health := func(query string) (api.ServiceHealth, map[string]json.RawMessage) {
		t.Helper()
		resp, err := http.Get(srv.URL + api.HealthPath + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health: %d %s", resp.StatusCode, body)
		}
		h, err := api.ParseSuccess[api.ServiceHealth](body)
		raw, err2 := api.ParseSuccess[map[string]json.RawMessage](body)
		if err != nil || err2 != nil {
			t.Fatalf("health %s: %v %v", body, err, err2)
		}
		return h, raw
	}
	shards := func(gained, kept api.ShardStatus) *api.ShardDetail {
		d := &api.ShardDetail{Other: []api.ShardHealth{{Shard: 4, Status: api.ShardReadOnly}}}
		for _, s := range []uint16{0, 1, 2, 3} {
			d.Owned = append(d.Owned, api.ShardHealth{Shard: s, Status: kept})
		}
		d.Owned = append(d.Owned, api.ShardHealth{Shard: 5, Status: gained})
		return d
	}
	progress := func(persisted, pending uint64) api.EventProgress {
		last := persisted - 1
		return api.EventProgress{Persisted: persisted, Pending: pending, HighestFinishedEventIndex: &last}
	}
	expect := func(what string, h api.ServiceHealth, p api.EventProgress, d *api.ShardDetail) {
		t.Helper()
		if h.Epoch != 3 || h.NodeStatus != api.NodeStatusActive || h.PublicKey != key.PublicKey().String() ||
			!reflect.DeepEqual(h.EventProgress, p) || !reflect.DeepEqual(h.ShardDetail, d) ||
			h.ShardSummary != api.SummarizeShards(d.Owned, d.Other) {
			t.Fatalf("%s: health %+v\nprogress %+v, want %+v\nshards %+v, want %+v", what, h, h.EventProgress, p, h.ShardDetail, d)
		}
	}
	// waitHealth polls until the detailed health has the shards d.
	waitHealth := func(what string, d *api.ShardDetail) api.ServiceHealth {
		t.Helper()
		var h api.ServiceHealth
		waitFor(t, what, 10*time.Second, func() bool {
			h, _ = health("?detailed=true")
			return reflect.DeepEqual(h.ShardDetail, d)
		})
		return h
	}

	// Before the node has compared its shards with those it held, it
	// cannot tell their state; without ?detailed there is no detail.
	h, raw := health("")
	if _, ok := raw["shardDetail"]; ok || h.ShardSummary != (api.ShardSummary{Owned: 5, OwnedShardStatus: api.OwnedShardStatus{Unknown: 5}, ReadOnly: 1}) {
		t.Fatalf("health before the takeover: %+v, detail %s", h.ShardSummary, raw["shardDetail"])
	}
	if !reflect.DeepEqual(h.EventProgress, progress(healthCursor, 0)) {
		t.Fatalf("event progress before following: %+v", h.EventProgress)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = nd.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-ran })

	// The previous owner holds the pull of shard 5; the chain holds the
	// events the node read.
	<-owner.asked
	waitFor(t, "events read", 10*time.Second, func() bool {
		h, _ := health("")
		return h.EventProgress.Pending == 2
	})
	h, _ = health("?detailed=true")
	expect("pulling shard 5, events pending", h, progress(healthCursor, 2), shards(api.ShardInTransfer, api.ShardReady))

	close(ch.release)
	waitFor(t, "events applied", 10*time.Second, func() bool {
		h, _ := health("")
		return h.EventProgress.Persisted == healthCursor+2
	})
	h, _ = health("?detailed=true")
	expect("events applied", h, progress(healthCursor+2, 0), shards(api.ShardInTransfer, api.ShardReady))

	// The pull fails; the blob is queued for recovery, which fails too
	// (no peer has symbols) and is retried.
	owner.free()
	h = waitHealth("shard 5 in recovery", shards(api.ShardInRecovery, api.ShardReady))
	expect("shard 5 in recovery", h, progress(healthCursor+2, 0), shards(api.ShardInRecovery, api.ShardReady))

	// Once a pass of the recovery queue goes through, the shard is ready.
	if err := st.RecoveryDone(blob.id); err != nil {
		t.Fatal(err)
	}
	h = waitHealth("shard 5 ready", shards(api.ShardReady, api.ShardReady))
	expect("shard 5 ready", h, progress(healthCursor+2, 0), shards(api.ShardReady, api.ShardReady))

	resp, err := http.Get(srv.URL + api.HealthPath + "?detailed=yes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("?detailed=yes: %d", resp.StatusCode)
	}
}
