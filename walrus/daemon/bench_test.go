package daemon_test

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/internal/testvectors"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/daemon"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

var serveMiB = flag.Int("serve-mib", 256, "size in MiB of the blob BenchmarkServeBlob serves")

// BenchmarkServeBlob stores one large blob (-serve-mib) on an embedded
// network of 10 nodes and 1000 shards, as Walrus's, then GETs it over HTTP
// again and again into io.Discard. It reports the time to the first byte
// and the peak Go heap in use during a GET above the heap before it (with
// GOGC=10, so that little of it is garbage): the nodes' serving included,
// so an upper bound of what the server holds.
func BenchmarkServeBlob(b *testing.B) {
	ctx := context.Background()
	n, err := embedded.Start(ctx, embedded.Config{Dir: b.TempDir(), Nodes: 10, NShards: 1000})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	cl := n.Client(chain.Address{1}, client.Options{})
	defer cl.Close()
	size := *serveMiB << 20
	res, err := cl.Store(ctx, testvectors.Xorshift(7, size), 2, false)
	if err != nil {
		b.Fatal(err)
	}
	id := res.BlobID.String()
	s, err := daemon.New(daemon.Config{Chain: n.Chain(chain.Address{1}), Reader: cl})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	// Little garbage is let pile up, so that the heap in use is close to
	// what is live.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	var firstByte time.Duration
	var peak uint64
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var top atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapInuse > before.HeapInuse && m.HeapInuse-before.HeapInuse > top.Load() {
					top.Store(m.HeapInuse - before.HeapInuse)
				}
			}
		}()
		start := time.Now()
		var first time.Duration
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotFirstResponseByte: func() { first = time.Since(start) },
		}), http.MethodGet, srv.URL+"/v1/blobs/"+id, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		got, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		close(stop)
		<-sampled
		if err != nil || got != int64(size) || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET: %d, %d bytes, %v", resp.StatusCode, got, err)
		}
		firstByte += first
		peak = max(peak, top.Load())
	}
	b.ReportMetric(float64(firstByte.Milliseconds())/float64(b.N), "ms-to-first-byte")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
