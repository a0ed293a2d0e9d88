package mountd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/mountstatus"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/connect"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// network is the network a mount stores on, and where the state of its
// file systems on that network lives: one tree per network, as a tree's
// blobs live on one network.
type network struct {
	blobs   blobService
	chain   chain.Chain // nil on Walrus over HTTP: no renewal, no collection
	records manifest.Records
	owner   chain.Address
	kind    string
	nShards int
	fsDir   string
	wallet  *sui.Client // on Sui: balances and spending for status
	// maxAhead is the most epochs ahead the network sells storage;
	// renewInterval how often the tree's blobs are looked at.
	maxAhead      uint32
	renewInterval time.Duration
	costPerEpoch  func(size uint64) uint64
	// maxChunk, if set, bounds the blobs files are cut into below the
	// network's largest blob: a publisher's body limit.
	maxChunk uint64
	http     *mountstatus.HTTPServices
	closers  []func()
}

// blobService stores and reads the tree's blobs: the Walrus client from
// the storage nodes, or a publisher and aggregator.
type blobService interface {
	cache.RangeReader
	cache.BlobStorer
	Read(ctx context.Context, id encoding.BlobID) ([]byte, error)
	Close() error
}

// close ends what the network holds, the client first: it ends the
// uploads that stores left to slow nodes before their connections close.
func (nw *network) close() {
	if nw.blobs != nil {
		nw.blobs.Close()
	}
	for i := len(nw.closers) - 1; i >= 0; i-- {
		nw.closers[i]()
	}
}

// openNetwork starts the embedded network (by default) or connects to the
// one the options name.
func openNetwork(ctx context.Context, o Options, h Host) (_ *network, err error) {
	nw := &network{maxAhead: ledger.DefaultMaxEpochsAhead, renewInterval: 30 * time.Second}
	defer func() {
		if err != nil {
			nw.close()
		}
	}()
	if o.HTTP.Chosen() {
		if err := openHTTP(o, nw); err != nil {
			return nil, err
		}
		return nw, nil
	}
	if !o.Network.SuiChosen() && !o.Network.DevnetChosen() {
		if err := openEmbedded(ctx, o, h, nw); err != nil {
			return nil, err
		}
		return nw, nil
	}
	conn, err := connect.Dial(ctx, o.Network, o.Log)
	if err != nil {
		return nil, err // a *connect.OptionsError stays visible: the caller's usage error
	}
	nw.closers = append(nw.closers, func() { conn.Close() })
	nw.owner = conn.Owner
	nw.chain, nw.records, nw.kind = conn.Chain, conn.Chain, conn.What
	nw.blobs = client.New(nw.chain, client.Options{Logger: o.Log.With("component", "client")})
	nw.nShards = conn.Committee.NShards
	nw.fsDir = filepath.Join(o.State, "fs", conn.ID)
	nw.wallet = conn.Sui
	if nw.wallet == nil {
		return nw, nil
	}
	info, err := nw.wallet.Info(ctx)
	if err != nil {
		return nil, err
	}
	nw.maxAhead = info.MaxEpochsAhead
	price, n := info.StoragePrice, info.NShards
	nw.costPerEpoch = func(size uint64) uint64 {
		enc, err := moveobj.EncodedBlobLength(size, uint16(n))
		if err != nil {
			return 0
		}
		c, _ := moveobj.StorageCost(price, enc, 1)
		return c
	}
	// A few looks per epoch, from a second to five minutes apart.
	if info.EpochDuration > 0 {
		nw.renewInterval = min(max(info.EpochDuration/4, time.Second), 5*time.Minute)
	}
	return nw, nil
}

// openEmbedded starts the embedded network in STATE/network, locked for
// this process, and served as Sui when SuiListen asks.
func openEmbedded(ctx context.Context, o Options, h Host, nw *network) error {
	log := o.Log
	netDir := filepath.Join(o.State, "network")
	if err := os.MkdirAll(netDir, 0o700); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	release, err := h.LockDir(filepath.Join(o.State, ".embedded.lock"))
	if err != nil {
		return fmt.Errorf("state %s is in use by another mount: %w", o.State, err)
	}
	nw.closers = append(nw.closers, release)
	n, err := embedded.Open(ctx, embedded.Config{Dir: netDir, Nodes: EmbeddedNodes, NShards: embeddedShards,
		EpochDuration: embeddedEpoch, Logger: log.With("component", "network")})
	if err != nil {
		return fmt.Errorf("embedded network: %w", err)
	}
	nw.closers = append(nw.closers, n.Close)
	if o.SuiListen != "" {
		stop, cfgPath, err := h.ServeSui(ctx, o.SuiListen, netDir, n.Ledger, log)
		if err != nil {
			return err
		}
		nw.closers = append(nw.closers, stop)
		log.Info("embedded network served as Sui", "listen", o.SuiListen, "config", cfgPath)
	}
	nw.owner = chain.Address{0xf5}
	nw.chain, nw.kind = n.Chain(nw.owner), "embedded"
	nw.records = nw.chain
	nw.blobs = client.New(nw.chain, client.Options{Logger: log.With("component", "client")})
	nw.nShards = embeddedShards
	nw.fsDir = filepath.Join(o.State, "fs", "embedded")
	log.Info("embedded network up", "dir", netDir, "nodes", EmbeddedNodes, "shards", embeddedShards)
	return nil
}
