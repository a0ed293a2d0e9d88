package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
)

// TestHTTPErrors checks what a client that is not ours sees: JSON error
// bodies with codes, and the statuses of the sentinels.
func TestHTTPErrors(t *testing.T) {
	h := newHarness(t, "local")
	srv := httptest.NewServer(ledger.NewHandler(h.l, ledger.HandlerOptions{}))
	defer srv.Close()
	for _, tc := range []struct {
		name, method, path, sender, body string
		signed                           bool
		status                           int
		code                             string
	}{
		{"no sender", "POST", "/v1/tx/reserve-storage", "", `{"size":1,"epochs":1}`, false, 401, "Unauthenticated"},
		{"bad sender", "POST", "/v1/tx/reserve-storage", "0x12", `{"size":1,"epochs":1}`, false, 401, "Unauthenticated"},
		{"bad JSON", "POST", "/v1/tx/reserve-storage", "", `{"size":`, true, 400, "InvalidArgument"},
		{"unknown field", "POST", "/v1/tx/reserve-storage", "", `{"size":1,"epochs":1,"price":2}`, true, 400, "InvalidArgument"},
		{"rule", "POST", "/v1/tx/reserve-storage", "", `{"size":0,"epochs":1}`, true, 400, "InvalidArgument"},
		{"no blob", "GET", "/v1/blobs/0x" + strings.Repeat("ab", 32), "", "", false, 404, "NotFound"},
		{"bad object ID", "GET", "/v1/blobs/xyz", "", "", false, 400, "InvalidArgument"},
		{"bad blob ID", "GET", "/v1/blob-status/!!", "", "", false, 400, "InvalidArgument"},
		{"bad cursor", "GET", "/v1/events?from=-1", "", "", false, 400, "InvalidArgument"},
		{"no endpoint", "GET", "/v2/nothing", "", "", false, 404, "NotFound"},
		{"wrong method", "DELETE", "/v1/committee", "", "", false, 404, "NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(testContext(t), tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.sender != "" {
				req.Header.Set(ledger.SenderHeader, tc.sender)
			}
			if tc.signed {
				if err := ledger.SignRequest(req, accountKey(t, alice), h.l.ChainID(), []byte(tc.body)); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || body.Error.Code != tc.code {
				t.Fatalf("HTTP %d %+v, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
		})
	}
}

// TestClientErrors checks that the client's errors match in errors.Is and
// errors.As as in process, and that contexts bound calls.
func TestClientErrors(t *testing.T) {
	h := newHarness(t, "local")
	srv := httptest.NewServer(ledger.NewHandler(h.l, ledger.HandlerOptions{}))
	defer srv.Close()
	c := ledger.Dial(srv.URL+"/", accountKey(t, alice))

	_, err := c.Blob(testContext(t), chain.ObjectID{1})
	var re *ledger.RemoteError
	if !errors.Is(err, chain.ErrNotFound) || !errors.As(err, &re) || re.Code != "NotFound" || re.StatusCode != 404 {
		t.Fatalf("missing blob: %v (%#v)", err, re)
	}

	// A server that answers only when the client has gone.
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer stuck.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = ledger.Dial(stuck.URL, nil).Committee(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("stuck server: %v after %v", err, time.Since(start))
	}

	h.l.Close()
	if _, err := c.ReserveStorage(testContext(t), 1, 1); !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("closed ledger: %v", err)
	}
	if _, err := ledger.Dial("http://127.0.0.1:1", nil).Committee(testContext(t)); err == nil {
		t.Fatal("no server: no error")
	}
}
