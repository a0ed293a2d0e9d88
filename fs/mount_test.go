package fs_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// testMount is a real FUSE mount over an in-process network.
type testMount struct {
	Dir      string
	State    string
	Net      *embedded.Network
	FS       *walrusfs.FS
	Meta     *meta.Store
	Uploader *cache.Uploader
	Reader   *cache.Reader
	Data     cache.Files
	// Logs holds what the file system and the uploader logged.
	Logs    *testutil.SyncBuffer
	unmount func()
}

// noPassthroughEnv, when set, turns FUSE passthrough off in test mounts, as
// for users without the privileges it needs.
const noPassthroughEnv = "WALRUSFS_TEST_NO_PASSTHROUGH"

// bothModes runs fn with passthrough on (the default) and off.
func bothModes(t *testing.T, fn func(t *testing.T)) {
	t.Run("passthrough", fn)
	t.Run("no-passthrough", func(t *testing.T) {
		t.Setenv(noPassthroughEnv, "1")
		fn(t)
	})
}

// requireFUSE skips when this machine cannot mount.
func requireFUSE(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
}

// startNet starts a small network for mounts: 4 nodes, 16 shards.
func startNet(t testing.TB) *embedded.Network {
	t.Helper()
	n, err := embedded.Start(context.Background(), embedded.Config{Dir: t.TempDir(), Nodes: 4, NShards: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// mount mounts a file system kept in state over the network; the mount is
// undone when the test ends, whatever its outcome.
func mount(t testing.TB, n *embedded.Network, state string, cacheBytes int64) *testMount {
	return mountWith(t, n, state, cacheBytes, 1<<20)
}

// mountWith is mount with a chunk size.
func mountWith(t testing.TB, n *embedded.Network, state string, cacheBytes int64, chunkSize int) *testMount {
	return mountOpts(t, n, state, cacheBytes, chunkSize, filepath.Join(state, "data"), 0)
}

// mountOpts is mount with a chunk size, a data directory and the space the
// mount keeps free there.
func mountOpts(t testing.TB, n *embedded.Network, state string, cacheBytes int64, chunkSize int, dataDir string, minFree int64) *testMount {
	t.Helper()
	requireFUSE(t)
	m, err := meta.Open(filepath.Join(state, "meta"), uint32(os.Getuid()), uint32(os.Getgid()), nil)
	if err != nil {
		t.Fatal(err)
	}
	files := cache.Files{Dir: dataDir}
	if err := os.MkdirAll(files.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c := n.Client(chain.Address{0xf5}, client.Options{})
	reader := cache.NewReader(c, cache.ReaderOptions{MaxBytes: cacheBytes, Window: 64 << 10, Timeout: 20 * time.Second})
	tm := &testMount{Dir: t.TempDir(), State: state, Net: n, Meta: m, Reader: reader, Data: files, Logs: &testutil.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(tm.Logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tm.Uploader = cache.NewUploader(m, m.Book(), files, c, cache.UploaderOptions{ChunkSize: chunkSize, NShards: n.NShards(), Epochs: 5, Logger: log,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second})
	tm.FS, err = walrusfs.New(walrusfs.Config{Passthrough: os.Getenv(noPassthroughEnv) == "", MinFree: minFree, Meta: m, Files: files, Reader: reader, Uploader: tm.Uploader,
		Sum: tm.Uploader.Sum, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := tm.FS.Mount(tm.Dir, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	maintained := make(chan struct{})
	go func() { defer close(done); tm.Uploader.Run(ctx, tm.FS) }()
	go func() { defer close(maintained); tm.FS.Maintain(ctx, 500*time.Millisecond) }()
	committed := make(chan struct{})
	go func() { defer close(committed); tm.FS.CommitEvery(ctx, walrusfs.DefaultCommitInterval) }()
	unmounted := false
	tm.unmount = func() {
		if unmounted {
			return
		}
		unmounted = true
		for i := 0; i < 50; i++ {
			if err := srv.Unmount(); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		<-done
		<-maintained
		<-committed
		m.Close()
	}
	t.Cleanup(tm.unmount)
	return tm
}

// drain waits until every queued file is certified.
func (tm *testMount) drain(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := tm.Uploader.Drain(ctx, nil); err != nil {
		q, _ := tm.Meta.Book().Queue()
		for _, e := range q {
			in, _ := tm.Meta.Inode(e.Ino)
			t.Logf("queued: %+v; inode version %d certified %d; busy %v", e, in.Version, in.Certified, tm.FS.Busy(e.Ino))
		}
		t.Fatalf("drain: %v", err)
	}
}
