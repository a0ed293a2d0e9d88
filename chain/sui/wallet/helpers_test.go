package wallet

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain/sui/suikey"
)

// Check values of shared/sui-face.md appendix A: the Ed25519 secret 32 × 0x07.
const (
	sevensAddress = "0xa0ccc8bcc83f6c628340134f8546a21e0618fd1aaa02432bba454c4a2c2233da"
	sevensEntry   = "AAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH"
	sevensBech32  = "suiprivkey1qqrswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswxzszc4"
	sevensPubKey  = "AOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs" // base64(flag ‖ public key)
)

func sevensKey(t *testing.T) *suikey.KeyPair {
	t.Helper()
	k, err := suikey.FromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeFile writes a test file, creating its directory.
func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErr fails unless err is non-nil and its message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// hexID is the text form of a 32-byte ID or address.
func hexID(b [32]byte) string { return hexString(b) }
