package daemon_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/daemon"
)

// network is an in-process Walrus on Sui: storage nodes, the ledger's Sui
// face, and a funded wallet's chain client and Walrus client.
type network struct {
	f  *facetest.Net
	ch *sui.Client
	cl *client.Client
}

func startNetwork(t *testing.T) *network {
	t.Helper()
	f := facetest.Start(t, 4, 100)
	ch := f.Dial(t)
	cl := client.New(ch, client.Options{})
	t.Cleanup(func() { cl.Close() })
	return &network{f: f, ch: ch, cl: cl}
}

// serve serves the API over n with cfg (Chain, Reader, Storer and Prices
// filled in when unset, Storer only if publisher) on a real HTTP server and
// returns its URL.
func (n *network) serve(t *testing.T, cfg daemon.Config, publisher bool) string {
	t.Helper()
	if cfg.Chain == nil {
		cfg.Chain = n.ch
	}
	if cfg.Reader == nil {
		cfg.Reader = n.cl
	}
	if publisher && cfg.Storer == nil {
		cfg.Storer, cfg.Prices = n.cl, n.ch.Prices
	}
	s, err := daemon.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// call sends one request; headers come in name, value pairs.
func call(t *testing.T, method, url string, body io.Reader, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return resp, b
}

// apiError is Walrus's JSON error envelope.
type apiError struct {
	Error struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
			Domain string `json:"domain"`
		} `json:"details"`
	} `json:"error"`
}

// wantError checks a response is an error envelope of code and reason.
func wantError(t *testing.T, what string, resp *http.Response, body []byte, code int, reason string) {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != code || e.Error.Code != code ||
		len(e.Error.Details) != 1 || e.Error.Details[0].Reason != reason || e.Error.Details[0].Type != "ErrorInfo" {
		t.Fatalf("%s: %d %s; want %d with reason %s", what, resp.StatusCode, body, code, reason)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
}

// stored is the JSON of a store's result.
type stored struct {
	NewlyCreated *struct {
		BlobObject struct {
			ID              string  `json:"id"`
			RegisteredEpoch uint32  `json:"registeredEpoch"`
			BlobID          string  `json:"blobId"`
			Size            uint64  `json:"size"`
			EncodingType    string  `json:"encodingType"`
			CertifiedEpoch  *uint32 `json:"certifiedEpoch"`
			Storage         struct {
				ID          string `json:"id"`
				StartEpoch  uint32 `json:"startEpoch"`
				EndEpoch    uint32 `json:"endEpoch"`
				StorageSize uint64 `json:"storageSize"`
			} `json:"storage"`
			Deletable bool `json:"deletable"`
		} `json:"blobObject"`
		ResourceOperation map[string]map[string]uint64 `json:"resourceOperation"`
		Cost              uint64                       `json:"cost"`
	} `json:"newlyCreated"`
	AlreadyCertified *struct {
		BlobID string `json:"blobId"`
		Event  *struct {
			TxDigest string `json:"txDigest"`
			EventSeq string `json:"eventSeq"`
		} `json:"event"`
		Object   *string `json:"object"`
		EndEpoch uint32  `json:"endEpoch"`
	} `json:"alreadyCertified"`
}

func put(t *testing.T, base, query string, blob []byte) stored {
	t.Helper()
	resp, body := call(t, http.MethodPut, base+"/v1/blobs"+query, bytes.NewReader(blob))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %d %s", query, resp.StatusCode, body)
	}
	var s stored
	if err := json.Unmarshal(body, &s); err != nil || (s.NewlyCreated == nil) == (s.AlreadyCertified == nil) {
		t.Fatalf("PUT %s: %v: %s", query, err, body)
	}
	return s
}

