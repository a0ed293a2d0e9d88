package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readCache is the read cache's part of `walrusfs status --json`.
type readCache struct {
	Misses       int64 `json:"misses"`
	FetchedBytes int64 `json:"fetchedBytes"`
	Prefetched   int64 `json:"prefetched"`
}

func readCacheOf(t *testing.T, state string) readCache {
	t.Helper()
	res := mustRun(t, 30*time.Second, "status", "--state", state, "--json")
	var st []struct {
		Cache readCache `json:"cache"`
	}
	must(t, json.Unmarshal(res.stdout, &st))
	if len(st) != 1 {
		t.Fatalf("status of %d mounts: %s", len(st), res.stdout)
	}
	return st[0].Cache
}

// TestWarmup copies a tree into a mount, loses the mount's tree and local
// copies (the mount rebuilds the tree from the network: every file is
// remote), and warms the tree up: the files are fetched, quietly (standard
// error is no terminal), and reading them all afterwards fetches nothing
// and misses nothing. A path on no walrusfs mount is an error.
func TestWarmup(t *testing.T) {
	state, mnt, src := t.TempDir(), t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "--publish-after", "300ms")
	sizes := map[string]int{"big": 5<<20 + 3, "empty": 0}
	for i := range 120 {
		sizes[fmt.Sprintf("d%d/f%03d", i%4, i)] = (i * 7919) % 40_000
	}
	for i := range 10 {
		sizes[fmt.Sprintf("d1/sub/g%d", i)] = 300_000 + i
	}
	for name := range sizes {
		must(t, os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755))
	}
	makeFiles(t, src, sizes)
	copyInAndUnmount(t, m, src, state)

	// The tree and the local copies go; the network's data and the keys
	// stay.
	must(t, os.RemoveAll(filepath.Join(state, "fs", "embedded", "default")))
	startMount(t, mnt, state)
	before := readCacheOf(t, state)
	res := mustRun(t, 2*time.Minute, "warmup", "--jobs", "4", mnt)
	if len(res.stdout) > 0 || len(res.stderr) > 0 {
		t.Fatalf("warmup without a terminal said:\n%s%s", res.stdout, res.stderr)
	}
	warm := readCacheOf(t, state)
	total := int64(0)
	for _, size := range sizes {
		total += int64(size)
	}
	if warm.FetchedBytes-before.FetchedBytes < total {
		t.Fatalf("warmup fetched %d bytes of %d: %+v", warm.FetchedBytes-before.FetchedBytes, total, warm)
	}
	mustCmd(t, "diff", "-r", src, mnt)
	if after := readCacheOf(t, state); after.Misses != warm.Misses || after.FetchedBytes != warm.FetchedBytes {
		t.Fatalf("reads after warmup missed the cache: after warmup %+v, after reading %+v", warm, after)
	}

	outside := t.TempDir()
	res = walrusfs(t, time.Minute, "warmup", outside)
	if res.code != 1 || !strings.Contains(string(res.stderr), "not on a walrusfs mount") {
		t.Fatalf("warmup of %s: exit %d, %s", outside, res.code, res.stderr)
	}
}
