package nodekeys

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

func seededKey(t *testing.T, b byte) *bls.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	seed[0] = b
	k, err := bls.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKeyFile: a key file is 64 hex digits and a newline, mode 0600, and
// reads back as the same key; one others can read is reported.
func TestKeyFile(t *testing.T) {
	key := seededKey(t, 0)
	path := filepath.Join(t.TempDir(), KeyFileName)
	if err := WriteKeyFile(path, key); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "4d129a19df86a0f5345bad4cc6f249ec2a819ccc3386895beb4f7d98b3db6235\n"; string(data) != want {
		t.Fatalf("key file holds %q, want %q", data, want)
	}
	if err := CheckKeyFileMode(path); err != nil {
		t.Fatalf("mode after WriteKeyFile: %v", err)
	}
	got, err := ReadKeyFile(path)
	if err != nil || got.PublicKey() != key.PublicKey() {
		t.Fatalf("read back: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckKeyFileMode(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("mode 0644: %v", err)
	}
	if err := os.WriteFile(path, []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeyFile(path); err == nil || !strings.Contains(err.Error(), "not hex") {
		t.Fatalf("not hex: %v", err)
	}
}

// TestDerivedAccounts pins the accounts derived from keys and chain IDs:
// nodes registered, and devnets written, before must keep theirs.
func TestDerivedAccounts(t *testing.T) {
	node := NodeAccount(seededKey(t, 0).PublicKey())
	if got := hex.EncodeToString(node[:]); got != "cf4c5719b84a4b0a00e1fe518264cd6e6f007bfa635338975bc6490a8fc5511b" {
		t.Errorf("NodeAccount changed: %s", got)
	}
	client := DevnetClientAccount("chain-1")
	if got := hex.EncodeToString(client[:]); got != "5f7bc284a612c692971383fa018641ebac4e9fef3aee6e1527d96cb095ed3ddd" {
		t.Errorf("DevnetClientAccount changed: %s", got)
	}
}

func TestFindMember(t *testing.T) {
	a, b := seededKey(t, 1).PublicKey(), seededKey(t, 2).PublicKey()
	com := &chain.Committee{Members: []chain.Node{{PublicKey: a}, {PublicKey: b}}}
	if i, err := FindMember(com, b); i != 1 || err != nil {
		t.Fatalf("FindMember: %d, %v", i, err)
	}
	if i, err := FindMember(com, seededKey(t, 3).PublicKey()); i != -1 || err == nil {
		t.Fatalf("not a member: %d, %v", i, err)
	}
}

// TestTLSKey: a created network key loads against its own public key, not
// against another node's.
func TestTLSKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node-0", TLSKeyFileName)
	pub, err := CreateTLSKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("network key file: %v, %v", fi.Mode(), err)
	}
	if _, err := LoadTLSKey(path, pub); err != nil {
		t.Fatalf("load: %v", err)
	}
	other, err := CreateTLSKey(filepath.Join(dir, "node-1", TLSKeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTLSKey(path, other); err == nil {
		t.Fatal("loaded against another node's public key")
	}
	if _, err := LoadTLSKey(filepath.Join(dir, "missing"), pub); err == nil {
		t.Fatal("loaded a missing file")
	}
}