func blobIDOf(t *testing.T, blob []byte) string {
	t.Helper()
	enc, err := encoding.NewEncoder(100)
	if err != nil {
		t.Fatal(err)
	}
	_, id, err := enc.ComputeMetadata(blob)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// TestAPI drives every route with plain HTTP requests over a network of
// storage nodes: a PUT and the reads of what it stored, byte for byte,
// whole, by Range at the boundaries and by byte-range; errors with
// Walrus's JSON; the publisher's results as Walrus writes them; and a blob
// too few nodes can serve.
func TestAPI(t *testing.T) {
	n := startNetwork(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := n.serve(t, daemon.Config{}, true)
	blob := testutil.RandomBytes(1, 300_000)
	size := len(blob)
	id := blobIDOf(t, blob)

	// A store, as Walrus's publisher reports it.
	first := put(t, base, "?epochs=2", blob)
	nc := first.NewlyCreated
	if nc == nil {
		t.Fatalf("first store: %+v", first)
	}
	obj := nc.BlobObject
	if obj.BlobID != id || obj.Size != uint64(size) || obj.EncodingType != "RS2" || !obj.Deletable || obj.CertifiedEpoch == nil ||
		obj.Storage.EndEpoch != obj.RegisteredEpoch+2 || !strings.HasPrefix(obj.ID, "0x") || len(obj.ID) != 66 {
		t.Errorf("blob object %+v", obj)
	}
	scratch := nc.ResourceOperation["registerFromScratch"]
	storagePrice, writePrice, err := n.ch.Prices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	units := (scratch["encodedLength"] + 1<<20 - 1) >> 20
	if scratch["epochsAhead"] != 2 || scratch["encodedLength"] != obj.Storage.StorageSize || nc.Cost != units*(2*storagePrice+writePrice) || nc.Cost == 0 {
		t.Errorf("resource operation %v, cost %d", nc.ResourceOperation, nc.Cost)
	}

	t.Run("whole", func(t *testing.T) {
		resp, body := call(t, http.MethodGet, base+"/v1/blobs/"+id, nil, "Origin", "https://example.com")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, blob) {
			t.Fatalf("GET: %d, %d bytes", resp.StatusCode, len(body))
		}
		for k, v := range map[string]string{
			"ETag": id, "Cache-Control": "public, max-age=86400, stale-while-revalidate=3600", "X-Content-Type-Options": "nosniff",
			"Content-Length": strconv.Itoa(size), "Access-Control-Allow-Origin": "*", "Content-Type": "",
		} {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/"+id, nil, "Accept", "image/png")
		if resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, blob) {
			t.Errorf("with Accept: Content-Type %q", resp.Header.Get("Content-Type"))
		}
		resp, body = call(t, http.MethodHead, base+"/v1/blobs/"+id, nil)
		if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != int64(size) {
			t.Errorf("HEAD: %d, %d bytes, length %d", resp.StatusCode, len(body), resp.ContentLength)
		}
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/"+id+"?strict_consistency_check=true", nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, blob) {
			t.Errorf("strict: %d, %d bytes", resp.StatusCode, len(body))
		}
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/"+id+"?strict_consistency_check=true&skip_consistency_check=true", nil)
		wantError(t, "strict and skip", resp, body, http.StatusBadRequest, "INVALID_CONSISTENCY_CHECK")
	})

	t.Run("ranges", func(t *testing.T) {
		for _, rc := range []struct {
			h          string
			first, end int // the bytes [first, end)
		}{
			{"bytes=0-0", 0, 1},
			{fmt.Sprintf("bytes=%d-%d", size-1, size-1), size - 1, size},
			{fmt.Sprintf("bytes=0-%d", size-1), 0, size},
			{"bytes=123456-", 123456, size},
			{"bytes=-1000", size - 1000, size},
			{"bytes=70000-70999", 70000, 71000},
			{fmt.Sprintf("bytes=%d-%d", size-10, size+500), size - 10, size},
		} {
			resp, body := call(t, http.MethodGet, base+"/v1/blobs/"+id, nil, "Range", rc.h)
			want := fmt.Sprintf("bytes %d-%d/%d", rc.first, rc.end-1, size)
			if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != want ||
				resp.ContentLength != int64(rc.end-rc.first) || !bytes.Equal(body, blob[rc.first:rc.end]) {
				t.Errorf("%s: %d, Content-Range %q (want %q), %d bytes", rc.h, resp.StatusCode, resp.Header.Get("Content-Range"), want, len(body))
			}
			if resp.Header.Get("ETag") != id {
				t.Errorf("%s: ETag %q", rc.h, resp.Header.Get("ETag"))
			}
		}
		for _, h := range []string{fmt.Sprintf("bytes=%d-", size), "bytes=10-5", "bytes=0-1,5-9", "bytes=-0", "lines=0-1", "bytes=x-"} {
			resp, body := call(t, http.MethodGet, base+"/v1/blobs/"+id, nil, "Range", h)
			wantError(t, h, resp, body, http.StatusRequestedRangeNotSatisfiable, "INVALID_BYTE_RANGE")
			if got := resp.Header.Get("Content-Range"); got != fmt.Sprintf("bytes */%d", size) {
				t.Errorf("%s: Content-Range %q", h, got)
			}
		}
	})

	t.Run("byte-range", func(t *testing.T) {
		resp, body := call(t, http.MethodGet, base+"/v1/blobs/"+id+"/byte-range?start=1000&length=150000", nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, blob[1000:151000]) || resp.Header.Get("ETag") != id+"-1000-150000" {
			t.Fatalf("byte-range: %d, %d bytes, ETag %q", resp.StatusCode, len(body), resp.Header.Get("ETag"))
		}
		resp, body = call(t, http.MethodGet, fmt.Sprintf("%s/v1/blobs/%s/byte-range?start=%d&length=1", base, id, size-1), nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, blob[size-1:]) {
			t.Errorf("last byte: %d %q", resp.StatusCode, body)
		}
		for _, q := range []string{"start=0&length=0", fmt.Sprintf("start=%d&length=2", size-1), "start=5", "length=5", "start=-1&length=5"} {
			resp, body := call(t, http.MethodGet, base+"/v1/blobs/"+id+"/byte-range?"+q, nil)
			wantError(t, q, resp, body, http.StatusBadRequest, "INVALID_BYTE_RANGE")
		}
	})

	t.Run("unknown", func(t *testing.T) {
		var other encoding.BlobID
		other[0] = 42
		for _, path := range []string{"/v1/blobs/" + other.String(), "/v1/blobs/" + other.String() + "/byte-range?start=0&length=1"} {
			resp, body := call(t, http.MethodGet, base+path, nil)
			wantError(t, path, resp, body, http.StatusNotFound, "BLOB_NOT_FOUND")
			var e apiError
			json.Unmarshal(body, &e)
			if e.Error.Status != "NOT_FOUND" || e.Error.Details[0].Domain != "daemon.walrus.space" {
				t.Errorf("%s: %s", path, body)
			}
		}
		resp, body := call(t, http.MethodGet, base+"/v1/blobs/not-a-blob-id", nil)
		wantError(t, "a malformed ID", resp, body, http.StatusBadRequest, "INVALID_BLOB_ID")
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/by-object-id/0x1234", nil)
		wantError(t, "no such object", resp, body, http.StatusNotFound, "BLOB_NOT_FOUND")
		system := n.f.Ledger.SuiDeployment().System
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/by-object-id/0x"+hex.EncodeToString(system[:]), nil)
		wantError(t, "an object that is no Blob", resp, body, http.StatusBadRequest, "NOT_A_BLOB_OBJECT")
		resp, body = call(t, http.MethodGet, base+"/v1/blobs/by-object-id/1234", nil)
		wantError(t, "a malformed object ID", resp, body, http.StatusBadRequest, "INVALID_OBJECT_ID")
		resp, body = call(t, http.MethodGet, base+"/v2/nothing", nil)
		wantError(t, "no route", resp, body, http.StatusNotFound, "NOT_FOUND")
		resp, body = call(t, http.MethodDelete, base+"/v1/blobs/"+id, nil)
		wantError(t, "DELETE", resp, body, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
	})

	t.Run("by-object-id", func(t *testing.T) {
		// A manifest record writes attributes on the blob object; only the
		// allowed ones become headers.
		bid, err := encoding.ParseBlobID(id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.ch.PublishManifest(ctx, "tree", bid, 0); err != nil {
			t.Fatal(err)
		}
		path := "/v1/blobs/by-object-id/" + obj.ID
		resp, body := call(t, http.MethodGet, base+path, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, blob) || resp.Header.Get("Walrusfs") != "" {
			t.Fatalf("by object ID: %d, %d bytes, Walrusfs %q", resp.StatusCode, len(body), resp.Header.Get("Walrusfs"))
		}
		allowing := n.serve(t, daemon.Config{AllowedHeaders: []string{"WalrusFS", "walrusfs-version", "content-type"}}, false)
		resp, body = call(t, http.MethodGet, allowing+path, nil, "Range", "bytes=10-19")
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, blob[10:20]) {
			t.Fatalf("by object ID, a range: %d %d bytes", resp.StatusCode, len(body))
		}
		if resp.Header.Get("Walrusfs") != "tree" || resp.Header.Get("Walrusfs-Version") != "1" || resp.Header.Get("Walrusfs-Signature") != "" {
			t.Errorf("attribute headers %v", resp.Header)
		}
	})

	t.Run("publisher", func(t *testing.T) {
		// Walrus's publisher stores a deletable blob again unless asked to
		// reuse the wallet's objects.
		again := put(t, base, "?epochs=2", blob)
		if again.NewlyCreated == nil || again.NewlyCreated.BlobObject.ID == obj.ID {
			t.Errorf("second store: %+v, want a new object", again)
		}
		reused := put(t, base, "?epochs=2&reuse_resources=true", blob)
		if ac := reused.AlreadyCertified; ac == nil || ac.BlobID != id || ac.Object == nil || ac.Event != nil || ac.EndEpoch != obj.Storage.EndEpoch {
			t.Errorf("store with reuse_resources: %+v", reused)
		}
		// A certified permanent blob is not stored again, whoever asks.
		perm := testutil.RandomBytes(2, 50_000)
		p1 := put(t, base, "?permanent=true&epochs=3", perm)
		if p1.NewlyCreated == nil || p1.NewlyCreated.BlobObject.Deletable {
			t.Fatalf("permanent store: %+v", p1)
		}
		for _, q := range []string{"?permanent=true&epochs=3", "?epochs=2"} {
			p := put(t, base, q, perm)
			if ac := p.AlreadyCertified; ac == nil || ac.Event == nil || ac.Event.TxDigest == "" || ac.Object != nil ||
				ac.EndEpoch != p1.NewlyCreated.BlobObject.Storage.EndEpoch {
				t.Errorf("store %s of a certified permanent blob: %+v", q, p)
			}
		}
		if p := put(t, base, "?permanent=true&epochs=3&force=true", perm); p.NewlyCreated == nil {
			t.Errorf("forced store: %+v", p)
		}
		// The new object goes where send_object_to says.
		to := chain.Address{0xee, 0x01}
		sent := put(t, base, fmt.Sprintf("?send_object_to=0x%x", to[:]), testutil.RandomBytes(3, 1000))
		var oid chain.ObjectID
		if err := oid.UnmarshalText([]byte(sent.NewlyCreated.BlobObject.ID)); err != nil {
			t.Fatal(err)
		}
		if b, err := n.ch.Blob(ctx, oid); err != nil || b.Owner != to {
			t.Errorf("sent object: owner %x, %v; want %x", b.Owner, err, to)
		}
		for _, q := range []string{"?epochs=0", "?epochs=x", "?permanent=true&deletable=true", "?foo=1", "?share=true", "?epochs=1&epochs=2", "?encoding_type=RS1", "?send_object_to=me"} {
			resp, body := call(t, http.MethodPut, base+"/v1/blobs"+q, strings.NewReader("x"))
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("PUT %s: %d %s, want 400", q, resp.StatusCode, body)
			}
		}
	})

	t.Run("limits", func(t *testing.T) {
		small := n.serve(t, daemon.Config{MaxBodySize: 1000}, true)
		if p := put(t, small, "", testutil.RandomBytes(4, 1000)); p.NewlyCreated == nil {
			t.Errorf("a body at the limit: %+v", p)
		}
		resp, body := call(t, http.MethodPut, small+"/v1/blobs", bytes.NewReader(make([]byte, 1001)))
		wantError(t, "a body over the limit", resp, body, http.StatusRequestEntityTooLarge, "BLOB_TOO_LARGE")
		// Sent chunked, without a length: counted as it comes.
		resp, body = call(t, http.MethodPut, small+"/v1/blobs", io.MultiReader(bytes.NewReader(make([]byte, 600)), bytes.NewReader(make([]byte, 600))))
		wantError(t, "a chunked body over the limit", resp, body, http.StatusRequestEntityTooLarge, "BLOB_TOO_LARGE")
		// Without --publisher there is no PUT.
		reader := n.serve(t, daemon.Config{}, false)
		if resp, body := call(t, http.MethodPut, reader+"/v1/blobs", strings.NewReader("x")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("PUT without a publisher: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("cors", func(t *testing.T) {
		resp, _ := call(t, http.MethodOptions, base+"/v1/blobs", nil, "Origin", "https://example.com", "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "content-type")
		for k, v := range map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "*",
			"Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "86400"} {
			if got := resp.Header.Get(k); resp.StatusCode != http.StatusOK || got != v {
				t.Errorf("preflight: %d, %s %q", resp.StatusCode, k, got)
			}
		}
		if resp, body := call(t, http.MethodGet, base+"/status", nil); resp.StatusCode != http.StatusOK || string(body) != "OK" {
			t.Errorf("status: %d %q", resp.StatusCode, body)
		}
	})

	t.Run("unavailable", func(t *testing.T) {
		// With three nodes of four down, too few slivers are left: a read
		// is worth retrying later, and says so.
		quick := client.New(n.ch, client.Options{Retries: -1, RequestTimeout: time.Second})
		defer quick.Close()
		url := n.serve(t, daemon.Config{Reader: quick}, false)
		if resp, body := call(t, http.MethodGet, url+"/v1/blobs/"+id+"/byte-range?start=0&length=10", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("before the nodes stop: %d %s", resp.StatusCode, body)
		}
		for _, nd := range n.f.Nodes[:3] {
			nd.Stop()
		}
		for _, path := range []string{"/v1/blobs/" + id, fmt.Sprintf("/v1/blobs/%s/byte-range?start=0&length=%d", id, size)} {
			resp, body := call(t, http.MethodGet, url+path, nil)
			wantError(t, path, resp, body, http.StatusServiceUnavailable, "BLOB_UNAVAILABLE")
		}
	})
}
