// Package mountd runs a walrusfs mount: it opens the network and the
// tree's state, builds the file system over them, mounts it, runs the
// background services (uploads, commits, renewal, collection, the
// manifest's publishing, the status socket and metrics), and, once
// unmounted or asked to stop, stops them in order, drains the upload queue
// and publishes the tree. It is what "walrusfs mount" runs once its flags
// are parsed and checked.
//
// The state of a mount lives under Options.State: network/ holds the
// embedded network, fs/NETWORK/NAME/ a tree's metadata (meta/), its local
// content (data/) and its read cache (readcache/), keys/ the age identity.
package mountd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/connect"
)

// The embedded network of a mount without a network chosen.
const (
	EmbeddedNodes  = 4
	embeddedShards = 100
	// embeddedEpoch is the epoch length of a new embedded network: Walrus
	// Testnet's day, so that storage runs out and renewal matters as it
	// does there. Epochs advance while the mount runs, the overdue one at
	// start-up.
	embeddedEpoch = 24 * time.Hour
)

// Options are a mount's settings, as the mount command's flags give them;
// Run trusts them checked (sizes positive, durations not negative).
type Options struct {
	Dir   string // where to mount, made if missing
	State string // the state directory, an absolute path

	// Network is the network to store on; when it chooses none, an
	// embedded one runs in this process, its data under State.
	Network connect.Options
	// SuiListen, with the embedded network, is the host:port to serve its
	// ledger on as Sui (see Host.ServeSui).
	SuiListen string
	// HTTP, when it names an aggregator, is Walrus over a publisher and an
	// aggregator instead: no chain, no wallet.
	HTTP HTTPOptions

	Name     string // the name the chain keeps the tree's manifest under
	Snapshot string // a manifest blob ID: mount that past tree read-only

	Public       bool   // store everything unencrypted
	IdentityFile string // the age identity; default STATE/keys/identity.txt

	ReadOnly   bool
	AllowOther bool
	// UID and GID, when not -1, are the owners every file is shown with;
	// Umask clears permission bits as shown. Stored values are kept.
	UID, GID      int64
	Umask         uint32
	NoPassthrough bool
	// AttrTimeout and EntryTimeout are the kernel's caching times; 0 is no
	// caching.
	AttrTimeout, EntryTimeout time.Duration

	CacheSize   int64  // bytes of the on-disk read cache; 0: none
	CacheDir    string // default: the tree's readcache/
	MemoryCache int64  // bytes of read content kept in memory
	MinFree     int64  // bytes kept free on the state's disk

	ChunkSize     int64  // the largest blob a file is cut into
	Epochs        uint32 // epochs each new blob is stored for
	KeepEpochs    uint32 // epochs ahead the tree's blobs are kept; 0: Epochs
	Permanent     bool   // store blobs that cannot be deleted
	KeepSnapshots int    // published manifests kept
	GCGrace       time.Duration

	CommitInterval time.Duration // how often closed files are synced
	WriteBack      time.Duration // how long a closed file waits to upload
	PublishAfter   time.Duration // quiet time before the manifest is published
	NoDrain        bool          // exit without waiting for uploads
	DrainTimeout   time.Duration // the longest wait for uploads at exit

	MetricsListen string // host:port for Prometheus metrics; none when empty
	// APIListen, when set, is the host:port to serve Walrus's aggregator
	// API for the mount's network on (reads only): what curl, web pages
	// and the SDKs use, for the embedded network too, which lives in this
	// process.
	APIListen string

	Log *slog.Logger // nil: none
	// Notices receives what the user is told: that the mount is up, the
	// drain's progress, a new identity. Standard error, for the command; nil: none.
	Notices io.Writer
}

// Host is what Run takes from the program that runs it: pieces it shares
// with its other commands, and its hooks into the mount's life.
type Host struct {
	// LockDir takes an exclusive lock on the file at path for the life of
	// the process, or fails if another process holds it. Required.
	LockDir func(path string) (release func(), err error)
	// Listen binds a TCP address, retrying a port in use for up to wait.
	// Listen, Registry and MetricsHandler are needed with MetricsListen;
	// Listen with APIListen.
	Listen func(ctx context.Context, addr string, wait time.Duration) (net.Listener, error)
	// Registry receives the mount's metrics; MetricsHandler serves it.
	Registry       *prometheus.Registry
	MetricsHandler http.Handler
	// ServeSui serves the embedded network's ledger as Sui on addr and
	// writes a client configuration for it in netDir. Needed with
	// SuiListen.
	ServeSui func(ctx context.Context, addr, netDir string, l *ledger.Ledger, log *slog.Logger) (stop func(), config string, err error)
	// Passphrase asks for the passphrase of an encrypted identity file;
	// nil: such a file fails to open.
	Passphrase func() (string, error)
	// Ready, when set, is called once the file system is mounted (the
	// --daemon handshake); its failure is only logged.
	Ready func() error
}

// Run mounts and serves the file system until it is unmounted from
// outside or ctx ends (then Run unmounts it), then drains the upload queue
// for at most DrainTimeout and publishes the tree. The drain is cut short,
// and nothing published, when the next stop comes: ctx's end after an
// unmount from outside, hurry's after ctx's (a second signal). Everything
// Run started is stopped when it returns.
func Run(ctx, hurry context.Context, o Options, h Host) error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Notices == nil {
		o.Notices = io.Discard
	}
	if h.Passphrase == nil {
		h.Passphrase = func() (string, error) { return "", errors.New("no passphrase can be asked for") }
	}
	var snapshot *encoding.BlobID
	if o.Snapshot != "" {
		id, err := encoding.ParseBlobID(o.Snapshot)
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		snapshot = &id
		o.ReadOnly = true // a past tree is never changed
	}
	dir, err := mountPoint(o.Dir, o.Log)
	if err != nil {
		return err
	}
	nw, err := openNetwork(ctx, o, h)
	if err != nil {
		return err
	}
	defer nw.close()
	tree, err := openTree(ctx, o, h, nw, snapshot)
	if err != nil {
		return err
	}
	defer tree.close()
	m, err := build(o, nw, tree)
	if err != nil {
		return err
	}
	defer m.close()
	return m.serve(ctx, hurry, dir, h)
}
