// Package embedded runs a whole Walrus network inside one process, on
// loopback: the ledger and storage nodes, each with its own Badger store
// and HTTP server. It is the network a mount uses by default (Open, kept
// in the mount's state directory), and the network tests run against
// (Start): nodes can be stopped, wiped and restarted to exercise failures.
package embedded

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/store"
	"github.com/walrusfs/walrusfs/walrus/tlspin"
)

// Config describes a network.
type Config struct {
	Dir     string // where the ledger and the nodes keep their data
	Nodes   int
	NShards int
	// Shards, if set, gives each node's number of shards (summing to
	// NShards), assigned in runs in node order; nil spreads them evenly.
	Shards []int
	Logger *slog.Logger // nil discards logs
	// Handler, if set, wraps node i's API handler (to make a node lie, say).
	Handler func(i int, h http.Handler) http.Handler
	// TLS serves each node's API over TLS with a self-signed certificate
	// for a network key the chain publishes, which clients pin.
	TLS bool
	// Sui sets the ledger's Sui face: prices and funded accounts.
	Sui *ledger.SuiGenesis
	// EpochDuration advances the epoch on a timer (0: never).
	EpochDuration time.Duration
}

// Network is a running network.
type Network struct {
	cfg    Config
	Ledger *ledger.Ledger
	Nodes  []*Node
}

