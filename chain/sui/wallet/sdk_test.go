package wallet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// TestKeystoreMatchesOfficialSDK checks, with @mysten/sui under node, that
// the keystore reader derives the same secrets and addresses as the SDK,
// Bech32 and secp256r1 included. Skipped without node.
func TestKeystoreMatchesOfficialSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	fresh, err := suikey.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	entries := []string{sevensEntry, sevensBech32, encodeEntry(fresh), entry(0x02, bytes.Repeat([]byte{7}, 32))}
	quoted, _ := json.Marshal(entries)
	ks, err := ReadKeystore(writeFile(t, filepath.Join(t.TempDir(), "sui.keystore"), string(quoted)))
	if err != nil {
		t.Fatal(err)
	}

	out := officialsdk.Run(t, 2*time.Minute, "testdata/sdk_keys.mjs", entries...)
	dec := json.NewDecoder(bytes.NewReader(out))
	for i, k := range ks.Keys {
		var got struct{ Scheme, Secret, Address string }
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("SDK output line %d: %v\n%s", i, err, out)
		}
		if got.Address != hexID(k.Address) || got.Secret != hex.EncodeToString(k.secret[:]) ||
			got.Scheme != map[Scheme]string{Ed25519: "ED25519", Secp256r1: "Secp256r1"}[k.Scheme] {
			t.Errorf("entry %d: SDK says %s %s, we read %v", i, got.Scheme, got.Address, k)
		}
	}
	if hexID(ks.Keys[0].Address) != sevensAddress || ks.Keys[2].Address == ks.Keys[0].Address {
		t.Error("keys not as expected")
	}
}
