package httpblobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
)

const testShards = 10

// fakeWalrus is a publisher and aggregator in memory, with faults to order.
type fakeWalrus struct {
	t       *testing.T
	enc     *encoding.Encoder
	maxBody int64

	mu    sync.Mutex
	blobs map[string][]byte
	gets  map[string]int
	// fail503 answers that many requests with 503 first; lie flips a byte
	// of every blob served.
	fail503 int
	lie     bool
}

func newFake(t *testing.T) (*fakeWalrus, *httptest.Server) {
	enc, err := encoding.NewEncoder(testShards)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeWalrus{t: t, enc: enc, maxBody: 1 << 20, blobs: map[string][]byte{}, gets: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeWalrus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.fail503 > 0 {
		f.fail503--
		f.mu.Unlock()
		http.Error(w, `{"error":{"code":503,"message":"try later"}}`, http.StatusServiceUnavailable)
		return
	}
	f.mu.Unlock()
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/blobs":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, f.maxBody))
		if err != nil {
			http.Error(w, `{"error":{"code":413,"message":"too big"}}`, http.StatusRequestEntityTooLarge)
			return
		}
		_, id, err := f.enc.ComputeMetadata(body)
		if err != nil {
			f.t.Error(err)
		}
		f.mu.Lock()
		f.blobs[id.String()] = body
		f.mu.Unlock()
		fmt.Fprintf(w, `{"newlyCreated":{"blobObject":{"id":"0x%064x","registeredEpoch":3,"blobId":%q,"size":%d,"encodingType":"RS2","certifiedEpoch":3,"storage":{"id":"0x02","startEpoch":3,"endEpoch":%s,"storageSize":1},"deletable":%s}},"cost":1}`,
			1, id, len(body), r.URL.Query().Get("epochs")+"3", fmt.Sprint(r.URL.Query().Get("deletable") == "true"))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/blobs/"):
		key := strings.TrimPrefix(r.URL.Path, "/v1/blobs/")
		f.mu.Lock()
		b, ok := f.blobs[key]
		f.gets[key]++
		lie := f.lie
		f.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":{"code":404,"message":"no such blob"}}`, http.StatusNotFound)
			return
		}
		if lie {
			b = bytes.Clone(b)
			b[len(b)/2] ^= 1
		}
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeWalrus) getsOf(id encoding.BlobID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets[id.String()]
}

