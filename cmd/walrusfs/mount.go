package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/crypt/mountkeys"
	"github.com/walrusfs/walrusfs/encoding"
	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/mountstatus"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// The embedded network of a mount without --network.
const (
	embeddedNodes  = 4
	embeddedShards = 100
	// embeddedEpoch is the epoch length of a new embedded network: Walrus
	// Testnet's day, so that storage runs out and renewal matters as it
	// does there. Epochs advance while the mount runs, the overdue one at
	// start-up.
	embeddedEpoch = 24 * time.Hour
)

type mountOptions struct {
	net                       networkFlags
	state                     string
	allowOther                bool
	uid, gid                  int64
	umask                     modeFlag
	readOnly                  bool
	cacheSize                 int64
	memoryCache               int64
	cacheDir                  string
	chunkSize                 int64
	epochs                    uint32
	noDrain                   bool
	options                   []string // -o
	attrTimeout, entryTimeout time.Duration
	daemon                    bool
	drainFor                  time.Duration
	commitInterval            time.Duration
	writeBack                 time.Duration
	metrics                   string
	name                      string
	snapshot                  string
	settle                    time.Duration
	noPassthru                bool
	minFree                   int64
	suiListen                 string
	keepEpochs                uint32
	// Encryption.
	public       bool
	identityFile string
	// Reclaiming storage.
	permanent     bool
	keepSnapshots int
	gcGrace       time.Duration
}

