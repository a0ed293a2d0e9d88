package node_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// TestCORS: as Walrus's nodes, the node answers CORS preflights for any
// route, method and header without running the route, lets any origin read
// its responses, and still refuses a sync-shard request that is not signed.
// (The node's store panics if touched: a preflight must not reach it.)
func TestCORS(t *testing.T) {
	srv := startStatusNode(t)
	id := statusBlobID(0)
	for _, c := range []struct{ method, path, headers string }{
		{http.MethodPut, api.SliverPath(id, 1, encoding.Primary), "content-type"},
		{http.MethodPut, api.MetadataPath(id) + "?pending=true", "content-type, x-custom"},
		{http.MethodGet, api.BlobStatusPath(id), ""},
		{http.MethodPost, api.SyncShardPath, "authorization, content-type"},
		{http.MethodDelete, "/v1/no/such/route", ""},
	} {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+c.path, nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", c.method)
		if c.headers != "" {
			req.Header.Set("Access-Control-Request-Headers", c.headers)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != http.StatusOK || len(body) != 0 || h.Get("Access-Control-Allow-Origin") != "*" ||
			h.Get("Access-Control-Allow-Methods") != "*" || h.Get("Access-Control-Allow-Headers") != "*" {
			t.Errorf("preflight of %s %s: %d %v %q", c.method, c.path, resp.StatusCode, h, body)
		}
	}

	send := func(method, path, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(""))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if r := send(http.MethodGet, api.BlobStatusPath(id), "https://app.example"); r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("GET blob status from a page: %d, Access-Control-Allow-Origin %q", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
	if r := send(http.MethodGet, "/v1/blobs/not-an-id/status", "null"); r.StatusCode != 400 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("an error to a page: %d, Access-Control-Allow-Origin %q", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
	// CORS authorizes nothing: an unsigned sync-shard request is refused
	// as before, and the page may read that it was.
	if r := send(http.MethodPost, api.SyncShardPath, "https://app.example"); r.StatusCode != http.StatusUnauthorized || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("unsigned sync-shard request from a page: %d, Access-Control-Allow-Origin %q", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
}
