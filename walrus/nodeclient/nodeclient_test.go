package nodeclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// lateCloser is a transport that fails at once and reads and closes the
// request's body later, as http.Transport may.
type lateCloser struct{ closedAt atomic.Int64 }

func (l *lateCloser) RoundTrip(req *http.Request) (*http.Response, error) {
	go func() {
		time.Sleep(200 * time.Millisecond)
		io.Copy(io.Discard, req.Body)
		l.closedAt.Store(time.Now().UnixNano())
		req.Body.Close()
	}()
	return nil, errors.New("connection reset")
}

// TestUploadWaitsForItsBody: an upload returns only after the transport is
// done with the sliver's bytes, so its caller may reuse their memory.
func TestUploadWaitsForItsBody(t *testing.T) {
	tr := &lateCloser{}
	c := New("http://node.invalid", &http.Client{Transport: tr})
	s := &encoding.Sliver{Axis: encoding.Primary, Data: make([]byte, 1<<16)}
	err := c.PutSliver(context.Background(), encoding.BlobID{1}, 0, s, false)
	returned := time.Now().UnixNano()
	if err == nil {
		t.Fatal("PutSliver through a failing transport succeeded")
	}
	if closed := tr.closedAt.Load(); closed == 0 || closed > returned {
		t.Fatalf("PutSliver returned before the transport closed the body (closed at %d, returned at %d)", closed, returned)
	}
}

// TestErrorsAndLimits: a node's error reaches the caller as an *api.Error
// with its status, and a response over the limit is refused, not read.
func TestErrorsAndLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/metadata"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"status":"NOT_FOUND","code":404,"message":"blob not found"}}`)
		default:
			w.WriteHeader(http.StatusOK)
			w.Write(make([]byte, 2*maxJSONBody))
		}
	}))
	defer srv.Close()
	c := New(srv.URL, nil)
	_, err := c.GetMetadata(context.Background(), encoding.BlobID{2}, 10)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || !IsNotFound(err) {
		t.Fatalf("metadata of an unknown blob: %v; want a not-found *api.Error", err)
	}
	if err := c.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("an oversized health response: %v; want it refused", err)
	}
}