func newMountCmd(g *globals) *cobra.Command {
	o := &mountOptions{}
	cmd := &cobra.Command{
		Use:   "mount [DIR]",
		Short: "Mount the file system on DIR (default ~/walrus) and serve it until interrupted",
		Long: `mount serves a file system whose files are Walrus blobs on DIR (default
~/walrus), in the foreground, until Ctrl-C, SIGTERM or "walrusfs umount DIR".

Without --network or --config it runs on an embedded network: a ledger and
` + fmt.Sprint(embeddedNodes) + ` storage nodes inside this process, keeping their data under the state
directory, with epochs of a day as on Walrus Testnet (with --sui-listen it also serves that network as Sui, for the
official SDK). With --config (and --context, --wallet) it uses Walrus on Sui
as a Walrus user's client_config.yaml and Sui wallet describe it — Testnet,
Mainnet, or a devnet's DIR/client_config.yaml — paying for storage with the
wallet's WAL and SUI; with --network it uses a devnet's ledger directly.

Writes land in a local cache. A file whose close returned survives the
mount's process being killed; it survives a power cut once fsync returned,
or --commit-interval (1s) after its close, when the mount syncs what was
closed (as ext4 commits its journal every 5 s). A closed file is uploaded in
the background, and points at its blobs once they are certified. On exit, the upload queue is drained first (showing its
progress) for at most --drain-timeout unless --no-drain is given; a second
Ctrl-C or SIGTERM stops waiting at once. What is left stays queued, and
resumes at the next mount.

Every Walrus blob is public, so everything is encrypted before it leaves
the machine: each file (each chunk of a large one, each small file of a
shared blob) and the tree's manifest is a standard age file
(age-encryption.org), padded so that sizes say little, encrypted to your
identity, a hybrid post-quantum age key the first mount creates in
STATE/keys/identity.txt. Losing it loses the data: back it up with "walrusfs
key export --passphrase"; on another machine, "walrusfs key import" or
--identity FILE opens the tree, which is rebuilt from the network. A wrong
or missing identity fails at mount time. --public stores files and the tree
as they are, readable by anyone who learns a blob ID.

State (tree, upload queue, cached content, keys, the embedded network) lives
in --state, by default $XDG_DATA_HOME/walrusfs (~/.local/share/walrusfs).

Once changes settle (every file certified, no change for --publish-after)
and at exit, the tree is written to the network as a manifest blob, and the
chain's record for --name points at it (on Sui: Walrus blob attributes on the
manifest's Blob object, owned by the wallet). A mount whose local tree is gone
rebuilds it from that manifest; --snapshot MANIFEST mounts a past one
read-only.
The mount is private to its user unless --allow-other is given.

Flags can also be given as mount options, as mount(8) and fstab write them:
-o allow_other,ro,cache_size=20G,name=photos (each option a flag, with _
for -; flags given outright win).`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			}
			if err := applyMountOptions(cmd.Flags(), o.options); err != nil {
				return err
			}
			if o.state != "" {
				// The embedded network's node keys derive from its path:
				// the same state must be the same path wherever it is
				// mounted from.
				abs, err := filepath.Abs(o.state)
				if err != nil {
					return usageError{fmt.Errorf("--state: %w", err)}
				}
				o.state = abs
			}
			if o.daemon && os.Getenv(readyFDEnv) == "" {
				if err := checkMountFlags(o); err != nil {
					return err
				}
				logPath := g.logFile
				if logPath == "" {
					state := o.state
					if state == "" {
						var err error
						if state, err = defaultStateDir(); err != nil {
							return err
						}
					}
					logPath = filepath.Join(state, "mount.log")
				}
				return daemonize(withoutDaemonFlag(commandLine), logPath, cmd.ErrOrStderr())
			}
			return runMount(cmd, g, o, dir)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.daemon, "daemon", false, "mount in the background: return once the file system is mounted (logs to --log-file, else STATE/mount.log)")
	f.StringArrayVarP(&o.options, "option", "o", nil, "mount options, as mount(8) and fstab write them: -o allow_other,ro,cache_size=20G (each a flag of this command, with _ for -)")
	addNetworkFlags(cmd, &o.net)
	f.StringVar(&o.state, "state", "", "state directory (default $XDG_DATA_HOME/walrusfs)")
	f.BoolVar(&o.allowOther, "allow-other", false, "let other users use the mount (needs user_allow_other in /etc/fuse.conf unless root)")
	f.Int64Var(&o.uid, "uid", -1, "show every file as owned by this user ID (-1: as stored), as rclone's --uid")
	f.Int64Var(&o.gid, "gid", -1, "show every file as owned by this group ID (-1: as stored)")
	f.Var(&o.umask, "umask", "clear these permission bits (octal, e.g. 022) of every file as shown; stored modes are kept")
	f.BoolVar(&o.readOnly, "read-only", false, "refuse every change")
	o.cacheSize = 10 << 30
	f.Var((*sizeFlag)(&o.cacheSize), "cache-size", "content read from the network kept on disk, across restarts, for reading again (bytes, or with K, M, G, T: 20G; 0: none)")
	f.StringVar(&o.cacheDir, "cache-dir", "", "where the read cache lives (default: STATE/fs/.../readcache)")
	o.memoryCache = 256 << 20
	f.Var((*sizeFlag)(&o.memoryCache), "memory-cache", "content read from the network kept in memory")
	o.chunkSize = 64 << 20
	f.Var((*sizeFlag)(&o.chunkSize), "chunk-size", "largest blob a file is cut into (also bounded by the network's largest blob)")
	f.Uint32Var(&o.epochs, "epochs", 52, "epochs to store each new blob for")
	f.BoolVar(&o.public, "public", false, "store files and the tree unencrypted, readable by anyone who learns their blob IDs (default: encrypted to your identity, as age files)")
	f.StringVar(&o.identityFile, "identity", "", "the age identity file that opens the tree (default: STATE/keys/identity.txt, created on first use)")
	f.BoolVar(&o.permanent, "permanent", false, "store permanent blobs, which cannot be deleted: the storage of deleted and overwritten files is then not reclaimed")
	f.IntVar(&o.keepSnapshots, "keep-snapshots", 3, "keep this many published manifests (snapshots of the tree, with the content they point at); older ones are deleted and their storage reclaimed")
	f.DurationVar(&o.gcGrace, "gc-grace", 10*time.Minute, "how long content no file points at is kept before its blob is deleted and its storage reclaimed")
	f.Uint32Var(&o.keepEpochs, "keep-epochs", 0, "keep the tree's blobs stored this many epochs ahead, renewing each once fewer than half are left (default --epochs)")
	f.BoolVar(&o.noDrain, "no-drain", false, "exit without waiting for queued uploads (they resume at the next mount)")
	f.DurationVar(&o.commitInterval, "commit-interval", walrusfs.DefaultCommitInterval, "how often closed files and changes of the tree are synced to disk: what a power cut can lose (fsync'd files are synced at once)")
	f.DurationVar(&o.writeBack, "write-back", 5*time.Second, "how long a closed file waits before its upload starts, as rclone's --vfs-write-back (a file changed meanwhile waits again)")
	f.DurationVar(&o.drainFor, "drain-timeout", 10*time.Minute, "at exit, wait at most this long for queued uploads (the rest resume at the next mount)")
	f.StringVar(&o.metrics, "metrics-listen", "", "host:port to serve Prometheus metrics on (/metrics); none when empty")
	f.StringVar(&o.name, "name", "default", "the file system's name: the chain keeps its latest manifest under it, for this account")
	f.StringVar(&o.snapshot, "snapshot", "", "mount the tree of this manifest blob ID read-only")
	f.DurationVar(&o.settle, "publish-after", 5*time.Second, "publish the tree's manifest once changes stopped for this long")
	o.minFree = 256 << 20
	f.Var((*sizeFlag)(&o.minFree), "min-free", "space kept free on the state directory's disk: writes that would eat into it fail with ENOSPC, and local copies of certified files are dropped to keep twice that free")
	f.DurationVar(&o.attrTimeout, "attr-timeout", time.Second, "how long the kernel may cache file attributes (every change comes through the mount)")
	f.DurationVar(&o.entryTimeout, "entry-timeout", time.Second, "how long the kernel may cache names in directories")
	f.BoolVar(&o.noPassthru, "no-passthrough", false, "serve reads and writes of local content through this process, not by FUSE passthrough")
	f.StringVar(&o.suiListen, "sui-listen", "", "with the embedded network: serve its ledger as Sui gRPC (and gRPC-Web) on host:port, and write a Walrus client configuration with a funded key to STATE/network/client_config.yaml, for the official SDK and `walrusfs --config`")
	return cmd
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MaximumNArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// defaultStateDir is $XDG_DATA_HOME/walrusfs, or ~/.local/share/walrusfs.
func defaultStateDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "walrusfs"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory for the state: %w (use --state)", err)
	}
	return filepath.Join(home, ".local", "share", "walrusfs"), nil
}

