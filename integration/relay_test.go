package integration

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// TestUploadRelay: the official SDK stores blobs through `walrusfs serve
// --upload-relay` (registering and certifying them itself on the devnet's
// Sui face), permanent and deletable, with the tip config asked (tx_id and
// nonce sent) and without; walrusfs then reads each back byte for byte.
func TestUploadRelay(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, setup := devnetSetup(t, dir)
	base, _, _ := startServe(t, "--config", cfg, "--upload-relay")

	req, _ := http.NewRequest(http.MethodGet, base+"/v1/tip-config", nil)
	if status, body := send(t, req); status != http.StatusOK || strings.TrimSpace(string(body)) != `"no_tip"` {
		t.Fatalf("tip-config: %d %s", status, body)
	}

	type write struct {
		Size      int  `json:"size"`
		Seed      int  `json:"seed"`
		Deletable bool `json:"deletable"`
		SendTip   bool `json:"sendTip"`
	}
	writes := []write{{300_000, 1, false, true}, {5_000, 2, true, true}, {70_000, 3, true, false}}
	in, _ := json.Marshal(map[string]any{
		"baseUrl": setup.RPCURLs[0], "system": ledger.FormatObjectID(setup.SystemObject), "staking": ledger.FormatObjectID(setup.StakingObject),
		"secretHex": hex.EncodeToString(setup.Signer.Seed()), "relay": base, "writes": writes,
	})
	var out struct {
		Written []struct {
			BlobID    string `json:"blobId"`
			ObjectID  string `json:"objectId"`
			Certified bool   `json:"certified"`
			Sha256    string `json:"sha256"`
		} `json:"written"`
	}
	must(t, json.Unmarshal(officialsdk.Run(t, 3*time.Minute, "testdata/sdk_relay.mjs", string(in)), &out))
	if len(out.Written) != len(writes) {
		t.Fatalf("the SDK wrote %d blobs, want %d", len(out.Written), len(writes))
	}
	for i, w := range out.Written {
		want := sdkContents(writes[i].Size, writes[i].Seed)
		if w.Sha256 != shaHex(want) {
			t.Fatalf("blob %d: the SDK's bytes hash to %s, the test's to %s", i, w.Sha256, shaHex(want))
		}
		if !w.Certified {
			t.Errorf("blob %d (%s): not certified after writeBlob", i, w.BlobID)
		}
		got := filepath.Join(t.TempDir(), "out")
		mustRun(t, time.Minute, "read", "--config", cfg, w.BlobID, "-o", got)
		if !bytes.Equal(mustReadFile(t, got), want) {
			t.Fatalf("blob %d (%s, %+v): walrusfs read other bytes than the SDK wrote through the relay", i, w.BlobID, writes[i])
		}
	}
}

// sdkContents is sdk_relay.mjs's contents(size, seed).
func sdkContents(size, seed int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*131 + seed*7)
	}
	return b
}
