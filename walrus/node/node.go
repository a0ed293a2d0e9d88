package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// Config configures a node. Key, ID, Chain and Store are required.
type Config struct {
	Key   *bls.PrivateKey
	ID    chain.ObjectID // the node's ID in the committee
	Chain chain.Chain
	Store Store
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the node's metrics; nil registers none.
	Registerer prometheus.Registerer
	// PeerClient is used to reach other nodes; nil means a client with
	// sensible timeouts.
	PeerClient *http.Client
	// Limits bound what requests can make the node hold.
	Limits Limits
}

// SliversSynced returns the slivers of gained shards this node pulled from
// their previous owners.
func (n *Node) SliversSynced() float64 {
	var m dto.Metric
	_ = n.metrics.synced.Write(&m)
	return m.GetCounter().GetValue()
}

// EventsParked returns the blob events this node set aside after they
// failed repeatedly, since it started.
func (n *Node) EventsParked() float64 {
	var m dto.Metric
	_ = n.metrics.parkedTotal.Write(&m)
	return m.GetCounter().GetValue()
}

// PeerBytesReceived returns the bytes this node has downloaded from other
// nodes: recovery symbols, metadata and synced slivers.
func (n *Node) PeerBytesReceived() float64 {
	var m dto.Metric
	_ = n.metrics.peerBytes.Write(&m)
	return m.GetCounter().GetValue()
}

// Node is a running storage node. Handler serves its API; Run follows the
// chain until its context ends.
type Node struct {
	key     *bls.PrivateKey
	id      chain.ObjectID
	chain   chain.Chain
	store   Store
	log     *slog.Logger
	metrics *metrics
	peers   *nodeclient.Pool
	started time.Time
	limits  Limits
	budget  *byteBudget // of request bodies being read and checked
	syncs   *groupSync  // the store's syncs that confirmations wait for
	heavy   workSlots   // recovery-symbol work under way

	mu        sync.RWMutex
	committee *chain.Committee
	shards    map[uint16]bool // shards this node holds in the committee
	// leaving are the shards this node held in the previous committee and
	// no longer holds, while the epoch change syncs: it still serves their
	// slivers to readers and to their new owners.
	leaving map[uint16]bool
	encoder *encoding.Encoder

	// takenOver is the last epoch whose new shards this node queued for
	// filling, reported the one whose sync it reported.
	takenOver, reported chain.Epoch
	// takeovers holds the next takeover for Run's takeover loop.
	takeovers chan takeover
	// shardStates are what the node knows of its shards' data, for
	// health (see shardstate.go); fillGen counts the fills started.
	shardStates map[uint16]shardState
	fillGen     uint64

	// pendingEvents counts the events read from the chain and not yet
	// applied.
	pendingEvents atomic.Int64
}

