package mountstatus

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui"
	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// Config is what a running mount's status is gathered from.
type Config struct {
	Mount    string    // the mount point
	StateDir string    // the tree's state directory; the socket lives there
	Kind     string    // "embedded" or the network file
	Since    time.Time // when the mount started
	// Recipients is how many age recipients a private mount encrypts to;
	// 0 for a public mount.
	Recipients int

	Meta     *meta.Store
	FS       *walrusfs.FS // may be nil
	Uploader *cache.Uploader
	Reader   *cache.Reader
	Files    cache.Files
	Chain    chain.Chain // nil on Walrus over HTTP
	Wallet   *sui.Client // nil off Sui
	// HTTP, set on Walrus over HTTP, names its publisher and aggregator.
	HTTP *HTTPServices

	Renewer   *cache.Renewer   // may be nil
	Collector *cache.Collector // may be nil
}

// Source gathers a mount's status. Its methods are safe for concurrent
// use: the socket and the metrics ask at any time.
type Source struct {
	cfg Config
	// publisher is set once the mount starts publishing, after the socket
	// already serves.
	publisher atomic.Pointer[manifest.Publisher]

	// The local copies' count and size, from a walk of the data
	// directory at most once per localEvery (status --watch asks often).
	localMu    sync.Mutex
	localAt    time.Time
	localFiles int
	localBytes int64
}

const localEvery = 30 * time.Second

// NewSource returns the status source of the mount cfg describes.
func NewSource(cfg Config) *Source {
	return &Source{cfg: cfg}
}

// SetPublisher adds the manifest publisher's state to the status.
func (s *Source) SetPublisher(p *manifest.Publisher) {
	s.publisher.Store(p)
}

// localCopies returns the number and size of the local data files.
func (s *Source) localCopies() (int, int64) {
	s.localMu.Lock()
	defer s.localMu.Unlock()
	if time.Since(s.localAt) < localEvery {
		return s.localFiles, s.localBytes
	}
	s.localFiles, s.localBytes = 0, 0
	_ = filepath.WalkDir(s.cfg.Files.Dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				s.localFiles++
				s.localBytes += fi.Size()
			}
		}
		return nil
	})
	s.localAt = time.Now()
	return s.localFiles, s.localBytes
}

// Status gathers the mount's status now; it probes the network's nodes,
// so it takes up to a couple of seconds.
func (s *Source) Status(ctx context.Context) Status {
	c := s.cfg
	st := Status{Mount: c.Mount, State: c.StateDir, PID: os.Getpid(), Since: c.Since,
		Uploads: c.Uploader.Stats()}
	st.Network = s.network(ctx)
	if c.Wallet != nil {
		st.Wallet = WalletOf(ctx, c.Wallet)
	}
	if c.Renewer != nil {
		r := c.Renewer.Status()
		st.Renewal = &r
	}
	if c.Collector != nil {
		cs := c.Collector.Status()
		st.Collect = &cs
	}
	st.Encryption = "public"
	if c.Recipients > 0 {
		st.Encryption, st.Recipients = "private", c.Recipients
		st.PublicFiles, _ = c.Meta.PublicFiles()
	}
	st.Lost, st.LostFiles, _ = c.Meta.Book().Lost(lostShown)
	st.Queue.Entries = []QueueItem{}
	if files, bytes, err := c.Meta.Book().QueueTotals(); err == nil {
		st.Queue.Files, st.Queue.Bytes = int(files), int64(bytes)
	}
	if q, err := c.Meta.Book().QueueHead(queueShown); err == nil {
		for _, e := range q {
			st.Queue.Entries = append(st.Queue.Entries, QueueItem{Ino: e.Ino, Path: e.Path, Version: e.Version, Since: e.Since,
				Bytes: int64(e.Bytes), Attempts: e.Attempts, LastError: e.LastError})
		}
	}
	st.Queue.Current = c.Uploader.Current()
	if p := s.publisher.Load(); p != nil {
		ms := p.Status()
		st.Manifest = &ms
	}
	st.Cache.ReaderStats = c.Reader.Stats()
	st.Cache.LocalFiles, st.Cache.LocalBytes = s.localCopies()
	if c.FS != nil {
		st.Cache.DroppedCopies = c.FS.DroppedCopies()
	}
	var sfs syscall.Statfs_t
	if syscall.Statfs(c.Files.Dir, &sfs) == nil {
		st.Cache.DiskFree = int64(sfs.Bavail) * sfs.Bsize
	}
	return st
}

// network probes every node's health endpoint, briefly.
func (s *Source) network(ctx context.Context) NetworkHealth {
	h := NetworkHealth{Kind: s.cfg.Kind, Nodes: []NodeHealth{}, HTTP: s.cfg.HTTP}
	if s.cfg.Chain == nil {
		return h // no committee to probe: the services are HTTP's
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	com, err := s.cfg.Chain.Committee(ctx)
	if err != nil {
		h.Error = err.Error()
		return h
	}
	h.Epoch, h.Shards = uint64(com.Epoch), com.NShards
	h.Nodes = make([]NodeHealth, len(com.Members))
	var wg sync.WaitGroup
	for i, m := range com.Members {
		h.Nodes[i] = NodeHealth{Name: m.Name, Address: m.Address, Shards: len(m.Shards)}
		wg.Go(func() {
			scheme := "http://"
			if len(m.NetworkPublicKey) > 0 {
				scheme = "https://" // TLS nodes: reachability is what is shown
			}
			err := nodeclient.New(scheme+m.Address, nil).Health(ctx)
			if err != nil && scheme == "https://" && strings.Contains(err.Error(), "certificate") {
				err = nil
			}
			if err != nil {
				h.Nodes[i].Error = err.Error()
				return
			}
			h.Nodes[i].Up = true
		})
	}
	wg.Wait()
	for _, n := range h.Nodes {
		if n.Up {
			h.ShardsUp += n.Shards
		}
	}
	f := (h.Shards - 1) / 3
	h.CanRead = h.ShardsUp >= h.Shards-2*f
	h.CanWrite = h.ShardsUp >= h.Shards-f
	return h
}
