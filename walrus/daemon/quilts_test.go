package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/daemon"
)

// quiltForm is a PUT /v1/quilts body: files by identifier, and _metadata
// if given.
func quiltForm(t *testing.T, files map[string][]byte, metadata string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for name, data := range files {
		fw, err := w.CreateFormFile(name, "upload-"+name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if metadata != "" {
		w.WriteField("_metadata", metadata)
	}
	w.Close()
	return &b, w.FormDataContentType()
}

// TestQuiltRoutes: PUT /v1/quilts stores a form's files as one quilt and
// gives each one's patch ID; each file reads back by patch ID and by
// identifier, byte for byte, with its identifier and allowed tags as
// headers; the patch list is the index; unknown patches, identifiers and
// quilts, malformed IDs and forms, and oversized forms are refused.
func TestQuiltRoutes(t *testing.T) {
	n := startNetwork(t)
	base := n.serve(t, daemon.Config{MaxBodySize: 1 << 20}, true)
	files := map[string][]byte{
		"index.html": []byte("<h1>walrus</h1>"),
		"data.bin":   testutil.RandomBytes(3, 40_000),
		"empty":      {},
		"café.txt":   []byte("crème"),
	}
	meta := `[{"identifier": "index.html", "tags": {"content-type": "text/html", "n": 3, "x-secret": "kept out"}}]`
	body, ct := quiltForm(t, files, meta)
	resp, out := call(t, http.MethodPut, base+"/v1/quilts?epochs=2", body, "Content-Type", ct)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /v1/quilts: %d %s", resp.StatusCode, out)
	}
	var res struct {
		BlobStoreResult  stored `json:"blobStoreResult"`
		StoredQuiltBlobs []struct {
			Identifier   string `json:"identifier"`
			QuiltPatchID string `json:"quiltPatchId"`
		} `json:"storedQuiltBlobs"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.BlobStoreResult.NewlyCreated == nil || len(res.StoredQuiltBlobs) != len(files) {
		t.Fatalf("PUT /v1/quilts: %v: %s", err, out)
	}
	quiltID := res.BlobStoreResult.NewlyCreated.BlobObject.BlobID
	for _, p := range res.StoredQuiltBlobs {
		if !strings.HasPrefix(p.QuiltPatchID, quiltID) {
			t.Fatalf("patch %+v of quilt %s", p, quiltID)
		}
		for _, u := range []string{"/v1/blobs/by-quilt-patch-id/" + p.QuiltPatchID, "/v1/blobs/by-quilt-id/" + quiltID + "/" + url.PathEscape(p.Identifier)} {
			resp, got := call(t, http.MethodGet, base+u, nil)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(got, files[p.Identifier]) {
				t.Fatalf("GET %s: %d, %d bytes, want %d", u, resp.StatusCode, len(got), len(files[p.Identifier]))
			}
			if resp.Header.Get("X-Quilt-Patch-Identifier") != p.Identifier || resp.Header.Get("ETag") != quiltID || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: headers %v", u, resp.Header)
			}
			if p.Identifier == "index.html" && (resp.Header.Get("Content-Type") != "text/html" || resp.Header.Get("X-Secret") != "" || resp.Header.Get("N") != "") {
				t.Errorf("GET %s: tags as headers %v (only allowed ones)", u, resp.Header)
			}
		}
	}

	resp, out = call(t, http.MethodGet, base+"/v1/quilts/"+quiltID+"/patches", nil)
	var items []struct {
		Identifier string            `json:"identifier"`
		PatchID    string            `json:"patch_id"`
		Tags       map[string]string `json:"tags"`
	}
	if err := json.Unmarshal(out, &items); err != nil || resp.StatusCode != http.StatusOK || len(items) != len(files) {
		t.Fatalf("patches: %d %s", resp.StatusCode, out)
	}
	for i, it := range items {
		if it.PatchID != res.StoredQuiltBlobs[i].QuiltPatchID || it.Identifier != res.StoredQuiltBlobs[i].Identifier || it.Tags == nil {
			t.Errorf("patch %d: %+v, stored %+v", i, it, res.StoredQuiltBlobs[i])
		}
		if it.Identifier == "index.html" && (it.Tags["n"] != "3" || it.Tags["content-type"] != "text/html") {
			t.Errorf("tags of index.html: %v", it.Tags)
		}
	}

	pid, _ := quilt.ParsePatchID(res.StoredQuiltBlobs[0].QuiltPatchID)
	beyond := quilt.PatchID{Quilt: pid.Quilt, Start: 60, End: 66}
	plain := blobIDOf(t, files["data.bin"])
	put(t, base, "", files["data.bin"]) // a blob that is no quilt
	for what, c := range map[string]struct {
		url    string
		code   int
		reason string
	}{
		"malformed patch ID": {"/v1/blobs/by-quilt-patch-id/nope", 400, "INVALID_QUILT_PATCH_ID"},
		"columns past use":   {"/v1/blobs/by-quilt-patch-id/" + beyond.String(), 404, "QUILT_PATCH_NOT_FOUND"},
		"columns past quilt": {"/v1/blobs/by-quilt-patch-id/" + quilt.PatchID{Quilt: pid.Quilt, Start: 1, End: 90}.String(), 404, "QUILT_PATCH_NOT_FOUND"},
		"unknown quilt":      {"/v1/blobs/by-quilt-patch-id/" + quilt.PatchID{Start: 1, End: 2}.String(), 404, "BLOB_NOT_FOUND"},
		"unknown identifier": {"/v1/blobs/by-quilt-id/" + quiltID + "/nothing", 404, "QUILT_PATCH_NOT_FOUND"},
		"a blob, no quilt":   {"/v1/quilts/" + plain + "/patches", 404, "QUILT_PATCH_NOT_FOUND"},
		"malformed quilt ID": {"/v1/quilts/xyz/patches", 400, "INVALID_BLOB_ID"},
	} {
		resp, body := call(t, http.MethodGet, base+c.url, nil)
		wantError(t, what, resp, body, c.code, c.reason)
	}

	for what, c := range map[string]struct {
		body   func() (*bytes.Buffer, string)
		code   int
		reason string
	}{
		"no files":       {func() (*bytes.Buffer, string) { return quiltForm(t, nil, "") }, 400, "MALFORMED_REQUEST"},
		"not multipart":  {func() (*bytes.Buffer, string) { return bytes.NewBufferString("x"), "text/plain" }, 400, "MALFORMED_REQUEST"},
		"bad metadata":   {func() (*bytes.Buffer, string) { return quiltForm(t, map[string][]byte{"a": {1}}, "{") }, 400, "MALFORMED_REQUEST"},
		"bad identifier": {func() (*bytes.Buffer, string) { return quiltForm(t, map[string][]byte{"a ": {1}}, "") }, 400, "MALFORMED_REQUEST"},
		"over the limit": {func() (*bytes.Buffer, string) { return quiltForm(t, map[string][]byte{"big": make([]byte, 1<<20)}, "") }, 413, "BLOB_TOO_LARGE"},
		"too many files": {func() (*bytes.Buffer, string) {
			many := map[string][]byte{}
			for i := range 67 {
				many[fmt.Sprint(i)] = []byte{byte(i)}
			}
			return quiltForm(t, many, "")
		}, 400, "MALFORMED_REQUEST"},
	} {
		b, ct := c.body()
		resp, body := call(t, http.MethodPut, base+"/v1/quilts", b, "Content-Type", ct)
		wantError(t, what, resp, body, c.code, c.reason)
	}
}