// New returns a node; it reads the current committee from the chain.
func New(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Key == nil || cfg.Chain == nil || cfg.Store == nil {
		return nil, errors.New("node: key, chain and store are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := newMetrics(cfg.Registerer)
	peers := &http.Client{Timeout: 60 * time.Second}
	if cfg.PeerClient != nil {
		*peers = *cfg.PeerClient
	}
	next := peers.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	peers.Transport = countingTransport{next: next, count: m.peerBytes}
	n := &Node{
		key: cfg.Key, id: cfg.ID, chain: cfg.Chain, store: cfg.Store,
		log: log, metrics: m, peers: nodeclient.NewPool(peers), started: time.Now(),
		limits: cfg.Limits.withDefaults(), shardStates: map[uint16]shardState{},
	}
	n.budget = newByteBudget(n.limits.BodyBudget)
	n.syncs = &groupSync{fn: n.store.Sync}
	n.heavy = newWorkSlots()
	if err := n.refreshCommittee(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// refreshCommittee reads the committee and this node's shards in it.
func (n *Node) refreshCommittee(ctx context.Context) error {
	c, err := n.chain.Committee(ctx)
	if err != nil {
		return fmt.Errorf("node: read committee: %w", err)
	}
	shards, found := memberShards(c, n.id)
	if found && c.Members[slices.IndexFunc(c.Members, func(m chain.Node) bool { return m.ID == n.id })].PublicKey != n.key.PublicKey() {
		return fmt.Errorf("node: the committee lists another public key for this node")
	}
	leaving := map[uint16]bool{}
	if c.Syncing && c.Previous != nil {
		held, _ := memberShards(c.Previous, n.id)
		for s := range held {
			if !shards[s] {
				leaving[s] = true
			}
		}
	}
	if !found {
		n.log.Warn("node is not in the committee", "epoch", c.Epoch)
	}
	enc, err := encoding.NewEncoderWith(c.NShards, encoding.EncoderOptions{LowMemory: true})
	if err != nil {
		return fmt.Errorf("node: committee of %d shards: %w", c.NShards, err)
	}
	n.mu.Lock()
	n.committee, n.shards, n.leaving, n.encoder = c, shards, leaving, enc
	for s := range n.shardStates {
		if !shards[s] {
			delete(n.shardStates, s)
		}
	}
	n.mu.Unlock()
	n.log.Info("committee", "epoch", c.Epoch, "shards", len(shards), "n_shards", c.NShards)
	return nil
}

// memberShards returns the shards member id holds in c, and whether it is
// a member.
func memberShards(c *chain.Committee, id chain.ObjectID) (map[uint16]bool, bool) {
	shards := map[uint16]bool{}
	found := false
	for _, m := range c.Members {
		if m.ID == id {
			found = true
			for _, s := range m.Shards {
				shards[s] = true
			}
		}
	}
	return shards, found
}

// servesShard tells whether this node serves reads of a shard: its own,
// and while the epoch change syncs, the ones it is handing over.
func (n *Node) servesShard(s uint16) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.shards[s] || n.leaving[s]
}

// view returns the committee, this node's shards and the encoder.
func (n *Node) view() (*chain.Committee, map[uint16]bool, *encoding.Encoder) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.committee, n.shards, n.encoder
}

// ownedPairs returns, for a blob, the sliver pairs of the shards this node holds.
func (n *Node) ownedPairs(id encoding.BlobID) map[uint16]int {
	c, shards, _ := n.view()
	out := make(map[uint16]int, len(shards))
	for s := range shards {
		out[s] = id.PairForShard(int(s), c.NShards)
	}
	return out
}

// route is one route of the node's API: a ServeMux pattern and its handler.
type route struct {
	pattern string
	handle  func(*Node, http.ResponseWriter, *http.Request)
}

// routes are the node's API. api.OpenAPI describes each of them and no
// other; a test holds the two together.
var routes = []route{
	{"GET /v1/blobs/{id}/metadata", (*Node).getMetadata},
	{"PUT /v1/blobs/{id}/metadata", (*Node).putMetadata},
	{"GET /v1/blobs/{id}/metadata/status", (*Node).metadataStatus},
	{"GET /v1/blobs/{id}/slivers/{pair}/{axis}", (*Node).getSliver},
	{"PUT /v1/blobs/{id}/slivers/{pair}/{axis}", (*Node).putSliver},
	{"GET /v1/blobs/{id}/slivers/{pair}/{axis}/status", (*Node).sliverStatus},
	{"GET /v1/blobs/{id}/confirmation/permanent", (*Node).confirmation},
	{"GET /v1/blobs/{id}/confirmation/deletable/{object}", (*Node).confirmation},
	{"GET /v1/blobs/{id}/recoverySymbols", (*Node).recoverySymbols},
	{"POST /v1/blobs/{id}/inconsistencyProof/{axis}", (*Node).inconsistencyProof},
	{"GET /v1/blobs/{id}/status", (*Node).blobStatus},
	{"GET " + api.HealthPath, (*Node).health},
	{"POST " + api.SyncShardPath, (*Node).syncShard},
	{"GET " + api.OpenAPIPath, (*Node).openAPI},
}

// Handler returns the HTTP handler of the node's API.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { rt.handle(n, w, r) })
	}
	return n.metrics.instrument(allowCrossOrigin(mux))
}

// Shards returns the shards this node holds in the current committee.
func (n *Node) Shards() []uint16 {
	_, shards, _ := n.view()
	out := make([]uint16, 0, len(shards))
	for s := range shards {
		out = append(out, s)
	}
	return out
}

// MissingSlivers counts the slivers of this node's shards it lacks for a
// blob, metadata counted as one when absent.
func (n *Node) MissingSlivers(id encoding.BlobID) (int, error) {
	missing, err := n.missingSlivers(id)
	if err != nil {
		return 0, err
	}
	if has, err := n.store.HasMetadata(id, false); err != nil {
		return 0, err
	} else if !has {
		missing++
	}
	return missing, nil
}
