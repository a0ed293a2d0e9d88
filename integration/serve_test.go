package integration

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServe runs `walrusfs serve --publisher --aggregator` against a devnet
// and uses it as a Walrus aggregator and publisher are used, with plain
// HTTP requests: a PUT, the reads of what it stored (whole, by range, by
// object ID) byte for byte and by `walrusfs read` too, an unknown blob,
// a body over the limit; then SIGTERM stops it cleanly.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	devnetAPI := "http://" + lis.Addr().String()
	lis.Close()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100", "--api-listen", strings.TrimPrefix(devnetAPI, "http://"))
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)

	base, cmd, exited := startServe(t, "--config", cfg, "--publisher", "--aggregator", "--max-body-size", "1M")

	blob := make([]byte, 400_000)
	rand.Read(blob)
	req, _ := http.NewRequest(http.MethodPut, base+"/v1/blobs?epochs=2", bytes.NewReader(blob))
	status, body := send(t, req)
	var stored struct {
		NewlyCreated struct {
			BlobObject struct {
				ID     string `json:"id"`
				BlobID string `json:"blobId"`
				Size   int    `json:"size"`
			} `json:"blobObject"`
			Cost uint64 `json:"cost"`
		} `json:"newlyCreated"`
	}
	if err := json.Unmarshal(body, &stored); status != http.StatusOK || err != nil || stored.NewlyCreated.BlobObject.Size != len(blob) || stored.NewlyCreated.Cost == 0 {
		t.Fatalf("PUT: %d %s (%v)", status, body, err)
	}
	id, object := stored.NewlyCreated.BlobObject.BlobID, stored.NewlyCreated.BlobObject.ID

	get := func(path string, headers ...string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		must(t, err)
		return resp.StatusCode, resp.Header, b
	}
	if code, h, b := get("/v1/blobs/" + id); code != http.StatusOK || !bytes.Equal(b, blob) || h.Get("ETag") != id {
		t.Fatalf("GET: %d, %d bytes, ETag %q", code, len(b), h.Get("ETag"))
	}
	// The devnet serves the same reads itself (--api-listen).
	if status, b := send(t, mustRequest(t, devnetAPI+"/v1/blobs/"+id)); status != http.StatusOK || !bytes.Equal(b, blob) {
		t.Fatalf("GET from the devnet's aggregator API: %d, %d bytes", status, len(b))
	}
	if code, h, b := get("/v1/blobs/"+id, "Range", "bytes=-1000"); code != http.StatusPartialContent || !bytes.Equal(b, blob[len(blob)-1000:]) ||
		h.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", len(blob)-1000, len(blob)-1, len(blob)) {
		t.Fatalf("GET the last 1000 bytes: %d, %d bytes, %q", code, len(b), h.Get("Content-Range"))
	}
	if code, _, b := get(fmt.Sprintf("/v1/blobs/%s/byte-range?start=12345&length=100000", id)); code != http.StatusOK || !bytes.Equal(b, blob[12345:112345]) {
		t.Fatalf("byte-range: %d, %d bytes", code, len(b))
	}
	if code, _, b := get("/v1/blobs/by-object-id/" + object); code != http.StatusOK || !bytes.Equal(b, blob) {
		t.Fatalf("by object ID: %d, %d bytes", code, len(b))
	}
	if code, _, b := get("/v1/blobs/" + strings.Repeat("A", 43)); code != http.StatusNotFound || !bytes.Contains(b, []byte(`"BLOB_NOT_FOUND"`)) {
		t.Fatalf("an unknown blob: %d %s", code, b)
	}
	// What the publisher stored is a Walrus blob as any other.
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, time.Minute, "read", "--config", cfg, id, "-o", out)
	if !bytes.Equal(mustReadFile(t, out), blob) {
		t.Fatal("walrusfs read of the published blob: wrong bytes")
	}
	req, _ = http.NewRequest(http.MethodPut, base+"/v1/blobs", bytes.NewReader(make([]byte, 1<<20+1)))
	if status, body := send(t, req); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("PUT over --max-body-size: %d %s", status, body)
	}

	must(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("serve still running 20 s after SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("serve exited with status %d after SIGTERM", code)
	}
}

// startServe starts `walrusfs serve` with args on a free loopback port and
// waits until it answers; it is killed at the end of the test, its logs
// shown if the test failed. exited is closed once it exited.
func startServe(t *testing.T, args ...string) (base string, cmd *exec.Cmd, exited <-chan struct{}) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := lis.Addr().String()
	lis.Close()
	logs := filepath.Join(t.TempDir(), "stderr")
	errf, err := os.Create(logs)
	must(t, err)
	t.Cleanup(func() { errf.Close() })
	cmd = exec.Command(bin, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Stderr = errf
	inGroup(cmd)
	exited, err = startLocked(cmd)
	must(t, err)
	t.Cleanup(func() {
		killGroup(cmd.Process.Pid)
		<-exited
		if t.Failed() {
			b, _ := os.ReadFile(logs)
			t.Logf("serve logs:\n%s", tail(b, 40))
		}
	})
	base = "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(base + "/status"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, cmd, exited
			}
		}
		select {
		case <-exited:
			t.Fatalf("serve exited while starting (%s)", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve not answering after 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send sends req and returns the status and body.
func send(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, b
}
