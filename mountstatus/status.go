// Package mountstatus is what "walrusfs status" shows of a running mount:
// the model (Status), the Source that gathers it inside the mount, the
// unix socket that serves it, its Prometheus metrics, and the client side
// that collects it from every mount of a state directory and prints it.
package mountstatus

import (
	"context"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/fs/manifest"
)

// Status is what "walrusfs status" shows of a running mount. Its JSON
// form is what the status socket serves and "status --json" prints.
type Status struct {
	Mount    string               `json:"mount"`
	State    string               `json:"state"`
	PID      int                  `json:"pid"`
	Since    time.Time            `json:"since"`
	Network  NetworkHealth        `json:"network"`
	Queue    Queue                `json:"queue"`
	Cache    Cache                `json:"cache"`
	Uploads  cache.UploaderStats  `json:"uploads"`
	Manifest *manifest.Status     `json:"manifest,omitempty"`
	Wallet   *Wallet              `json:"wallet,omitempty"`
	Renewal  *cache.RenewStatus   `json:"renewal,omitempty"`
	Collect  *cache.CollectStatus `json:"collect,omitempty"`
	// Encryption is "private" (contents and tree encrypted to Recipients
	// age recipients) or "public".
	Encryption string `json:"encryption"`
	Recipients int    `json:"recipients,omitempty"`
	// PublicFiles counts the files of a private mount stored unencrypted
	// on purpose (user.walrus.public).
	PublicFiles uint64 `json:"publicFiles,omitempty"`
	// Lost names files whose only copy was local and is gone (the first
	// lostShown of LostFiles).
	LostFiles int              `json:"lostFiles,omitempty"`
	Lost      []state.LostFile `json:"lost,omitempty"`
}

// lostShown bounds the lost files status names; queueShown the queue
// entries it lists.
const (
	lostShown  = 10
	queueShown = 100
)

// Wallet is the Sui wallet of a mount on Walrus on Sui: its address, what
// it holds and what the mount spent (SUI in MIST, WAL in FROST).
type Wallet struct {
	Address  string `json:"address"`
	SUI      uint64 `json:"sui"`
	WAL      uint64 `json:"wal"`
	SpentSUI uint64 `json:"spentSui"`
	SpentWAL uint64 `json:"spentWal"`
	// PerEpoch is what the mount spent in each epoch it spent anything.
	PerEpoch []EpochSpending `json:"perEpoch,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// EpochSpending is what a mount spent in one epoch.
type EpochSpending struct {
	Epoch uint32 `json:"epoch"`
	SUI   uint64 `json:"sui"`
	WAL   uint64 `json:"wal"`
}

// NetworkHealth is the committee's state as the mount sees it: which
// nodes answer, and whether enough shards do to read and to write.
type NetworkHealth struct {
	Kind     string       `json:"kind"` // "embedded" or the network file
	Epoch    uint64       `json:"epoch"`
	Shards   int          `json:"shards"`
	ShardsUp int          `json:"shardsUp"`
	CanRead  bool         `json:"canRead"`  // at least n - 2f shards up
	CanWrite bool         `json:"canWrite"` // at least n - f shards up
	Nodes    []NodeHealth `json:"nodes"`
	Error    string       `json:"error,omitempty"`
	// HTTP names the publisher and aggregator of a mount on Walrus over
	// HTTP, which has no chain to ask and no wallet to pay: renewal and
	// collection are off there.
	HTTP *HTTPServices `json:"http,omitempty"`
}

// HTTPServices are the Walrus publisher and aggregator a mount uses.
type HTTPServices struct {
	Publisher  string `json:"publisher,omitempty"`
	Aggregator string `json:"aggregator"`
}

// NodeHealth is one storage node's answer to a health probe.
type NodeHealth struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Shards  int    `json:"shards"`
	Up      bool   `json:"up"`
	Error   string `json:"error,omitempty"`
}

// Queue is the upload queue: its totals, the upload in progress and the
// first entries.
type Queue struct {
	Files   int             `json:"files"`
	Bytes   int64           `json:"bytes"`
	Current *cache.Progress `json:"current,omitempty"`
	Entries []QueueItem     `json:"entries"`
}

// QueueItem is a file waiting to be uploaded.
type QueueItem struct {
	Ino       uint64    `json:"ino"`
	Path      string    `json:"path,omitempty"` // its name when queued
	Version   uint64    `json:"version"`
	Since     time.Time `json:"since"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError,omitempty"`
	Bytes     int64     `json:"bytes"`
}

// Cache is the mount's local copies, read cache and free disk.
type Cache struct {
	cache.ReaderStats
	LocalFiles int   `json:"localFiles"`
	LocalBytes int64 `json:"localBytes"`
	DiskFree   int64 `json:"diskFree"`
	// DroppedCopies counts local copies found missing, short or damaged
	// since start, whose files are read from the network instead.
	DroppedCopies int64 `json:"droppedCopies,omitempty"`
}

// WalletOf reads a Sui wallet's balances and what it spent since the
// client started; a failed balance query is recorded in Error, not
// returned, so the rest still shows.
func WalletOf(ctx context.Context, c *sui.Client) *Wallet {
	spent := c.Spent()
	w := &Wallet{Address: ledger.FormatAddress(c.Address()), SpentSUI: spent.SUI, SpentWAL: spent.WAL}
	for epoch, sp := range c.SpentByEpoch() {
		w.PerEpoch = append(w.PerEpoch, EpochSpending{Epoch: epoch, SUI: sp.SUI, WAL: sp.WAL})
	}
	slices.SortFunc(w.PerEpoch, func(a, b EpochSpending) int { return int(a.Epoch) - int(b.Epoch) })
	var err error
	if w.SUI, w.WAL, err = c.Balances(ctx); err != nil {
		w.Error = err.Error()
	}
	return w
}
