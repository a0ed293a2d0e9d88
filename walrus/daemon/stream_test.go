package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// memReader serves a blob from memory in rows of row bytes and records how
// it is read: each ReadRange, how many run at once, and how far the
// fetched bytes ran ahead of those written to the client.
type memReader struct {
	blob    []byte
	row     uint64
	written *atomic.Uint64 // what the client received so far
	failAt  int            // the ReadRange call that fails, from 1 (0: none)

	mu                    sync.Mutex
	calls                 []span
	fetched               uint64
	inFlight, maxInFlight int
	maxAhead              uint64
}

func (m *memReader) Size(context.Context, encoding.BlobID) (uint64, error) {
	return uint64(len(m.blob)), nil
}

func (m *memReader) Params(context.Context, encoding.BlobID) (encoding.Params, error) {
	return encoding.Params{NShards: 4, PrimarySymbols: 2, SecondarySymbols: 1, SymbolSize: int(m.row)}, nil
}

func (m *memReader) ReadColumns(context.Context, encoding.BlobID, int, int) ([]byte, error) {
	return nil, errors.New("column reads are not expected")
}

func (m *memReader) ReadStrict(context.Context, encoding.BlobID) ([]byte, error) {
	return nil, errors.New("whole reads are not expected")
}

func (m *memReader) ReadRange(ctx context.Context, id encoding.BlobID, off, n uint64) ([]byte, error) {
	m.mu.Lock()
	m.calls = append(m.calls, span{off, n})
	call := len(m.calls)
	m.inFlight++
	m.maxInFlight = max(m.maxInFlight, m.inFlight)
	m.maxAhead = max(m.maxAhead, m.fetched-m.written.Load())
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.inFlight--
		m.fetched += n
		m.mu.Unlock()
	}()
	if call == m.failAt {
		return nil, fmt.Errorf("read %s: %w", id, client.ErrNotEnoughSlivers)
	}
	return bytes.Clone(m.blob[off : off+n]), nil
}

// noChain is a chain the reads of memReader never ask.
type noChain struct{}

func (noChain) Committee(context.Context) (*chain.Committee, error) {
	return nil, errors.ErrUnsupported
}
func (noChain) Blob(context.Context, chain.ObjectID) (chain.Blob, error) {
	return chain.Blob{}, errors.ErrUnsupported
}

// countingWriter counts the body bytes written.
type countingWriter struct {
	*httptest.ResponseRecorder
	written *atomic.Uint64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseRecorder.Write(p)
	c.written.Add(uint64(n))
	return n, err
}

// serveMem serves one GET of a memReader's blob, with a Range header if
// rng is set, and returns the response, or the value the handler panicked
// with.
func serveMem(t *testing.T, m *memReader, window uint64, rng string) (rec *httptest.ResponseRecorder, panicked any) {
	t.Helper()
	s, err := New(Config{Chain: noChain{}, Reader: m, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	var id encoding.BlobID
	req := httptest.NewRequest(http.MethodGet, "/v1/blobs/"+id.String(), nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	rec = httptest.NewRecorder()
	defer func() { panicked = recover() }()
	s.Handler().ServeHTTP(countingWriter{rec, m.written}, req)
	return rec, nil
}

// TestStreamBounded: a read asks for one window at a time, each whole rows
// but the first (which ends with its row) and the last; it fetches no byte
// twice, and never more than one window ahead of what the client
// received; the bytes arrive whole.
func TestStreamBounded(t *testing.T) {
	const row, window = 10_000, 64 << 10
	blob := make([]byte, 1<<20+123)
	for i := range blob {
		blob[i] = byte(i * 31 >> 8)
	}
	for _, tc := range []struct {
		rng  string
		want span
	}{{"", span{0, uint64(len(blob))}}, {"bytes=12345-900000", span{12345, 900000 - 12345 + 1}}} {
		m := &memReader{blob: blob, row: row, written: new(atomic.Uint64)}
		rec, p := serveMem(t, m, window, tc.rng)
		if p != nil {
			t.Fatalf("%q: handler panicked: %v", tc.rng, p)
		}
		if got := rec.Body.Bytes(); !bytes.Equal(got, blob[tc.want.off:tc.want.off+tc.want.n]) {
			t.Fatalf("%q: %d bytes, not the blob's %d of the range", tc.rng, len(got), tc.want.n)
		}
		next, rows := tc.want.off, uint64(window/row)
		for i, c := range m.calls {
			last := i == len(m.calls)-1
			switch {
			case c.off != next:
				t.Fatalf("%q: read %d at %d, want %d (no gap, no overlap)", tc.rng, i, c.off, next)
			case i == 0 && c.off+c.n != min((c.off/row+1)*row, tc.want.off+tc.want.n):
				t.Errorf("%q: first read %+v does not end with its row", tc.rng, c)
			case i > 0 && !last && (c.off%row != 0 || c.n != rows*row):
				t.Errorf("%q: read %d %+v is not %d whole rows", tc.rng, i, c, rows)
			case c.n > window:
				t.Errorf("%q: read %d of %d bytes, more than a window", tc.rng, i, c.n)
			}
			next = c.off + c.n
		}
		if next != tc.want.off+tc.want.n {
			t.Errorf("%q: reads end at %d, want %d", tc.rng, next, tc.want.off+tc.want.n)
		}
		if m.maxInFlight != 1 || m.maxAhead > window {
			t.Errorf("%q: %d reads at once, fetched up to %d bytes ahead of the client; want 1 and at most a window (%d)",
				tc.rng, m.maxInFlight, m.maxAhead, window)
		}
	}
}

// TestStreamFailure: a read that fails before the first byte has a status
// (503 for too few slivers); one that fails after cuts the connection
// (http.ErrAbortHandler) once the bytes before were sent.
func TestStreamFailure(t *testing.T) {
	blob := make([]byte, 100_000)
	m := &memReader{blob: blob, row: 1000, written: new(atomic.Uint64), failAt: 1}
	rec, p := serveMem(t, m, 10_000, "")
	if p != nil || rec.Code != http.StatusServiceUnavailable || !bytes.Contains(rec.Body.Bytes(), []byte(`"BLOB_UNAVAILABLE"`)) {
		t.Fatalf("failure at the first window: %d %s (panic %v)", rec.Code, rec.Body, p)
	}
	m = &memReader{blob: blob, row: 1000, written: new(atomic.Uint64), failAt: 3}
	rec, p = serveMem(t, m, 10_000, "")
	if p != http.ErrAbortHandler {
		t.Fatalf("failure at the third window: panic %v, want http.ErrAbortHandler", p)
	}
	if rec.Code != http.StatusOK || rec.Body.Len() != 11_000 {
		t.Fatalf("before the failure: %d with %d bytes, want 200 with 11000", rec.Code, rec.Body.Len())
	}
}
