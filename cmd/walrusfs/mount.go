package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/encoding"
	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/mountd"
	"github.com/walrusfs/walrusfs/walrus/connect"
)

type mountOptions struct {
	net                       networkFlags
	http                      httpFlags
	manifest                  string // with --aggregator: the tree to start from
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
	apiListen                 string
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
` + fmt.Sprint(mountd.EmbeddedNodes) + ` storage nodes inside this process, keeping their data under the state
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

With --publisher URL --aggregator URL it uses Walrus over HTTP, as Walrus
Testnet's public publishers and aggregators are used, with no wallet and no
chain: blobs are stored through the publisher (files are cut into chunks
below --publisher-max-body) and read through the aggregator, each verified
against its blob ID (--n-shards must be the network's: 1000 on Testnet and
Mainnet). The publisher pays for the blobs and owns them, so they are never
renewed nor deleted: they last --epochs. The tree's latest manifest blob ID
is printed when published and kept in the state directory; on another
machine, --manifest BLOB_ID (with --identity, unless --public) mounts that
tree from the aggregator. --aggregator alone mounts read-only.
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
	addHTTPFlags(cmd, &o.http, true, true)
	f.StringVar(&o.manifest, "manifest", "", "with --aggregator: mount the tree of this manifest blob ID (published elsewhere) when this state has none yet")
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
	f.StringVar(&o.apiListen, "api-listen", "", "host:port to serve Walrus's aggregator API (reads) for the mount's network on, as \"walrusfs serve\" does; none when empty")
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

// runMount checks the flags and runs the mount until it is unmounted or
// interrupted (see package mountd).
func runMount(cmd *cobra.Command, g *globals, o *mountOptions, dir string) error {
	ctx := cmd.Context()
	log, err := g.logger(cmd.ErrOrStderr(), slog.LevelWarn) // quiet unless asked, like rclone mount
	if err != nil {
		return err
	}
	if err := checkMountFlags(o); err != nil {
		return err
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return usageError{fmt.Errorf("no DIR given and no home directory: %w", err)}
		}
		dir = filepath.Join(home, "walrus")
	}
	if o.state == "" {
		if o.state, err = defaultStateDir(); err != nil {
			return err
		}
	}
	host := mountd.Host{
		LockDir:    lockDir,
		Listen:     listen,
		ServeSui:   serveEmbeddedFace,
		Passphrase: func() (string, error) { return readPassphrase(cmd, false) },
		Ready:      tellReady,
	}
	if o.metrics != "" {
		host.Registry = newRegistry()
		host.MetricsHandler = metricsHandler(host.Registry, log)
	}
	err = mountd.Run(ctx, hurried(ctx), o.mountdOptions(dir, log, cmd.ErrOrStderr()), host)
	if errors.As(err, new(*connect.OptionsError)) {
		return usageError{err} // network flags that exclude each other, or none found
	}
	return err
}

// mountdOptions returns the flags as package mountd takes them.
func (o *mountOptions) mountdOptions(dir string, log *slog.Logger, notices io.Writer) mountd.Options {
	return mountd.Options{
		Dir: dir, State: o.state,
		Network: o.net.options(), SuiListen: o.suiListen,
		HTTP: o.httpOptions(),
		Name: o.name, Snapshot: o.snapshot,
		Public: o.public, IdentityFile: o.identityFile,
		ReadOnly: o.readOnly, AllowOther: o.allowOther,
		UID: o.uid, GID: o.gid, Umask: uint32(o.umask),
		NoPassthrough: o.noPassthru, AttrTimeout: o.attrTimeout, EntryTimeout: o.entryTimeout,
		CacheSize: o.cacheSize, CacheDir: o.cacheDir, MemoryCache: o.memoryCache, MinFree: o.minFree,
		ChunkSize: o.chunkSize, Epochs: o.epochs, KeepEpochs: o.keepEpochs,
		Permanent: o.permanent, KeepSnapshots: o.keepSnapshots, GCGrace: o.gcGrace,
		CommitInterval: o.commitInterval, WriteBack: o.writeBack, PublishAfter: o.settle,
		NoDrain: o.noDrain, DrainTimeout: o.drainFor,
		MetricsListen: o.metrics, APIListen: o.apiListen,
		Log: log, Notices: notices,
	}
}

// httpOptions are the flags of Walrus over HTTP as package mountd takes
// them.
func (o *mountOptions) httpOptions() mountd.HTTPOptions {
	return mountd.HTTPOptions{Publisher: o.http.publisher, Aggregator: o.http.aggregator, NShards: o.http.nShards,
		MaxBody: o.http.maxBody, Manifest: o.manifest}
}

// checkMountFlags refuses bad flag values before anything is created on
// disk or on the network.
func checkMountFlags(o *mountOptions) error {
	if err := o.http.check(o.net); err != nil {
		return err
	}
	if err := o.httpOptions().Check(o.readOnly || o.snapshot != ""); err != nil {
		return usageError{err}
	}
	if o.suiListen != "" {
		if o.net.suiChosen() || o.net.devnetChosen() || o.http.chosen() {
			return usageError{errors.New("--sui-listen serves the embedded network; it does not go with --network or --config")}
		}
		if err := listenFlag("sui-listen", o.suiListen); err != nil {
			return err
		}
	}
	if o.apiListen != "" {
		if o.http.chosen() {
			return usageError{errors.New("--api-listen serves the mount's network; over --publisher/--aggregator, use that aggregator")}
		}
		if err := listenFlag("api-listen", o.apiListen); err != nil {
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

func newUmountCmd() *cobra.Command {
	var lazy bool
	cmd := &cobra.Command{
		Use:   "umount [-z] DIR",
		Short: "Unmount a walrusfs mount (its process then drains its upload queue and exits)",
		Args:  exactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return mountd.Unmount(args[0], lazy) },
	}
	cmd.Flags().BoolVarP(&lazy, "lazy", "z", false, "detach now, even while the mount is busy; it goes once no longer in use")
	return cmd
}
