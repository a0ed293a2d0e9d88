package suiface_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
	"github.com/walrusfs/walrusfs/walrus/client"
)

func blobOf(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*31 + size)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestOfficialSDK runs the official Walrus SDK over the official Sui gRPC
// client against the face: it writes permanent and deletable blobs of 0 B
// to 3 MiB (with attributes), reads them back, extends, re-attributes and
// deletes; walrusfs reads the SDK's blobs and the SDK reads walrusfs's; and
// the WAL spent is exactly what Walrus's prices say.
func TestOfficialSDK(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := f.Ledger.SuiDeployment()

	goData := blobOf(77_777)
	var goAccount chain.Address
	goAccount[0] = 0x60
	stored, err := f.Client(goAccount, client.Options{}).Store(ctx, goData, 3, false)
	if err != nil {
		t.Fatal(err)
	}

	sizes := []int{0, 1, 1000, 1<<20 + 3, 3 << 20}
	in, _ := json.Marshal(map[string]any{
		"baseUrl": f.URL, "system": ledger.FormatObjectID(d.System), "staking": ledger.FormatObjectID(d.Staking),
		"secretHex": hex.EncodeToString(f.Key.Seed()), "sizes": sizes, "goBlobId": stored.BlobID.String(),
	})
	raw := officialsdk.Run(t, 4*time.Minute, "testdata/sdk_e2e.mjs", string(in))
	var out struct {
		Address string `json:"address"`
		Written []struct {
			Size       int    `json:"size"`
			Deletable  bool   `json:"deletable"`
			BlobID     string `json:"blobId"`
			ObjectID   string `json:"objectId"`
			EndEpoch   any    `json:"endEpoch"`
			Certified  bool   `json:"certified"`
			ReadSha256 string `json:"readSha256"`
			WantSha256 string `json:"wantSha256"`
		} `json:"written"`
		Extended        struct{ Before, After int } `json:"extended"`
		AttrsBefore     map[string]string           `json:"attrsBefore"`
		AttrsAfter      map[string]string           `json:"attrsAfter"`
		DeletedGone     bool                        `json:"deletedGone"`
		DeletedObjectID string                      `json:"deletedObjectId"`
		GoBlobSha256    string                      `json:"goBlobSha256"`
		PoorError       string                      `json:"poorError"`
		VerifiedStatus  map[string]string           `json:"verifiedStatus"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("script output %q: %v", raw, err)
	}
	if out.Address != ledger.FormatAddress(f.Key.Address()) {
		t.Fatalf("the SDK signs as %s, the key's address is %s", out.Address, ledger.FormatAddress(f.Key.Address()))
	}
	if len(out.Written) != len(sizes) {
		t.Fatalf("%d blobs written, want %d", len(out.Written), len(sizes))
	}
	reader := f.Client(goAccount, client.Options{})
	var wantWAL uint64
	for _, w := range out.Written {
		if !w.Certified || w.ReadSha256 != w.WantSha256 {
			t.Errorf("blob of %d bytes: certified %v, read back %s, want %s", w.Size, w.Certified, w.ReadSha256, w.WantSha256)
		}
		id, err := encoding.ParseBlobID(w.BlobID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := reader.Read(ctx, id)
		switch {
		case w.ObjectID == out.DeletedObjectID:
			if err == nil {
				t.Errorf("walrusfs read the SDK's deleted blob %s", w.BlobID)
			}
		case err != nil || sha(got) != sha(blobOf(w.Size)):
			t.Errorf("walrusfs read of the SDK's %d-byte blob %s: %v", w.Size, w.BlobID, err)
		}
		if want := map[bool]string{false: "permanent", true: "deletable"}[w.Deletable]; out.VerifiedStatus[w.BlobID] != want {
			t.Errorf("the SDK's verified status of %s: %q, want %q", w.BlobID, out.VerifiedStatus[w.BlobID], want)
		}
		enc, err := moveobj.EncodedBlobLength(uint64(w.Size), uint16(d.NShards))
		if err != nil {
			t.Fatal(err)
		}
		storage, _ := moveobj.StorageCost(d.StoragePrice, enc, 3)
		write, _ := moveobj.WriteCost(d.WritePrice, enc)
		wantWAL += storage + write
		if !w.Deletable && w.Size == sizes[0] {
			ext, _ := moveobj.StorageCost(d.StoragePrice, enc, 2)
			wantWAL += ext
		}
	}
	if out.Extended.After != out.Extended.Before+2 {
		t.Errorf("extension by 2 epochs: end epoch %d → %d", out.Extended.Before, out.Extended.After)
	}
	if want := map[string]string{"name": "first", "kind": "test"}; !equalMaps(out.AttrsBefore, want) {
		t.Errorf("attributes written with the blob: %v, want %v", out.AttrsBefore, want)
	}
	if want := map[string]string{"kind": "changed", "extra": "x"}; !equalMaps(out.AttrsAfter, want) {
		t.Errorf("attributes after the update: %v, want %v", out.AttrsAfter, want)
	}
	if !out.DeletedGone {
		t.Errorf("deleted blob object %s still readable", out.DeletedObjectID)
	}
	if out.GoBlobSha256 != sha(goData) {
		t.Errorf("the SDK read walrusfs's blob as %s, want %s", out.GoBlobSha256, sha(goData))
	}
	if !strings.Contains(out.PoorError, "Insufficient balance") {
		t.Errorf("writing with an unfunded key: %q, want the SDK's insufficient-balance error", out.PoorError)
	}
	wal, _, err := f.Ledger.SuiBalance(ctx, f.Key.Address(), d.WALType())
	if err != nil {
		t.Fatal(err)
	}
	if spent := facetest.GrantWAL - wal; spent != wantWAL {
		t.Errorf("WAL spent %d FROST, Walrus's prices say %d", spent, wantWAL)
	}
	gas, _, err := f.Ledger.SuiBalance(ctx, f.Key.Address(), moveobj.SUIType())
	if err != nil || gas >= facetest.GrantSUI {
		t.Errorf("SUI balance %d after paying gas (err %v)", gas, err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
