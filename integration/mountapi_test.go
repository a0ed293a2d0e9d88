package integration

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMountServesAggregatorAPI: a mount on its embedded network with
// --api-listen serves Walrus's aggregator API for that network, which
// lives in the mount's process: each file is read back over HTTP by the
// ID its attributes give, a small file by its quilt patch ID, a large one
// by its blob ID, byte for byte; the API stops with the mount.
func TestMountServesAggregatorAPI(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := lis.Addr().String()
	lis.Close()
	base := "http://" + addr

	state, mnt := t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "--public", "--publish-after", "300ms", "--api-listen", addr)
	files := makeFiles(t, t.TempDir(), map[string]int{"small1": 700, "small2": 5000, "large": 1_500_000})
	for _, f := range files {
		must(t, os.WriteFile(filepath.Join(mnt, f.name), f.data, 0o644))
	}
	waitPublished(t, state, 1)

	for _, f := range files {
		path := filepath.Join(mnt, f.name)
		url, lo, hi := "", 0, len(f.data)
		buf := make([]byte, 256)
		if n, err := unix.Getxattr(path, "user.walrus.quilt_patch_id", buf); err == nil {
			pid := string(buf[:n])
			url = base + "/v1/blobs/by-quilt-patch-id/" + pid
		} else {
			ref := strings.Fields(xattr(t, path, "user.walrus.blob_id"))
			if len(ref) != 1 {
				t.Fatalf("%s: blob_id %q, want one blob", f.name, ref)
			}
			parts := strings.Split(ref[0], ":")
			url = base + "/v1/blobs/" + parts[0]
			if len(parts) == 3 {
				off, _ := strconv.Atoi(parts[1])
				lo, hi = off, off+len(f.data)
			}
		}
		if f.name != "large" && !strings.Contains(url, "by-quilt-patch-id") {
			t.Errorf("%s: %s, want a quilt patch", f.name, url)
		}
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", lo, hi-1))
		status, body := send(t, req)
		if status != http.StatusOK && status != http.StatusPartialContent {
			t.Fatalf("GET %s: %d %s", url, status, body)
		}
		if !bytes.Equal(body, f.data) {
			t.Errorf("GET %s: %d bytes, not the file's %d", url, len(body), len(f.data))
		}
	}
	status, _ := send(t, mustRequest(t, base+"/v1/blobs/"+strings.Repeat("A", 43)))
	if status != http.StatusNotFound {
		t.Errorf("an unknown blob: %d, want 404", status)
	}

	mustRun(t, time.Minute, "umount", mnt)
	select {
	case <-m.exited:
	case <-time.After(time.Minute):
		t.Fatal("the mount did not exit a minute after its unmount")
	}
	if _, err := http.Get(base + "/status"); err == nil {
		t.Error("the API still answers after the unmount")
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	must(t, err)
	return req
}