func runMount(cmd *cobra.Command, g *globals, o *mountOptions, dir string) error {
	ctx := cmd.Context()
	log, err := g.logger(cmd.ErrOrStderr(), slog.LevelWarn) // quiet unless asked, like rclone mount
	if err != nil {
		return err
	}
	if err := checkMountFlags(o); err != nil {
		return err
	}
	if dir, err = mountPoint(dir, log); err != nil {
		return err
	}
	if o.state == "" {
		if o.state, err = defaultStateDir(); err != nil {
			return err
		}
	}
	nw, err := openMountNetwork(ctx, o, log)
	if err != nil {
		return err
	}
	defer nw.close()
	c, ch, owner, kind, nShards, wallet := nw.client, nw.chain, nw.owner, nw.kind, nw.nShards, nw.wallet
	maxAhead, renewInterval, costPerEpoch := nw.maxAhead, nw.renewInterval, nw.costPerEpoch
	tree, err := openMountTree(ctx, cmd, o, nw, log)
	if err != nil {
		return err
	}
	defer tree.close()
	fsDir, metaDir, keys := tree.fsDir, tree.metaDir, tree.keys

	maxBlob, err := encoding.MaxBlobSize(nShards)
	if err != nil {
		return err
	}
	chunkSize := min(uint64(o.chunkSize), maxBlob)

	m, err := meta.Open(metaDir, uint32(os.Getuid()), uint32(os.Getgid()), log)
	if err != nil {
		return err
	}
	defer m.Close()
	files := cache.Files{Dir: filepath.Join(fsDir, "data")}
	if err := os.MkdirAll(files.Dir, 0o700); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := mountkeys.CheckTree(m, keys); err != nil {
		return err
	}
	var disk *cache.DiskCache
	if o.cacheSize > 0 {
		dir := cmp.Or(o.cacheDir, filepath.Join(fsDir, "readcache"))
		if disk, err = cache.OpenDiskCache(dir, o.cacheSize, o.minFree, log.With("component", "readcache")); err != nil {
			return err
		}
		defer disk.Close()
	}
	reader := cache.NewReader(c, cache.ReaderOptions{MaxBytes: o.memoryCache, Disk: disk, Identities: keys.Identities(), Logger: log.With("component", "reader")})
	stored := cache.RecordingStorer{BlobStorer: c, Book: m.Book()}
	renewer := cache.NewRenewer(m.Book(), ch, cache.RenewerOptions{
		Keep: cmp.Or(o.keepEpochs, o.epochs), MaxAhead: maxAhead, Interval: renewInterval, CostPerEpoch: costPerEpoch, Logger: log.With("component", "renewer"),
		// The kept snapshots, their manifests and what they point at.
		Also: func() []encoding.BlobID {
			var out []encoding.BlobID
			snaps, _ := m.Book().Snapshots()
			for _, s := range snaps {
				out = append(append(out, s.Manifest), s.Blobs...)
			}
			if pub, err := m.Book().Published(); err == nil {
				if id, err := encoding.ParseBlobID(pub.Manifest); err == nil {
					out = append(out, id)
				}
			}
			return out
		},
	})
	var inUse sync.RWMutex
	collector := cache.NewCollector(m.Book(), ch, cache.CollectorOptions{Grace: o.gcGrace, InUse: &inUse, Logger: log.With("component", "collector")})
	uploader := cache.NewUploader(m, m.Book(), files, stored, cache.UploaderOptions{
		Fresh: renewer.Fresh, Deletable: !o.permanent, InUse: &inUse, Seal: keys.Seal(), Sum: keys.Sum(),
		ChunkSize: int(chunkSize), Epochs: o.epochs, WriteBack: o.writeBack, Logger: log.With("component", "uploader"),
	})
	fsys, err := walrusfs.New(walrusfs.Config{Meta: m, Files: files, Reader: reader, Uploader: uploader,
		ReadOnly: o.readOnly, Passthrough: !o.noPassthru, MinFree: o.minFree, Public: o.public, AttrTimeout: noneIfZero(o.attrTimeout), EntryTimeout: noneIfZero(o.entryTimeout), Sum: uploader.Sum,
		Shown:  walrusfs.Shown{UID: uint32(o.uid), GID: uint32(o.gid), SetUID: o.uid >= 0, SetGID: o.gid >= 0, Umask: uint32(o.umask)},
		Logger: log.With("component", "fs")})
	if err != nil {
		return err
	}
	srv, err := fsys.Mount(dir, o.allowOther)
	if err != nil {
		return err
	}
	recipients := 0 // public
	if ring := keys.Ring(); ring != nil {
		recipients = len(ring.Recipients)
	}
	src := mountstatus.NewSource(mountstatus.Config{Mount: dir, StateDir: fsDir, Kind: kind, Since: time.Now(), Recipients: recipients,
		Meta: m, FS: fsys, Uploader: uploader, Reader: reader, Files: files, Chain: ch, Wallet: wallet, Renewer: renewer, Collector: collector})
	stopStatus, err := mountstatus.Serve(ctx, src, log)
	if err != nil {
		_ = srv.Unmount()
		return err
	}
	defer stopStatus()
	if o.metrics != "" {
		reg := newRegistry()
		mountstatus.RegisterMetrics(reg, src)
		lis, err := listen(ctx, o.metrics, 5*time.Second)
		if err != nil {
			_ = srv.Unmount()
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		msrv := &http.Server{Handler: metricsHandler(reg, log), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = msrv.Serve(lis) }()
		defer msrv.Close()
	}
	upCtx, stopUploads := context.WithCancel(context.Background())
	uploadsDone := make(chan struct{})
	go func() {
		defer close(uploadsDone)
		uploader.Run(upCtx, fsys)
	}()
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		fsys.Maintain(upCtx, 5*time.Second)
	}()
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		fsys.CommitEvery(upCtx, o.commitInterval)
	}()
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		if o.snapshot == "" && !o.readOnly {
			renewer.Run(upCtx)
		}
	}()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		if o.snapshot == "" && !o.readOnly && !o.permanent {
			collector.Run(upCtx, min(renewInterval, max(o.gcGrace/2, time.Second)))
		}
	}()
	defer func() {
		stopUploads()
		<-uploadsDone
		<-maintained
		<-committed
		<-renewed
		<-collected
	}()
	var pub *manifest.Publisher
	if o.snapshot == "" && !o.readOnly {
		pub = &manifest.Publisher{Meta: m, Blobs: recordingBlobs{RecordingStorer: stored, reader: c}, Chain: ch, Owner: owner, Name: o.name, Epochs: o.epochs,
			Settle: o.settle, Deletable: !o.permanent, KeepSnapshots: o.keepSnapshots, Seal: keys.Seal(), Logger: log.With("component", "manifest")}
		src.SetPublisher(pub)
		pubCtx, stopPub := context.WithCancel(context.Background())
		pubDone := make(chan struct{})
		go func() {
			defer close(pubDone)
			pub.Run(pubCtx)
		}()
		defer func() {
			stopPub()
			<-pubDone
		}()
	}
	log.Info("mounted", "dir", dir, "state", fsDir, "chunk_size", chunkSize, "allow_other", o.allowOther)
	fmt.Fprintf(cmd.ErrOrStderr(), "walrusfs: mounted on %s; Ctrl-C or \"walrusfs umount %s\" to stop\n", dir, dir)
	if err := tellReady(); err != nil {
		log.Warn("telling the starting process the mount is ready", "err", err)
	}

	served := make(chan struct{})
	go func() {
		srv.Wait()
		close(served)
	}()
	// The wait for uploads ends with the next signal: the second one if a
	// signal unmounted, else the first.
	stopWaiting := ctx
	select {
	case <-served: // unmounted from outside
	case <-ctx.Done():
		if err := unmount(srv, dir); err != nil {
			return err
		}
		<-served
		stopWaiting = hurried(ctx)
	}
	log.Info("unmounted", "dir", dir)
	if o.noDrain || pub == nil {
		return nil
	}
	return finishUploads(stopWaiting, cmd.ErrOrStderr(), o, fsys, uploader, pub)
}