// Node is one storage node of the network.
type Node struct {
	Index int
	Name  string
	Addr  string // host:port
	Key   *bls.PrivateKey
	ID    chain.ObjectID
	Dir   string
	// TLSKey is the network key when the network uses TLS.
	TLSKey *ecdsa.PrivateKey

	net    *Network
	Node   *node.Node
	Store  *store.Store
	server *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// nodeKey derives node i's key from the network directory, so that restarts
// keep it.
func nodeKey(dir string, i int) (*bls.PrivateKey, error) {
	// The old package name stays in the seed: keys of existing networks
	// derive from it.
	seed := sha256.Sum256(fmt.Appendf(nil, "walrusfs localnet %s node %d", dir, i))
	return bls.KeyFromSeed(seed[:])
}

// Start creates and starts a network.
func Start(ctx context.Context, cfg Config) (*Network, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	shards, err := assignShards(cfg)
	if err != nil {
		return nil, err
	}
	n := &Network{cfg: cfg}
	var regs []ledger.NodeRegistration
	listeners := make([]net.Listener, cfg.Nodes)
	for i := range cfg.Nodes {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll(listeners)
			return nil, fmt.Errorf("embedded network: listen: %w", err)
		}
		listeners[i] = lis
		key, err := nodeKey(cfg.Dir, i)
		if err != nil {
			closeAll(listeners)
			return nil, err
		}
		nd := &Node{Index: i, Name: fmt.Sprintf("node-%d", i), Addr: lis.Addr().String(), Key: key,
			Dir: filepath.Join(cfg.Dir, fmt.Sprintf("node-%d", i)), net: n}
		n.Nodes = append(n.Nodes, nd)
		var account chain.Address
		account[0], account[1] = 0xee, byte(i)
		info := chain.Node{Name: nd.Name, Address: nd.Addr, Shards: shards[i]}
		if cfg.TLS {
			if nd.TLSKey, err = tlspin.GenerateKey(); err != nil {
				closeAll(listeners)
				return nil, err
			}
			if info.NetworkPublicKey, err = tlspin.PublicKey(nd.TLSKey); err != nil {
				closeAll(listeners)
				return nil, err
			}
		}
		regs = append(regs, ledger.NewNodeRegistration(key, info, account, 0))
	}
	l, err := ledger.Create(filepath.Join(cfg.Dir, "ledger"), ledger.Genesis{NShards: cfg.NShards, Nodes: regs, Sui: cfg.Sui, EpochDuration: cfg.EpochDuration}, ledger.Options{Logger: cfg.Logger.With("component", "ledger")})
	if err != nil {
		closeAll(listeners)
		return nil, fmt.Errorf("embedded network: create ledger: %w", err)
	}
	n.Ledger = l
	com, err := l.As(chain.Address{}).Committee(ctx)
	if err != nil {
		closeAll(listeners)
		return nil, err
	}
	for i, nd := range n.Nodes {
		nd.ID = com.Members[i].ID
		if err := nd.start(ctx, listeners[i]); err != nil {
			closeAll(listeners[i+1:])
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// AddNode starts a new storage node and registers it with the ledger with
// the given stake: it joins the committee at the next election, and takes
// its shards over from their owners at the epoch change after.
func (n *Network) AddNode(ctx context.Context, stake uint64) (*Node, error) {
	i := len(n.Nodes)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded network: listen: %w", err)
	}
	key, err := nodeKey(n.cfg.Dir, i)
	if err != nil {
		lis.Close()
		return nil, err
	}
	nd := &Node{Index: i, Name: fmt.Sprintf("node-%d", i), Addr: lis.Addr().String(), Key: key,
		Dir: filepath.Join(n.cfg.Dir, fmt.Sprintf("node-%d", i)), ID: ledger.NodeID(key.PublicKey()), net: n}
	if err := nd.start(ctx, lis); err != nil {
		lis.Close()
		return nil, err
	}
	n.Nodes = append(n.Nodes, nd)
	var account chain.Address
	account[0], account[1] = 0xee, byte(i)
	// The proof of possession names the epoch; one that ends meanwhile
	// makes it stale.
	for try := 0; ; try++ {
		reg := ledger.NewNodeRegistration(key, chain.Node{ID: nd.ID, Name: nd.Name, Address: nd.Addr}, account, n.Ledger.Epoch())
		err := n.Ledger.SetStake(ctx, nd.ID, stake, &reg)
		if err == nil {
			return nd, nil
		}
		if try == 2 || !errors.Is(err, chain.ErrInvalidArgument) {
			return nd, err
		}
	}
}

// assignShards gives each node its shards: as cfg.Shards says, or evenly.
func assignShards(cfg Config) ([][]uint16, error) {
	if cfg.Shards == nil {
		return ledger.AssignShards(cfg.NShards, cfg.Nodes)
	}
	if len(cfg.Shards) != cfg.Nodes {
		return nil, fmt.Errorf("embedded network: %d shard counts for %d nodes", len(cfg.Shards), cfg.Nodes)
	}
	out := make([][]uint16, cfg.Nodes)
	next := 0
	for i, count := range cfg.Shards {
		if count <= 0 || next+count > cfg.NShards {
			return nil, fmt.Errorf("embedded network: node %d cannot hold %d shards (%d of %d assigned before)", i, count, next, cfg.NShards)
		}
		for range count {
			out[i] = append(out[i], uint16(next))
			next++
		}
	}
	if next != cfg.NShards {
		return nil, fmt.Errorf("embedded network: shard counts sum to %d, not %d", next, cfg.NShards)
	}
	return out, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		if l != nil {
			l.Close()
		}
	}
}

// NShards is the network's number of shards.
func (n *Network) NShards() int { return n.cfg.NShards }

// Chain returns the ledger as seen by an account.
func (n *Network) Chain(account chain.Address) chain.Chain { return n.Ledger.As(account) }

// Client returns a Walrus client acting for an account.
func (n *Network) Client(account chain.Address, opts client.Options) *client.Client {
	if opts.Logger == nil {
		opts.Logger = n.cfg.Logger.With("component", "client")
	}
	return client.New(n.Chain(account), opts)
}

// Close stops every node and the ledger.
func (n *Network) Close() {
	for _, nd := range n.Nodes {
		nd.Stop()
	}
	if n.Ledger != nil {
		n.Ledger.Close()
	}
}

// start opens the node's store and serves its API on lis (or on its address).
func (nd *Node) start(ctx context.Context, lis net.Listener) error {
	log := nd.net.cfg.Logger.With("node", nd.Name)
	st, err := store.Open(nd.Dir, store.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("embedded network: %s: %w", nd.Name, err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	wn, err := node.New(ctx, node.Config{Key: nd.Key, ID: nd.ID, Chain: nd.net.Ledger.As(chain.Address{0xee, byte(nd.Index)}), Store: st, Logger: log})
	if err != nil {
		cancel()
		st.Close()
		return err
	}
	if lis == nil {
		// Rebinding a just-closed port can take a moment.
		for i := 0; ; i++ {
			lis, err = net.Listen("tcp", nd.Addr)
			if err == nil || i == 50 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			cancel()
			st.Close()
			return fmt.Errorf("embedded network: %s: %w", nd.Name, err)
		}
	}
	h := wn.Handler()
	if wrap := nd.net.cfg.Handler; wrap != nil {
		h = wrap(nd.Index, h)
	}
	nd.Node, nd.Store, nd.cancel, nd.done = wn, st, cancel, make(chan struct{})
	srv := node.NewServer(h, node.ServerOptions{})
	if nd.TLSKey != nil {
		cert, err := tlspin.Certificate(nd.TLSKey, nd.Addr)
		if err != nil {
			cancel()
			st.Close()
			lis.Close()
			return err
		}
		lis = tls.NewListener(lis, tlspin.ServerConfig(cert))
	}
	nd.server = srv
	go func() { _ = srv.Serve(node.LimitListener(lis, 0)) }()
	go func() {
		defer close(nd.done)
		if err := wn.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("node stopped", "err", err)
		}
	}()
	return nil
}

// Stop stops the node, as a crash would from the network's point of view.
func (nd *Node) Stop() {
	if nd.server == nil {
		return
	}
	nd.server.Close()
	nd.cancel()
	<-nd.done
	nd.Store.Close()
	nd.server, nd.Node, nd.Store = nil, nil, nil
}

// Restart starts a stopped node again on its address.
func (nd *Node) Restart(ctx context.Context) error { return nd.start(ctx, nil) }

// Wipe deletes a stopped node's data.
func (nd *Node) Wipe() error { return os.RemoveAll(nd.Dir) }

// Open reopens the network kept in cfg.Dir, or starts a new one there if
// there is none: the ledger is reopened, each node keeps its key, store and
// address (the committee records addresses, so a node whose port another
// process took cannot start). cfg.Nodes and cfg.NShards only shape a new
// network.
func Open(ctx context.Context, cfg Config) (*Network, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l, err := ledger.Open(filepath.Join(cfg.Dir, "ledger"), ledger.Options{Logger: cfg.Logger.With("component", "ledger")})
	if errors.Is(err, ledger.ErrNoLedger) {
		return Start(ctx, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded network: open ledger: %w", err)
	}
	if cfg.TLS {
		l.Close()
		return nil, errors.New("embedded network: reopening a TLS network is not supported")
	}
	com, err := l.As(chain.Address{}).Committee(ctx)
	if err != nil {
		l.Close()
		return nil, err
	}
	n := &Network{cfg: cfg, Ledger: l}
	for i, m := range com.Members {
		key, err := nodeKey(cfg.Dir, i)
		if err != nil {
			n.Close()
			return nil, err
		}
		if key.PublicKey() != m.PublicKey {
			n.Close()
			return nil, fmt.Errorf("embedded network: %s holds a network made elsewhere (member %d's key differs)", cfg.Dir, i)
		}
		nd := &Node{Index: i, Name: m.Name, Addr: m.Address, Key: key, ID: m.ID,
			Dir: filepath.Join(cfg.Dir, fmt.Sprintf("node-%d", i)), net: n}
		n.Nodes = append(n.Nodes, nd)
		if err := nd.start(ctx, nil); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}
