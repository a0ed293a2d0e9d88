package integration

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// TestQuilts: `walrusfs store --quilt` stores files as one Walrus quilt,
// and a mount packs small files into quilts, that the official SDK reads
// file by file by their patch IDs (user.walrus.quilt_patch_id for the
// mount's); `walrusfs read PATCH_ID` reads each file back (encrypted ones
// with --identity); walrusfs reads the files of a quilt the SDK wrote.
func TestQuilts(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, setup := devnetSetup(t, dir)

	src := t.TempDir()
	data := map[string][]byte{}
	var paths []string
	for name, size := range map[string]int{"empty": 0, "a.txt": 10, "b.bin": 5000, "c.bin": 70_000} {
		b := make([]byte, size)
		rand.Read(b)
		data[name] = b
		p := filepath.Join(src, name)
		must(t, os.WriteFile(p, b, 0o644))
		paths = append(paths, p)
	}
	var stored struct {
		BlobID  string `json:"blobId"`
		Patches []struct {
			File, Identifier string
			QuiltPatchID     string `json:"quiltPatchId"`
		} `json:"patches"`
	}
	must(t, json.Unmarshal(mustRun(t, 2*time.Minute, append([]string{"store", "--config", cfg, "--quilt", "--json"}, paths...)...).stdout, &stored))
	if len(stored.Patches) != len(paths) {
		t.Fatalf("%d patches for %d files", len(stored.Patches), len(paths))
	}
	var patchIDs []string
	for _, p := range stored.Patches {
		if !strings.HasPrefix(p.QuiltPatchID, stored.BlobID) || filepath.Base(p.File) != p.Identifier {
			t.Fatalf("patch %+v of quilt %s", p, stored.BlobID)
		}
		patchIDs = append(patchIDs, p.QuiltPatchID)
		if got := mustRun(t, time.Minute, "read", "--config", cfg, p.QuiltPatchID).stdout; !bytes.Equal(got, data[p.Identifier]) {
			t.Errorf("walrusfs read %s (%s): %d bytes, want %d", p.QuiltPatchID, p.Identifier, len(got), len(data[p.Identifier]))
		}
	}

	// Encrypted: each file is an age file inside its patch.
	idFile := filepath.Join(t.TempDir(), "identity")
	_, keygen := ageTools(t)
	if out, err := exec.Command(keygen, "-pq", "-o", idFile).CombinedOutput(); err != nil {
		t.Fatalf("age-keygen: %v: %s", err, out)
	}
	rec, err := exec.Command(keygen, "-y", idFile).Output()
	must(t, err)
	var private struct {
		Patches []struct {
			Identifier   string
			QuiltPatchID string `json:"quiltPatchId"`
		} `json:"patches"`
	}
	must(t, json.Unmarshal(mustRun(t, 2*time.Minute, "store", "--config", cfg, "--quilt", "--json", "--encrypt-to", strings.TrimSpace(string(rec)), paths[0], paths[1]).stdout, &private))
	for _, p := range private.Patches {
		if ct := mustRun(t, time.Minute, "read", "--config", cfg, p.QuiltPatchID).stdout; len(data[p.Identifier]) > 0 && bytes.Contains(ct, data[p.Identifier]) {
			t.Errorf("%s is in the quilt in the clear", p.Identifier)
		}
		if got := mustRun(t, time.Minute, "read", "--config", cfg, "--identity", idFile, p.QuiltPatchID).stdout; !bytes.Equal(got, data[p.Identifier]) {
			t.Errorf("read --identity %s: wrong plaintext", p.Identifier)
		}
	}

	// A public mount packs small files into quilts.
	state, mnt := t.TempDir(), t.TempDir()
	startMount(t, mnt, state, "--config", cfg, "--public", "--publish-after", "300ms")
	mounted := makeFiles(t, t.TempDir(), map[string]int{"m1": 100, "m2": 3000, "m3": 20_000, "m4": 1})
	for _, f := range mounted {
		must(t, os.WriteFile(filepath.Join(mnt, f.name), f.data, 0o644))
	}
	waitPublished(t, state, 1)
	mountPatches := map[string][]string{} // quilt ID → patch IDs
	mountData := map[string][]byte{}      // patch ID → bytes
	for _, f := range mounted {
		pid := xattr(t, filepath.Join(mnt, f.name), "user.walrus.quilt_patch_id")
		mountPatches[pid[:43]] = append(mountPatches[pid[:43]], pid)
		mountData[pid] = f.data
	}
	reads := []map[string]any{{"quiltId": stored.BlobID, "patchIds": patchIDs}}
	for q, ids := range mountPatches {
		reads = append(reads, map[string]any{"quiltId": q, "patchIds": ids})
	}

	write := []map[string]any{{"identifier": "sdk-1.txt", "size": 100}, {"identifier": "sdk-0.bin", "size": 9000}}
	in, _ := json.Marshal(map[string]any{
		"baseUrl": setup.RPCURLs[0], "system": ledger.FormatObjectID(setup.SystemObject), "staking": ledger.FormatObjectID(setup.StakingObject),
		"secretHex": hex.EncodeToString(setup.Signer.Seed()), "reads": reads, "write": write,
	})
	type read struct{ Identifier, Sha256 string }
	var out struct {
		BlobPath   map[string]read `json:"blobPath"`
		SliverPath map[string]read `json:"sliverPath"`
		Written    []struct{ ID, QuiltID, Identifier string }
	}
	must(t, json.Unmarshal(officialsdk.Run(t, 3*time.Minute, "testdata/sdk_quilt.mjs", string(in)), &out))
	for _, p := range stored.Patches {
		if got := out.BlobPath[p.QuiltPatchID]; got.Identifier != p.Identifier || got.Sha256 != shaHex(data[p.Identifier]) {
			t.Errorf("the SDK read %s as %+v, want %s", p.Identifier, got, shaHex(data[p.Identifier]))
		}
		if got := out.SliverPath[p.QuiltPatchID]; got.Sha256 != shaHex(data[p.Identifier]) {
			t.Logf("the SDK's sliver path read %s as %s (its known bug, ../shared/oracle/quilt/README.md §5)", p.Identifier, got.Sha256)
		}
	}
	for pid, want := range mountData {
		if got := out.BlobPath[pid]; got.Sha256 != shaHex(want) {
			t.Errorf("the SDK read the mount's %s as %+v, want %s", pid, got, shaHex(want))
		}
	}
	if len(out.Written) != len(write) {
		t.Fatalf("the SDK wrote %d files, want %d", len(out.Written), len(write))
	}
	for i, w := range write {
		var id string
		for _, f := range out.Written {
			if f.Identifier == w["identifier"] {
				id = f.ID
			}
		}
		want := make([]byte, w["size"].(int))
		for j := range want {
			want[j] = byte(j*131 + i)
		}
		if got := mustRun(t, time.Minute, "read", "--config", cfg, id).stdout; !bytes.Equal(got, want) {
			t.Errorf("walrusfs read the SDK's %s (%s): %d bytes, want %d", w["identifier"], id, len(got), len(want))
		}
	}
}
