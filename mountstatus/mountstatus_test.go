package mountstatus

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// fakeChain answers Committee only, which is all the status asks.
type fakeChain struct {
	chain.Chain
	com *chain.Committee
}

func (c fakeChain) Committee(context.Context) (*chain.Committee, error) { return c.com, nil }

// testSource is a source over an empty tree whose network has one node
// up and one down, each with half of the 10 shards.
func testSource(t *testing.T, stateDir string, recipients int) *Source {
	t.Helper()
	m, err := meta.Open(filepath.Join(stateDir, "meta"), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(up.Close)
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	com := &chain.Committee{Epoch: 7, NShards: 10, Members: []chain.Node{
		{Name: "up", Address: strings.TrimPrefix(up.URL, "http://"), Shards: []uint16{0, 1, 2, 3, 4}},
		{Name: "down", Address: gone.Addr().String(), Shards: []uint16{5, 6, 7, 8, 9}},
	}}
	files := cache.Files{Dir: filepath.Join(stateDir, "data")}
	if err := os.MkdirAll(files.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(files.Dir, "1"), make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	return NewSource(Config{Mount: "/mnt/x", StateDir: stateDir, Kind: "embedded", Since: time.Now(), Recipients: recipients,
		Meta: m, Uploader: cache.NewUploader(m, m.Book(), files, nil, cache.UploaderOptions{}),
		Reader: cache.NewReader(nil, cache.ReaderOptions{}), Files: files, Chain: fakeChain{com: com}})
}

// TestServeAndCollect: a served status reaches Collect whole; sockets no
// mount answers on are skipped; stopping removes the socket.
func TestServeAndCollect(t *testing.T) {
	ctx := context.Background()
	state := t.TempDir()
	treeDir := filepath.Join(state, "fs", "net", "tree")
	if err := os.MkdirAll(treeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(state, "fs", "net", "gone", SocketName)
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	stop, err := Serve(ctx, testSource(t, treeDir, 2), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(treeDir, SocketName)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v %v", fi, err)
	}
	all, err := Collect(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("got %d statuses, want 1: %+v", len(all), all)
	}
	st := all[0]
	if st.Mount != "/mnt/x" || st.State != treeDir || st.PID != os.Getpid() || st.Encryption != "private" || st.Recipients != 2 {
		t.Errorf("status: %+v", st)
	}
	n := st.Network
	if n.Kind != "embedded" || n.Epoch != 7 || n.Shards != 10 || n.ShardsUp != 5 || !n.CanRead || n.CanWrite || len(n.Nodes) != 2 ||
		!n.Nodes[0].Up || n.Nodes[1].Up || n.Nodes[1].Error == "" {
		t.Errorf("network: %+v", n)
	}
	if st.Queue.Entries == nil || st.Queue.Files != 0 || st.Cache.LocalFiles != 1 || st.Cache.LocalBytes != 100 || st.Cache.DiskFree <= 0 {
		t.Errorf("queue %+v, cache %+v", st.Queue, st.Cache)
	}

	stop()
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after stop: %v", err)
	}
	if all, err := Collect(ctx, state); err != nil || len(all) != 0 {
		t.Errorf("after stop: %+v %v", all, err)
	}
}

func TestPublicMount(t *testing.T) {
	st := testSource(t, t.TempDir(), 0).Status(context.Background())
	if st.Encryption != "public" || st.Recipients != 0 || st.Manifest != nil || st.Renewal != nil || st.Wallet != nil {
		t.Errorf("status: %+v", st)
	}
}

func TestRegisterMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	RegisterMetrics(reg, testSource(t, t.TempDir(), 0))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, want := range []string{"walrusfs_upload_queue_files", "walrusfs_lost_files", "walrusfs_uploaded_bytes_total", "walrusfs_network_read_bytes_total", "walrusfs_disk_cache_bytes"} {
		if !names[want] {
			t.Errorf("no metric %s in %v", want, names)
		}
	}
	if len(mfs) != 14 {
		t.Errorf("%d metrics, want 14", len(mfs))
	}
}

func TestPrint(t *testing.T) {
	var out bytes.Buffer
	Print(&out, "/state", nil)
	if got := out.String(); got != "no running mount uses /state\n" {
		t.Errorf("no mounts: %q", got)
	}

	out.Reset()
	st := Status{Mount: "/mnt/x", PID: 42, Since: time.Now(), Encryption: "public",
		Network: NetworkHealth{Kind: "embedded", Epoch: 3, Shards: 10, ShardsUp: 5, CanRead: true,
			Nodes: []NodeHealth{{Name: "n1", Address: "a:1", Shards: 5, Up: true}, {Name: "n2", Address: "a:2", Shards: 5, Error: "refused"}}},
		Queue: Queue{Files: 2, Bytes: 3 << 20, Entries: []QueueItem{
			{Ino: 5, Path: "docs/a.txt", Bytes: 2048, Since: time.Now()},
			{Ino: 6, Bytes: 10, Since: time.Now(), Attempts: 2, LastError: "no quorum"},
		}},
	}
	Print(&out, "/state", []Status{st})
	for _, want := range []string{
		"/mnt/x (pid 42, up 0s)\n",
		"  network   embedded, epoch 3, 5/10 shards up: DEGRADED: reads work, uploads wait",
		"  privacy   PUBLIC: files and the tree are stored unencrypted",
		"            node n2 (a:2, 5 shards) down: refused\n",
		"  uploads   2 file(s), 3.0 MiB queued;",
		"            /docs/a.txt (2.0 KiB), queued 0s ago\n",
		"            inode 6 (10 B), queued 0s ago, 2 failed attempt(s): no quorum\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "node n1") {
		t.Errorf("a node that is up is listed as down:\n%s", out.String())
	}
}
