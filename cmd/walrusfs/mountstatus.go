package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/crypt/mountkeys"
	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// statusSocket is the name of a mount's status socket in its state
// directory (mode 0700, so only its user reaches it).
const statusSocket = "status.sock"

// mountStatus is what "walrusfs status" shows of a running mount.
type mountStatus struct {
	Mount    string               `json:"mount"`
	State    string               `json:"state"`
	PID      int                  `json:"pid"`
	Since    time.Time            `json:"since"`
	Network  networkHealth        `json:"network"`
	Queue    queueStatus          `json:"queue"`
	Cache    cacheStatus          `json:"cache"`
	Uploads  cache.UploaderStats  `json:"uploads"`
	Manifest *manifest.Status     `json:"manifest,omitempty"`
	Wallet   *walletStatus        `json:"wallet,omitempty"`
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

// walletStatus is the Sui wallet of a mount on Walrus on Sui: its address,
// what it holds and what the mount spent (SUI in MIST, WAL in FROST).
type walletStatus struct {
	Address  string `json:"address"`
	SUI      uint64 `json:"sui"`
	WAL      uint64 `json:"wal"`
	SpentSUI uint64 `json:"spentSui"`
	SpentWAL uint64 `json:"spentWal"`
	// PerEpoch is what the mount spent in each epoch it spent anything.
	PerEpoch []epochSpending `json:"perEpoch,omitempty"`
	Error    string          `json:"error,omitempty"`
}

type epochSpending struct {
	Epoch uint32 `json:"epoch"`
	SUI   uint64 `json:"sui"`
	WAL   uint64 `json:"wal"`
}

type networkHealth struct {
	Kind     string       `json:"kind"` // "embedded" or the network file
	Epoch    uint64       `json:"epoch"`
	Shards   int          `json:"shards"`
	ShardsUp int          `json:"shardsUp"`
	CanRead  bool         `json:"canRead"`  // at least n - 2f shards up
	CanWrite bool         `json:"canWrite"` // at least n - f shards up
	Nodes    []nodeHealth `json:"nodes"`
	Error    string       `json:"error,omitempty"`
}

type nodeHealth struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Shards  int    `json:"shards"`
	Up      bool   `json:"up"`
	Error   string `json:"error,omitempty"`
}

type queueStatus struct {
	Files   int             `json:"files"`
	Bytes   int64           `json:"bytes"`
	Current *cache.Progress `json:"current,omitempty"`
	Entries []queueItem     `json:"entries"`
}

type queueItem struct {
	Ino       uint64    `json:"ino"`
	Path      string    `json:"path,omitempty"` // its name when queued
	Version   uint64    `json:"version"`
	Since     time.Time `json:"since"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError,omitempty"`
	Bytes     int64     `json:"bytes"`
}

type cacheStatus struct {
	cache.ReaderStats
	LocalFiles int   `json:"localFiles"`
	LocalBytes int64 `json:"localBytes"`
	DiskFree   int64 `json:"diskFree"`
	// DroppedCopies counts local copies found missing, short or damaged
	// since start, whose files are read from the network instead.
	DroppedCopies int64 `json:"droppedCopies,omitempty"`
}

// statusSource gathers a mount's status.
type statusSource struct {
	mount, state, kind string
	since              time.Time
	meta               *meta.Store
	uploader           *cache.Uploader
	fs                 *walrusfs.FS
	reader             *cache.Reader
	files              cache.Files
	chain              chain.Chain
	publisher          *manifest.Publisher
	wallet             *sui.Client // nil off Sui
	renewer            *cache.Renewer
	collector          *cache.Collector
	keys               mountkeys.Keys

	// The local copies' count and size, from a walk of the data
	// directory at most once per localEvery (status --watch asks often).
	localMu    sync.Mutex
	localAt    time.Time
	localFiles int
	localBytes int64
}

const localEvery = 30 * time.Second