// finishUploads, after unmounting, queues what a failed commit left,
// waits for the queue to drain (at most --drain-timeout, or until
// stopWaiting ends) and publishes the tree's manifest.
func finishUploads(stopWaiting context.Context, w io.Writer, o *mountOptions, fsys *walrusfs.FS, uploader *cache.Uploader, pub *manifest.Publisher) error {
	if err := fsys.Recover(); err != nil {
		return err
	}
	dctx, stop := context.WithTimeout(stopWaiting, o.drainFor)
	defer stop()
	if err := drain(dctx, w, uploader); err != nil {
		if stopWaiting.Err() != nil {
			return nil // asked to stop now: no publishing either
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
	pctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := pub.PublishNow(pctx); err != nil {
		return fmt.Errorf("publish the tree's manifest: %w", err)
	}
	return nil
}

// noneIfZero turns a timeout flag's 0 (no caching) into the file system's
// "none" (its 0 means the default).
func noneIfZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// checkMountFlags refuses bad flag values before anything is created on
// disk or on the network.
func checkMountFlags(o *mountOptions) error {
	if o.suiListen != "" {
		if o.net.suiChosen() || o.net.devnetChosen() {
			return usageError{errors.New("--sui-listen serves the embedded network; it does not go with --network or --config")}
		}
		if err := listenFlag("sui-listen", o.suiListen); err != nil {
			return err
		}
	}
	if o.chunkSize <= 0 || o.memoryCache <= 0 || o.cacheSize < 0 {
		return usageError{errors.New("--chunk-size and --memory-cache must be positive, --cache-size not negative")}
	}
	if o.name == "" {
		return usageError{errors.New("--name must not be empty")}
	}
	if o.keepSnapshots < 1 || o.gcGrace < 0 {
		return usageError{fmt.Errorf("--keep-snapshots %d must be at least 1, --gc-grace %v not negative", o.keepSnapshots, o.gcGrace)}
	}
	if o.attrTimeout < 0 || o.entryTimeout < 0 {
		return usageError{fmt.Errorf("--attr-timeout %v and --entry-timeout %v must not be negative", o.attrTimeout, o.entryTimeout)}
	}
	for _, id := range []struct {
		name string
		v    int64
	}{{"--uid", o.uid}, {"--gid", o.gid}} {
		if id.v < -1 || id.v >= math.MaxUint32 {
			return usageError{fmt.Errorf("%s %d: want a user or group ID, or -1", id.name, id.v)}
		}
	}
	if o.writeBack < 0 {
		return usageError{fmt.Errorf("--write-back %v must not be negative", o.writeBack)}
	}
	if o.commitInterval <= 0 {
		return usageError{fmt.Errorf("--commit-interval %v must be positive", o.commitInterval)}
	}
	if o.drainFor < 0 {
		return usageError{fmt.Errorf("--drain-timeout %v must not be negative", o.drainFor)}
	}
	if o.snapshot != "" {
		if _, err := encoding.ParseBlobID(o.snapshot); err != nil {
			return usageError{fmt.Errorf("--snapshot: %w", err)}
		}
	}
	return nil
}

// mountPoint returns the directory to mount on (~/walrus by default),
// made if missing; a dead mount left there by a killed process is detached.
func mountPoint(dir string, log *slog.Logger) (string, error) {
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", usageError{fmt.Errorf("no DIR given and no home directory: %w", err)}
		}
		dir = filepath.Join(home, "walrus")
	}
	// statfs is never answered from the kernel's caches: on a mount whose
	// process is gone it fails with ENOTCONN.
	var sfs syscall.Statfs_t
	if err := syscall.Statfs(dir, &sfs); errors.Is(err, syscall.ENOTCONN) {
		// Left mounted by a mount process that died (kill -9, a crash):
		// detach it, as its data is safe in the state directory.
		log.Warn("detaching a mount left by a process that is gone", "dir", dir)
		if err := detach(dir); err != nil {
			return "", fmt.Errorf("%s is a dead mount and cannot be detached: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("mount point: %w", err)
	}
	return dir, nil
}

// mountNetwork is the network a mount stores on, and where the state of
// its file systems on that network lives: one tree per network, as a
// tree's blobs live on one network.
type mountNetwork struct {
	client  *client.Client
	chain   chain.Chain
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
	closers       []func()
}

// close ends what the network holds, the client first: it ends the
// uploads that stores left to slow nodes before their connections close.
func (nw *mountNetwork) close() {
	if nw.client != nil {
		nw.client.Close()
	}
	for i := len(nw.closers) - 1; i >= 0; i-- {
		nw.closers[i]()
	}
}

// openMountNetwork starts the embedded network (by default) or connects
// to the one the flags name.
func openMountNetwork(ctx context.Context, o *mountOptions, log *slog.Logger) (_ *mountNetwork, err error) {
	nw := &mountNetwork{maxAhead: ledger.DefaultMaxEpochsAhead, renewInterval: 30 * time.Second}
	defer func() {
		if err != nil {
			nw.close()
		}
	}()
	if !o.net.suiChosen() && !o.net.devnetChosen() {
		netDir := filepath.Join(o.state, "network")
		if err := os.MkdirAll(netDir, 0o700); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		release, err := lockDir(filepath.Join(o.state, ".embedded.lock"))
		if err != nil {
			return nil, fmt.Errorf("state %s is in use by another mount: %w", o.state, err)
		}
		nw.closers = append(nw.closers, release)
		n, err := embedded.Open(ctx, embedded.Config{Dir: netDir, Nodes: embeddedNodes, NShards: embeddedShards,
			EpochDuration: embeddedEpoch, Logger: log.With("component", "network")})
		if err != nil {
			return nil, fmt.Errorf("embedded network: %w", err)
		}
		nw.closers = append(nw.closers, n.Close)
		if o.suiListen != "" {
			stop, cfgPath, err := serveEmbeddedFace(ctx, o.suiListen, netDir, n.Ledger, log)
			if err != nil {
				return nil, err
			}
			nw.closers = append(nw.closers, stop)
			log.Info("embedded network served as Sui", "listen", o.suiListen, "config", cfgPath)
		}
		nw.owner = chain.Address{0xf5}
		nw.chain, nw.kind = n.Chain(nw.owner), "embedded"
		nw.client = client.New(nw.chain, client.Options{Logger: log.With("component", "client")})
		nw.nShards = embeddedShards
		nw.fsDir = filepath.Join(o.state, "fs", "embedded")
		log.Info("embedded network up", "dir", netDir, "nodes", embeddedNodes, "shards", embeddedShards)
		return nw, nil
	}
	conn, err := connectNetwork(ctx, o.net, log)
	if err != nil {
		return nil, err
	}
	nw.closers = append(nw.closers, func() { conn.Close() })
	nw.owner = conn.Owner
	nw.chain, nw.kind = conn.Chain, conn.What
	nw.client = client.New(nw.chain, client.Options{Logger: log.With("component", "client")})
	nw.nShards = conn.Committee.NShards
	nw.fsDir = filepath.Join(o.state, "fs", conn.ID)
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

// mountTree is where a mounted tree's state lives and the keys it is
// encrypted with.
type mountTree struct {
	fsDir, metaDir string
	keys           mountkeys.Keys
	closers        []func()
}

func (t *mountTree) close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

// openMountTree readies the tree to mount: a snapshot's, loaded from its
// manifest into a tree of its own, or the live one, locked for this mount
// and rebuilt from the network if it was lost. An identity is created
// only when no tree on the network needs another one.
func openMountTree(ctx context.Context, cmd *cobra.Command, o *mountOptions, nw *mountNetwork, log *slog.Logger) (_ *mountTree, err error) {
	t := &mountTree{fsDir: filepath.Join(nw.fsDir, o.name)}
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	if err := os.MkdirAll(t.fsDir, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	t.metaDir = filepath.Join(t.fsDir, "meta")
	keys, haveKeys, err := mountkeys.Open(o.state, o.identityFile, o.public, func() (string, error) { return readPassphrase(cmd, false) })
	if err != nil {
		return nil, err
	}
	if o.snapshot != "" {
		// A past tree, read-only, beside any live mount of the same state.
		id, _ := encoding.ParseBlobID(o.snapshot) // checked with the flags
		removeStaleSnapshots(t.fsDir, log)
		snapDir, err := os.MkdirTemp(t.fsDir, "snapshot-")
		if err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		t.closers = append(t.closers, func() { os.RemoveAll(snapDir) })
		// Held while mounted: a later mount removes only unheld ones.
		release, err := lockDir(filepath.Join(snapDir, snapshotLock))
		if err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		t.closers = append(t.closers, release)
		tree, err := manifest.Fetch(ctx, nw.client, id, keys.Identities())
		if errors.Is(err, manifest.ErrEncrypted) {
			return nil, mountkeys.ErrNeedIdentity
		}
		if err != nil {
			return nil, err
		}
		t.metaDir, t.fsDir, o.readOnly = filepath.Join(snapDir, "meta"), snapDir, true
		if err := manifest.LoadTree(t.metaDir, tree, nil, log); err != nil {
			return nil, err
		}
		log.Info("mounting a snapshot", "manifest", id, "inodes", len(tree.Inodes))
	} else {
		release, err := lockDir(filepath.Join(t.fsDir, ".mount.lock"))
		if err != nil {
			return nil, fmt.Errorf("state %s is in use by another mount: %w", t.fsDir, err)
		}
		t.closers = append(t.closers, release)
		removeStaleSnapshots(t.fsDir, log)
		_, err = manifest.RestoreIfLost(ctx, t.metaDir, filepath.Join(t.fsDir, "data"), nw.chain, nw.client, nw.owner, o.name, keys.Identities(), log)
		if errors.Is(err, manifest.ErrEncrypted) {
			return nil, mountkeys.ErrNeedIdentity
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveKeys {
		// No tree on the network needs another identity: this one is new.
		if keys, err = mountkeys.Create(o.state, cmd.ErrOrStderr()); err != nil {
			return nil, err
		}
	}
	t.keys = keys
	return t, nil
}

// snapshotLock is the lock file a --snapshot mount holds in its tree's
// directory while it runs.
const snapshotLock = ".snapshot.lock"

// removeStaleSnapshots removes the snapshot trees that killed --snapshot
// mounts left in a file system's state directory: those whose lock no
// running mount holds.
func removeStaleSnapshots(fsDir string, log *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(fsDir, "snapshot-*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Minute {
			continue // maybe a mount starting now, before it locks
		}
		release, err := lockDir(filepath.Join(d, snapshotLock))
		if err != nil {
			continue // in use, or not ours to judge
		}
		err = os.RemoveAll(d)
		release()
		if err != nil {
			log.Warn("removing a snapshot tree a killed mount left", "dir", d, "err", err)
			continue
		}
		log.Info("removed a snapshot tree a killed mount left", "dir", d)
	}
}

// unmount unmounts, retrying a busy mount for a while.
func unmount(srv *fuse.Server, dir string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = srv.Unmount(); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("unmount %s (is it busy?): %w", dir, err)
}

// drain waits for the upload queue to empty, showing its progress, until
// ctx ends; what is left then stays queued, and the user is told so.
func drain(ctx context.Context, w io.Writer, u *cache.Uploader) error {
	last := time.Time{}
	left := 0
	err := u.Drain(ctx, func(files int, bytes int64, errs []string) {
		left = files
		if time.Since(last) < 2*time.Second {
			return
		}
		last = time.Now()
		msg := fmt.Sprintf("walrusfs: waiting for %d file(s), %s, to upload (Ctrl-C to leave them queued for the next mount)", files, formatBytes(bytes))
		if len(errs) > 0 {
			msg += "; last error: " + errs[len(errs)-1]
		}
		fmt.Fprintln(w, msg)
	})
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(w, "walrusfs: stopped waiting: %d file(s) stay queued, and upload at the next mount\n", left)
	}
	if err != nil {
		return fmt.Errorf("drain the upload queue: %w", err)
	}
	return nil
}

// detach lazily unmounts dir, with fusermount when there is one.
func detach(dir string) error { return fuseUnmount(dir, true) }

// fuseUnmount unmounts a FUSE mount with fusermount3 (or fusermount), which
// lets users unmount their own mounts, or with umount(2) as root; lazy
// detaches it even while busy or dead.
func fuseUnmount(dir string, lazy bool) error {
	args := []string{"-u", dir}
	flags := 0
	if lazy {
		args = []string{"-u", "-z", dir}
		flags = syscall.MNT_DETACH
	}
	for _, prog := range []string{"fusermount3", "fusermount"} {
		if path, err := exec.LookPath(prog); err == nil {
			if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
				return fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, bytes.TrimSpace(out))
			}
			return nil
		}
	}
	if err := syscall.Unmount(dir, flags); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

func newUmountCmd() *cobra.Command {
	var lazy bool
	cmd := &cobra.Command{
		Use:   "umount [-z] DIR",
		Short: "Unmount a walrusfs mount (its process then drains its upload queue and exits)",
		Args:  exactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return fuseUnmount(args[0], lazy) },
	}
	cmd.Flags().BoolVarP(&lazy, "lazy", "z", false, "detach now, even while the mount is busy; it goes once no longer in use")
	return cmd
}

// recordingBlobs stores (recording each blob for renewal) and reads blobs,
// for the manifest publisher.
type recordingBlobs struct {
	cache.RecordingStorer
	reader *client.Client
}

func (b recordingBlobs) Read(ctx context.Context, id encoding.BlobID) ([]byte, error) {
	return b.reader.Read(ctx, id)
}
