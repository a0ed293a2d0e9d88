package suikey

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/officialsdk"
	"github.com/walrusfs/walrusfs/internal/testvectors"

	"github.com/mr-tron/base58"
)

// The address of the secret 32 × 0x07, as the official SDK derives it
// (shared/sui-face.md, appendix A).
const sevensAddress = "a0ccc8bcc83f6c628340134f8546a21e0618fd1aaa02432bba454c4a2c2233da"

func TestAddressMatchesSDK(t *testing.T) {
	k, err := FromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a := k.Address()
	if got := hex.EncodeToString(a[:]); got != sevensAddress {
		t.Fatalf("address %s, want %s", got, sevensAddress)
	}
}

func TestSignVerify(t *testing.T) {
	k, err := NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	tx := []byte{0, 0, 1, 2, 3}
	sig := k.SignTransaction(tx)
	if len(sig) != Ed25519SignatureSize || sig[0] != FlagEd25519 {
		t.Fatalf("signature %x", sig)
	}
	addr, err := VerifyTransaction(tx, sig)
	if err != nil || addr != k.Address() {
		t.Fatalf("verify: %v, address %x want %x", err, addr, k.Address())
	}
	for name, bad := range map[string][]byte{
		"other tx":  nil,
		"flipped":   flip(sig, 10),
		"short":     sig[:50],
		"secp256k1": append([]byte{FlagSecp256k1}, sig[1:]...),
		"empty":     {},
		"other key": flip(sig, 70),
	} {
		msg := tx
		if name == "other tx" {
			msg, bad = []byte{0, 0, 1, 2, 4}, sig
		}
		if _, err := VerifyTransaction(msg, bad); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err %v, want ErrBadSignature", name, err)
		}
	}
}

// The oracle's register PTB, built by the official SDK, has this digest.
func TestTransactionDigestMatchesSDK(t *testing.T) {
	dir, err := testvectors.OracleDir()
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sui", "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		WalrusClient struct {
			TxBytesBase64 string `json:"txBytesBase64"`
			Digest        string `json:"digest"`
		} `json:"walrusClient"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	tx, err := base64.StdEncoding.DecodeString(out.WalrusClient.TxBytesBase64)
	if err != nil {
		t.Fatal(err)
	}
	d := TransactionDigest(tx)
	if got := base58.Encode(d[:]); got != out.WalrusClient.Digest {
		t.Fatalf("digest %s, the SDK's %s", got, out.WalrusClient.Digest)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

// Personal messages are signed as the official SDK signs them: Ed25519 is
// deterministic, so the SDK's signature of "hello" by the key 32 × 0x07 is
// exactly ours.
func TestPersonalMessage(t *testing.T) {
	k, err := FromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sig := k.SignPersonalMessage([]byte("hello"))
	sdk := strings.TrimSpace(string(officialsdk.Run(t, time.Minute, "testdata/personal.mjs")))
	if got := base64.StdEncoding.EncodeToString(sig); got != sdk {
		t.Fatalf("signature %s, the SDK's %s", got, sdk)
	}
	if a, err := VerifyPersonalMessage([]byte("hello"), sig); err != nil || a != k.Address() {
		t.Fatalf("verify: %v, %x", err, a)
	}
	if _, err := VerifyPersonalMessage([]byte("hellO"), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("another message verified: %v", err)
	}
	if _, err := VerifyTransaction(bcsBytes([]byte("hello")), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a personal-message signature passed for a transaction: %v", err)
	}
}
