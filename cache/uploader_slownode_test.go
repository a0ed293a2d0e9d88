package cache_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// TestUploaderDrainsWithAStalledNode: with one storage node that accepts
// requests and never answers, the uploader still drains a queue of ten
// files, each its own blob, in seconds: a store no longer waits for every
// node, so the queue does not either.
func TestUploaderDrainsWithAStalledNode(t *testing.T) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) }) // after the network stopped
	n, err := embedded.Start(context.Background(), embedded.Config{Dir: t.TempDir(), Nodes: 7, NShards: 100,
		Handler: func(i int, h http.Handler) http.Handler {
			if i != 3 {
				return h
			}
			return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stop })
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	c := n.Client(chain.Address{1}, client.Options{})
	t.Cleanup(func() { c.Close() })

	m, err := meta.Open(t.TempDir(), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	files := cache.Files{Dir: t.TempDir()}
	rng := rand.New(rand.NewPCG(1, 2))
	const count, size = 10, 300 << 10 // over the packing limit: a blob each
	for i := range count {
		in, err := m.Create(meta.RootIno, "f"+strconv.Itoa(i), meta.Inode{Mode: 0o100644})
		if err != nil {
			t.Fatal(err)
		}
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(files.Path(in.Ino), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Update(in.Ino, func(x *meta.Inode) error { x.Version, x.Size = 1, size; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Enqueue(in.Ino, "f"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}

	u := cache.NewUploader(m, m.Book(), files, c, cache.UploaderOptions{ChunkSize: 1 << 20, NShards: 100, Epochs: 3})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	start := time.Now()
	drainCtx, stopDrain := context.WithTimeout(context.Background(), 90*time.Second)
	defer stopDrain()
	if err := u.Drain(drainCtx, nil); err != nil {
		t.Fatalf("queue of %d files not drained with one node stalled: %v (stats %+v)", count, err, u.Stats())
	}
	if st := u.Stats(); st.Files != count || st.Stored != count {
		t.Fatalf("stats %+v; want %d files in %d blobs", st, count, count)
	}
	t.Logf("%d files drained in %v with one node stalled (stats %+v)", count, time.Since(start), u.Stats())
}
