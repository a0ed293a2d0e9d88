package integration

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHTTPNet uses `walrusfs serve` over a devnet as people use Walrus
// Testnet's public publishers and aggregators, with no wallet: store
// --publisher, read --aggregator, then a mount over --publisher and
// --aggregator whose tree, once copied in and unmounted, is mounted again
// elsewhere from its manifest's ID alone and compared byte for byte.
func TestHTTPNet(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	base, _, _ := startServe(t, "--config", cfg, "--publisher", "--aggregator", "--max-body-size", "2M")
	over := []string{"--n-shards", "100"}

	// store and read through the services.
	blob := make([]byte, 700_000)
	rand.Read(blob)
	in := filepath.Join(t.TempDir(), "blob")
	must(t, os.WriteFile(in, blob, 0o644))
	res := mustRun(t, time.Minute, append([]string{"store", "--publisher", base, "--epochs", "2", "--json", in}, over...)...)
	var stored struct {
		BlobID   string `json:"blobId"`
		EndEpoch uint32 `json:"endEpoch"`
	}
	if err := json.Unmarshal(res.stdout, &stored); err != nil || stored.BlobID == "" || stored.EndEpoch == 0 {
		t.Fatalf("store --publisher: %s (%v)", res.stdout, err)
	}
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, time.Minute, append([]string{"read", "--aggregator", base, stored.BlobID, "-o", out}, over...)...)
	if !bytes.Equal(mustReadFile(t, out), blob) {
		t.Fatal("read --aggregator: wrong bytes")
	}
	res = mustRun(t, time.Minute, append([]string{"read", "--aggregator", base, "--range", "1000:5000", stored.BlobID}, over...)...)
	if !bytes.Equal(res.stdout, blob[1000:6000]) {
		t.Fatal("read --aggregator --range: wrong bytes")
	}
	if r := walrusfs(t, time.Minute, append([]string{"read", "--aggregator", base, strings.Repeat("A", 43)}, over...)...); r.code == 0 || !bytes.Contains(r.stderr, []byte("not found")) {
		t.Fatalf("read of an unknown blob: exit %d, %s", r.code, r.stderr)
	}
	// A quilt through the publisher, each file read back by its patch ID.
	qdir := t.TempDir()
	qfiles := map[string][]byte{"q1.txt": []byte("first file of the quilt"), "q2.bin": bytes.Repeat([]byte{7}, 9000)}
	qargs := []string{"store", "--publisher", base, "--quilt", "--json"}
	for name, data := range qfiles {
		must(t, os.WriteFile(filepath.Join(qdir, name), data, 0o644))
		qargs = append(qargs, filepath.Join(qdir, name))
	}
	var quilt struct {
		Patches []struct{ Identifier, QuiltPatchID string }
	}
	res = mustRun(t, time.Minute, append(qargs, over...)...)
	if err := json.Unmarshal(res.stdout, &quilt); err != nil || len(quilt.Patches) != len(qfiles) {
		t.Fatalf("store --quilt --publisher: %s (%v)", res.stdout, err)
	}
	for _, p := range quilt.Patches {
		got := mustRun(t, time.Minute, append([]string{"read", "--aggregator", base, p.QuiltPatchID}, over...)...).stdout
		if !bytes.Equal(got, qfiles[p.Identifier]) {
			t.Errorf("read --aggregator %s (%s): %q", p.QuiltPatchID, p.Identifier, got)
		}
	}

	big := filepath.Join(t.TempDir(), "big")
	must(t, os.WriteFile(big, make([]byte, 3<<20), 0o644))
	if r := walrusfs(t, time.Minute, append([]string{"store", "--publisher", base, "--publisher-max-body", "2M", big}, over...)...); r.code == 0 || !bytes.Contains(r.stderr, []byte("too large")) {
		t.Fatalf("store over the body limit: exit %d, %s", r.code, r.stderr)
	}

	// A mount over the services: files larger than the body limit are cut
	// to fit it, small ones go in quilts.
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	large := make([]byte, 5<<20+12345)
	rand.Read(large)
	must(t, os.WriteFile(filepath.Join(src, "large.bin"), large, 0o644))
	for i, name := range []string{"a.txt", "sub/b.txt", "sub/c.txt"} {
		must(t, os.WriteFile(filepath.Join(src, name), bytes.Repeat([]byte{byte('a' + i)}, 1000*(i+1)), 0o644))
	}
	mountArgs := append([]string{"--publisher", base, "--aggregator", base, "--publisher-max-body", "2M", "--epochs", "2"}, over...)
	state1, mnt1 := filepath.Join(t.TempDir(), "state1"), filepath.Join(t.TempDir(), "mnt1")
	m := startMount(t, mnt1, state1, mountArgs...)
	copyInAndUnmount(t, m, src, state1)
	logs := m.logTail(100)
	i := strings.Index(logs, "published as manifest ")
	if i < 0 {
		t.Fatalf("the mount did not print its manifest:\n%s", logs)
	}
	manifest := strings.Fields(logs[i+len("published as manifest "):])[0]
	recorded, err := filepath.Glob(filepath.Join(state1, "fs", "http-*", "default", "manifest.json"))
	if err != nil || len(recorded) != 1 || !bytes.Contains(mustReadFile(t, recorded[0]), []byte(manifest)) {
		t.Fatalf("the manifest %s is not recorded in the state: %v %v", manifest, recorded, err)
	}

	// Elsewhere: a fresh state, the tree's identity and its manifest's ID.
	state2, mnt2 := filepath.Join(t.TempDir(), "state2"), filepath.Join(t.TempDir(), "mnt2")
	startMount(t, mnt2, state2, append(mountArgs, "--manifest", manifest, "--identity", filepath.Join(state1, "keys", "identity.txt"))...)
	mustCmd(t, "diff", "-r", src, mnt2)
}