// localCopies returns the number and size of the local data files.
func (s *statusSource) localCopies() (int, int64) {
	s.localMu.Lock()
	defer s.localMu.Unlock()
	if time.Since(s.localAt) < localEvery {
		return s.localFiles, s.localBytes
	}
	s.localFiles, s.localBytes = 0, 0
	_ = filepath.WalkDir(s.files.Dir, func(_ string, d fs.DirEntry, err error) error {
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

func (s *statusSource) status(ctx context.Context) mountStatus {
	st := mountStatus{Mount: s.mount, State: s.state, PID: os.Getpid(), Since: s.since,
		Uploads: s.uploader.Stats()}
	st.Network = s.network(ctx)
	if s.wallet != nil {
		st.Wallet = walletOf(ctx, s.wallet)
	}
	if s.renewer != nil {
		r := s.renewer.Status()
		st.Renewal = &r
	}
	if s.collector != nil {
		c := s.collector.Status()
		st.Collect = &c
	}
	st.Encryption = "public"
	if s.keys.Ring() != nil {
		st.Encryption, st.Recipients = "private", len(s.keys.Ring().Recipients)
		st.PublicFiles, _ = s.meta.PublicFiles()
	}
	st.Lost, st.LostFiles, _ = s.meta.Book().Lost(lostShown)
	st.Queue.Entries = []queueItem{}
	if files, bytes, err := s.meta.Book().QueueTotals(); err == nil {
		st.Queue.Files, st.Queue.Bytes = int(files), int64(bytes)
	}
	if q, err := s.meta.Book().QueueHead(queueShown); err == nil {
		for _, e := range q {
			st.Queue.Entries = append(st.Queue.Entries, queueItem{Ino: e.Ino, Path: e.Path, Version: e.Version, Since: e.Since,
				Bytes: int64(e.Bytes), Attempts: e.Attempts, LastError: e.LastError})
		}
	}
	st.Queue.Current = s.uploader.Current()
	if s.publisher != nil {
		ms := s.publisher.Status()
		st.Manifest = &ms
	}
	st.Cache.ReaderStats = s.reader.Stats()
	st.Cache.LocalFiles, st.Cache.LocalBytes = s.localCopies()
	if s.fs != nil {
		st.Cache.DroppedCopies = s.fs.DroppedCopies()
	}
	var sfs syscall.Statfs_t
	if syscall.Statfs(s.files.Dir, &sfs) == nil {
		st.Cache.DiskFree = int64(sfs.Bavail) * sfs.Bsize
	}
	return st
}

// network probes every node's health endpoint, briefly.
func (s *statusSource) network(ctx context.Context) networkHealth {
	h := networkHealth{Kind: s.kind, Nodes: []nodeHealth{}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	com, err := s.chain.Committee(ctx)
	if err != nil {
		h.Error = err.Error()
		return h
	}
	h.Epoch, h.Shards = uint64(com.Epoch), com.NShards
	h.Nodes = make([]nodeHealth, len(com.Members))
	var wg sync.WaitGroup
	for i, m := range com.Members {
		h.Nodes[i] = nodeHealth{Name: m.Name, Address: m.Address, Shards: len(m.Shards)}
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

// serveStatus serves the status as JSON on a unix socket in the state
// directory until ctx ends.
func walletOf(ctx context.Context, c *sui.Client) *walletStatus {
	spent := c.Spent()
	w := &walletStatus{Address: ledger.FormatAddress(c.Address()), SpentSUI: spent.SUI, SpentWAL: spent.WAL}
	for epoch, sp := range c.SpentByEpoch() {
		w.PerEpoch = append(w.PerEpoch, epochSpending{Epoch: epoch, SUI: sp.SUI, WAL: sp.WAL})
	}
	slices.SortFunc(w.PerEpoch, func(a, b epochSpending) int { return int(a.Epoch) - int(b.Epoch) })
	var err error
	if w.SUI, w.WAL, err = c.Balances(ctx); err != nil {
		w.Error = err.Error()
	}
	return w
}

func serveStatus(ctx context.Context, src *statusSource, log *slog.Logger) (func(), error) {
	path := filepath.Join(src.state, statusSocket)
	_ = os.Remove(path) // left by a killed mount; the state lock is ours
	lis, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("status socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		lis.Close()
		return nil, fmt.Errorf("status socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(src.status(r.Context()))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("status socket stopped", "err", err)
		}
	}()
	return func() {
		_ = srv.Close()
		_ = os.Remove(path)
	}, nil
}

// registerMountMetrics exposes the mount's figures to Prometheus.
func registerMountMetrics(reg *prometheus.Registry, src *statusSource) {
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	queue := func() (files, bytes float64) {
		f, b, _ := src.meta.Book().QueueTotals()
		return float64(f), float64(b)
	}
	gauge("walrusfs_upload_queue_files", "Files waiting to be uploaded.", func() float64 { f, _ := queue(); return f })
	gauge("walrusfs_upload_queue_bytes", "Bytes of the files waiting to be uploaded.", func() float64 { _, b := queue(); return b })
	gauge("walrusfs_lost_files", "Files whose only copy was local and is gone.", func() float64 { _, n, _ := src.meta.Book().Lost(1); return float64(n) })
	counter("walrusfs_uploaded_files_total", "Files pointed at certified blobs.", func() float64 { return float64(src.uploader.Stats().Files) })
	counter("walrusfs_uploaded_bytes_total", "Bytes of the files pointed at certified blobs.", func() float64 { return float64(src.uploader.Stats().Bytes) })
	counter("walrusfs_blobs_stored_total", "Blobs stored.", func() float64 { return float64(src.uploader.Stats().Stored) })
	counter("walrusfs_blobs_deduplicated_total", "Chunks whose content was stored before.", func() float64 { return float64(src.uploader.Stats().Deduped) })
	counter("walrusfs_upload_failures_total", "Failed upload attempts.", func() float64 { return float64(src.uploader.Stats().Failures) })
	gauge("walrusfs_read_cache_bytes", "Bytes of network content cached in memory.", func() float64 { return float64(src.reader.Stats().Bytes) })
	counter("walrusfs_read_cache_hits_total", "Reads served from the read cache.", func() float64 { return float64(src.reader.Stats().Hits) })
	counter("walrusfs_read_cache_misses_total", "Reads that fetched from the network.", func() float64 { return float64(src.reader.Stats().Misses) })
	counter("walrusfs_network_read_bytes_total", "Bytes of file content fetched from the network.", func() float64 { return float64(src.reader.Stats().FetchedBytes) })
}

func newStatusCmd(g *globals) *cobra.Command {
	var (
		state  string
		asJSON bool
		watch  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status [--state DIR] [--json] [--watch INTERVAL]",
		Short: "Show the running mounts: upload queue, cache use and network health",
		Long: `status asks each running mount of the state directory (default
$XDG_DATA_HOME/walrusfs) through its unix socket for its upload queue (files,
bytes, the upload in progress, errors with their reasons), its cache use and
the health of the network's nodes.

--watch refreshes the view every INTERVAL (such as 2s); --json prints one
JSON array of the mounts' status instead.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if state == "" {
				var err error
				if state, err = defaultStateDir(); err != nil {
					return err
				}
			}
			for {
				all, err := collectStatus(cmd.Context(), state)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					if err := enc.Encode(all); err != nil {
						return err
					}
				} else {
					if watch > 0 {
						fmt.Fprint(out, "\033[H\033[2J")
					}
					printStatus(out, state, all)
				}
				if watch <= 0 {
					return nil
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(watch):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&state, "state", "", "state directory (default $XDG_DATA_HOME/walrusfs)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.DurationVar(&watch, "watch", 0, "refresh every interval, such as 2s")
	return cmd
}

// collectStatus asks every mount with a socket under state/fs for its status.
func collectStatus(ctx context.Context, state string) ([]mountStatus, error) {
	socks, _ := filepath.Glob(filepath.Join(state, "fs", "*", "*", statusSocket))
	sort.Strings(socks)
	all := []mountStatus{}
	for _, sock := range socks {
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			}}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://mount/status", nil)
		resp, err := hc.Do(req)
		if err != nil {
			hc.CloseIdleConnections()
			continue // a socket left by a mount that is gone
		}
		var st mountStatus
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		hc.CloseIdleConnections() // --watch makes a client each round
		if err != nil {
			return nil, fmt.Errorf("status from %s: %w", sock, err)
		}
		all = append(all, st)
	}
	return all, nil
}

func printStatus(w io.Writer, state string, all []mountStatus) {
	if len(all) == 0 {
		fmt.Fprintf(w, "no running mount uses %s\n", state)
		return
	}
	for i, st := range all {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (pid %d, up %s)\n", st.Mount, st.PID, time.Since(st.Since).Round(time.Second))
		n := st.Network
		health := "healthy"
		switch {
		case n.Error != "":
			health = "unreachable: " + n.Error
		case !n.CanRead:
			health = "DOWN: too few shards to read"
		case !n.CanWrite:
			health = "DEGRADED: reads work, uploads wait (too few shards to certify)"
		case n.ShardsUp < n.Shards:
			health = "degraded: some shards down"
		}
		fmt.Fprintf(w, "  network   %s, epoch %d, %d/%d shards up: %s\n", n.Kind, n.Epoch, n.ShardsUp, n.Shards, health)
		switch st.Encryption {
		case "private":
			fmt.Fprintf(w, "  privacy   private: files and the tree are age-encrypted to %d recipient(s)", st.Recipients)
			if st.PublicFiles > 0 {
				fmt.Fprintf(w, "; %d file(s) PUBLIC on purpose (user.walrus.public; user.walrus.state says which)", st.PublicFiles)
			}
			fmt.Fprintln(w)
		case "public":
			fmt.Fprintln(w, "  privacy   PUBLIC: files and the tree are stored unencrypted, readable by anyone with their blob IDs")
		}
		for _, nd := range n.Nodes {
			if !nd.Up {
				fmt.Fprintf(w, "            node %s (%s, %d shards) down: %s\n", nd.Name, nd.Address, nd.Shards, nd.Error)
			}
		}
		if wl := st.Wallet; wl != nil {
			fmt.Fprintf(w, "  wallet    %s: %s, %s; spent %s and %s since start\n", wl.Address,
				sui.FormatSUI(wl.SUI), sui.FormatWAL(wl.WAL), sui.FormatSUI(wl.SpentSUI), sui.FormatWAL(wl.SpentWAL))
			if wl.Error != "" {
				fmt.Fprintf(w, "            balances unknown: %s\n", wl.Error)
			}
			per := wl.PerEpoch
			if len(per) > 5 {
				per = per[len(per)-5:] // the latest
			}
			for _, e := range per {
				fmt.Fprintf(w, "            epoch %d: %s and %s\n", e.Epoch, sui.FormatWAL(e.WAL), sui.FormatSUI(e.SUI))
			}
		}
		if r := st.Renewal; r != nil && !r.Checked.IsZero() {
			line := fmt.Sprintf("  renewal   %d blob(s) kept %d epochs ahead", r.Blobs, r.Keep)
			if r.EarliestEnd != 0 {
				line += fmt.Sprintf("; the soonest ends with epoch %d (now %d)", r.EarliestEnd, r.Epoch)
			}
			if r.NextDue != 0 {
				line += fmt.Sprintf("; next renewal due in epoch %d", r.NextDue)
			}
			if r.CostPerEpoch != 0 {
				line += fmt.Sprintf("; keeping the tree costs %s per epoch", sui.FormatWAL(r.CostPerEpoch))
			}
			line += fmt.Sprintf("; %d renewal(s) since start", r.Renewed)
			fmt.Fprintln(w, line)
			if r.Expired > 0 {
				fmt.Fprintf(w, "            %d blob(s) EXPIRED: their files cannot be read from the network\n", r.Expired)
			}
			if r.LastError != "" {
				fmt.Fprintf(w, "            renewal failing (retried): %s\n", r.LastError)
			}
		}
		if c := st.Collect; c != nil && (c.Deleted > 0 || c.Waiting > 0 || c.LastError != "") {
			fmt.Fprintf(w, "  reclaim   %d unused blob(s) deleted since start (%s), their storage back in the wallet; %d unused, waiting out their grace\n",
				c.Deleted, formatBytes(int64(c.ReclaimedBytes)), c.Waiting)
			if c.LastError != "" {
				fmt.Fprintf(w, "            deleting failing (retried): %s\n", c.LastError)
			}
		}
		if st.LostFiles > 0 {
			fmt.Fprintf(w, "  LOST      %d file(s) whose only copy was local are gone (their data files were deleted): reads fail until they are rewritten or deleted\n", st.LostFiles)
			for _, l := range st.Lost {
				fmt.Fprintf(w, "            %s (inode %d, %s)\n", cmp.Or(l.Path, "?"), l.Ino, l.Reason)
			}
			if st.LostFiles > len(st.Lost) {
				fmt.Fprintf(w, "            ... %d more\n", st.LostFiles-len(st.Lost))
			}
		}
		q := st.Queue
		fmt.Fprintf(w, "  uploads   %d file(s), %s queued; %d file(s), %s certified since start; %d failed attempt(s)\n",
			q.Files, formatBytes(q.Bytes), st.Uploads.Files, formatBytes(st.Uploads.Bytes), st.Uploads.Failures)
		if c := q.Current; c != nil {
			fmt.Fprintf(w, "            uploading inode %d: %s of %s\n", c.Ino, formatBytes(c.DoneBytes), formatBytes(c.Bytes))
		}
		for j, e := range q.Entries {
			if j == 10 {
				fmt.Fprintf(w, "            ... %d more\n", q.Files-j)
				break
			}
			line := fmt.Sprintf("            %s (%s), queued %s ago", queuedName(e), formatBytes(e.Bytes), time.Since(e.Since).Round(time.Second))
			if e.Attempts > 0 {
				line += fmt.Sprintf(", %d failed attempt(s): %s", e.Attempts, e.LastError)
			}
			fmt.Fprintln(w, line)
		}
		if m := st.Manifest; m != nil {
			switch {
			case m.Published != nil:
				fmt.Fprintf(w, "  manifest  %q version %d: %s, published %s ago\n", m.Published.Name, m.Published.Version,
					m.Published.Manifest, time.Since(time.Unix(0, m.Published.At)).Round(time.Second))
			default:
				fmt.Fprintln(w, "  manifest  not published yet")
			}
			if m.LastError != "" {
				fmt.Fprintf(w, "            last attempt failed: %s\n", m.LastError)
			}
			if m.Behind > 0 {
				fmt.Fprintf(w, "            %d file(s) newer than the manifest, waiting for their uploads\n", m.Behind)
			}
		}
		c := st.Cache
		fmt.Fprintf(w, "  cache     %d local file(s), %s; read cache %s of %s (%d hits, %d misses); %s free on disk\n",
			c.LocalFiles, formatBytes(c.LocalBytes), formatBytes(c.Bytes), formatBytes(c.MaxBytes), c.Hits, c.Misses, formatBytes(c.DiskFree))
		if c.DroppedCopies > 0 {
			fmt.Fprintf(w, "            %d local copies were missing or damaged: their files are read from the network\n", c.DroppedCopies)
		}
	}
}

// queuedName names a queued file: its path in the mount when it was
// queued, else its inode number.
func queuedName(e queueItem) string {
	if e.Path != "" {
		return "/" + strings.TrimPrefix(e.Path, "/")
	}
	return fmt.Sprintf("inode %d", e.Ino)
}