func newTestClient(t *testing.T, srv *httptest.Server, tweak func(*Options)) *Client {
	o := Options{Publisher: srv.URL, Aggregator: srv.URL, NShards: testShards, MaxBody: 1 << 20, FirstBackoff: time.Millisecond, TempDir: t.TempDir()}
	if tweak != nil {
		tweak(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestStoreThenReadVerified(t *testing.T) {
	_, srv := newFake(t)
	c := newTestClient(t, srv, nil)
	ctx := context.Background()
	data := randomBytes(300_000, 1)
	res, err := c.Store(ctx, data, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Object.Storage.EndEpoch != 53 || !res.Object.Deletable || res.Object.Size != uint64(len(data)) {
		t.Errorf("store result %+v", res.Object)
	}
	// A fresh client: nothing cached from the store.
	r := newTestClient(t, srv, func(o *Options) { o.Publisher = "" })
	got, err := r.Read(ctx, res.BlobID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read: %v, equal %v", err, bytes.Equal(got, data))
	}
}

func TestRangesColumnsAndParamsCostOneFetch(t *testing.T) {
	f, srv := newFake(t)
	c := newTestClient(t, srv, nil)
	ctx := context.Background()
	data := randomBytes(200_000, 2)
	res, err := c.Store(ctx, data, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	r := newTestClient(t, srv, func(o *Options) { o.Publisher = "" })
	p, err := r.Params(ctx, res.BlobID)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := encoding.NewParams(testShards, uint64(len(data)))
	if p != want {
		t.Errorf("params %+v, want %+v", p, want)
	}
	for _, rg := range [][2]uint64{{0, 1}, {100, 5000}, {uint64(len(data)) - 7, 7}, {uint64(len(data)), 0}} {
		got, err := r.ReadRange(ctx, res.BlobID, rg[0], rg[1])
		if err != nil || !bytes.Equal(got, data[rg[0]:rg[0]+rg[1]]) {
			t.Errorf("range %v: %v", rg, err)
		}
	}
	if _, err := r.ReadRange(ctx, res.BlobID, uint64(len(data))-1, 2); err == nil {
		t.Error("a range past the end was read")
	}
	cols, err := r.ReadColumns(ctx, res.BlobID, 1, 3)
	if err != nil || !bytes.Equal(cols, p.Columns(data, 1, 3)) {
		t.Errorf("columns: %v", err)
	}
	if n := f.getsOf(res.BlobID); n != 1 {
		t.Errorf("%d fetches of the blob, want 1", n)
	}
}

func TestLyingAggregatorIsNamed(t *testing.T) {
	f, srv := newFake(t)
	c := newTestClient(t, srv, nil)
	ctx := context.Background()
	for _, size := range []int{50_000, 300_000} { // in memory, and spooled
		res, err := c.Store(ctx, randomBytes(size, uint64(size)), 1, false)
		if err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		f.lie = true
		f.mu.Unlock()
		r := newTestClient(t, srv, func(o *Options) { o.MaxInMemory = 100_000 })
		_, err = r.Read(ctx, res.BlobID)
		var mm *MismatchError
		if !errors.As(err, &mm) || !strings.Contains(err.Error(), srv.URL) {
			t.Errorf("size %d: got %v, want a mismatch naming %s", size, err, srv.URL)
		}
		f.mu.Lock()
		f.lie = false
		f.mu.Unlock()
	}
}

func TestSpooledBlobReadsAndLeavesNoFile(t *testing.T) {
	_, srv := newFake(t)
	c := newTestClient(t, srv, nil)
	ctx := context.Background()
	data := randomBytes(700_000, 3)
	res, err := c.Store(ctx, data, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	r := newTestClient(t, srv, func(o *Options) { o.MaxInMemory = 64 << 10; o.TempDir = tmp })
	var out bytes.Buffer
	if n, err := r.WriteTo(ctx, res.BlobID, &out); err != nil || n != int64(len(data)) || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("write to: %d, %v", n, err)
	}
	got, err := r.ReadRange(ctx, res.BlobID, 600_000, 1000)
	if err != nil || !bytes.Equal(got, data[600_000:601_000]) {
		t.Errorf("range of a spooled blob: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("spool files left: %v", left)
	}
}

func TestNotFoundTooLargeAndRetry(t *testing.T) {
	f, srv := newFake(t)
	ctx := context.Background()
	c := newTestClient(t, srv, func(o *Options) { o.MaxBody = 4 << 20 }) // more than the fake takes
	if _, err := c.Read(ctx, encoding.BlobID{1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown blob: %v, want ErrNotFound", err)
	}
	if _, err := c.Store(ctx, randomBytes(1500_000, 4), 1, false); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "too big") {
		t.Errorf("oversized store: %v, want ErrTooLarge with the server's message", err)
	}
	small := newTestClient(t, srv, func(o *Options) { o.MaxBody = 1000 })
	if _, err := small.Store(ctx, randomBytes(2000, 4), 1, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("store over MaxBody: %v, want ErrTooLarge before sending", err)
	}
	f.mu.Lock()
	f.fail503 = 2
	f.mu.Unlock()
	if _, err := c.Store(ctx, randomBytes(1000, 5), 1, false); err != nil {
		t.Errorf("store after two 503s: %v", err)
	}
	f.mu.Lock()
	f.fail503 = 100
	f.mu.Unlock()
	_, err := c.Read(ctx, encoding.BlobID{2})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "try later") {
		t.Errorf("read while unavailable: %v, want ErrUnavailable", err)
	}
}

func TestConcurrentReadsShareOneFetch(t *testing.T) {
	f, srv := newFake(t)
	c := newTestClient(t, srv, nil)
	ctx := context.Background()
	data := randomBytes(100_000, 6)
	res, err := c.Store(ctx, data, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	r := newTestClient(t, srv, nil)
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := range 8 {
		wg.Go(func() {
			got, err := r.ReadRange(ctx, res.BlobID, uint64(i*1000), 1000)
			if err != nil || !bytes.Equal(got, data[i*1000:(i+1)*1000]) {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 || f.getsOf(res.BlobID) != 1 {
		t.Errorf("%d bad reads, %d fetches", bad.Load(), f.getsOf(res.BlobID))
	}
}

func TestBoundedCacheDropsOldest(t *testing.T) {
	c := newVerifiedCache(250)
	for i := range 3 {
		c.put(encoding.BlobID{byte(i)}, make([]byte, 100))
	}
	if _, ok := c.get(encoding.BlobID{0}); ok {
		t.Error("the oldest blob was kept past the bound")
	}
	if _, ok := c.get(encoding.BlobID{2}); !ok {
		t.Error("the newest blob was dropped")
	}
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []Options{{}, {Publisher: "ftp://x"}, {Aggregator: "localhost:80"}, {Aggregator: "http://x", NShards: 2}} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
