package mountkeys

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// TestOpenAndCreate: a public mount has no keys; a private one finds none
// in a new state directory until Create makes them (saying so once), and
// what they seal their identities open.
func TestOpenAndCreate(t *testing.T) {
	state := t.TempDir()
	pub, ok, err := Open(state, "", true, nil)
	if err != nil || !ok || pub.Ring() != nil || pub.Identities() != nil || pub.Seal() != nil || pub.Sum() != nil {
		t.Fatalf("public: %+v, %v, %v", pub, ok, err)
	}
	if _, ok, err := Open(state, "", false, nil); ok || err != nil {
		t.Fatalf("new state directory: ok %v, %v", ok, err)
	}

	var notice bytes.Buffer
	created, err := Create(state, &notice)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice.String(), filepath.Join(state, DirName, crypt.IdentityFile)) {
		t.Fatalf("notice does not name the identity file: %q", notice.String())
	}
	notice.Reset()
	again, err := Create(state, &notice)
	if err != nil || notice.Len() != 0 || again.Ring().Public != created.Ring().Public {
		t.Fatalf("second Create: %v, notice %q", err, notice.String())
	}

	opened, ok, err := Open(state, "", false, nil)
	if err != nil || !ok || opened.Ring().Public != created.Ring().Public {
		t.Fatalf("open: ok %v, %v", ok, err)
	}
	sealed, err := opened.Seal()([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := crypt.Decrypt(sealed, opened.Identities()); err != nil || string(plain) != "hello" {
		t.Fatalf("decrypt: %q, %v", plain, err)
	}
	if opened.Sum()([]byte("x")) != created.Sum()([]byte("x")) {
		t.Fatal("the same identity gives another content hash")
	}

	// --identity names a file: one that is missing says which flag.
	if _, _, err := Open(state, filepath.Join(state, "missing"), false, nil); err == nil || !strings.HasPrefix(err.Error(), "--identity: ") {
		t.Fatalf("missing identity file: %v", err)
	}
	byFile, ok, err := Open(t.TempDir(), filepath.Join(state, DirName, crypt.IdentityFile), false, nil)
	if err != nil || !ok || byFile.Ring().Public != created.Ring().Public {
		t.Fatalf("identity file: ok %v, %v", ok, err)
	}
}

// TestCheckTree: a tree records the key it is first encrypted to, and
// refuses another one, or none.
func TestCheckTree(t *testing.T) {
	m, err := meta.Open(t.TempDir(), uint32(os.Getuid()), uint32(os.Getgid()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := CheckTree(m, Keys{}); err != nil {
		t.Fatalf("public mount of a public tree: %v", err)
	}
	mine, err := Create(t.TempDir(), new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTree(m, mine); err != nil {
		t.Fatalf("first private mount: %v", err)
	}
	if got, _ := m.Setting(encryptedToSetting); got != mine.Ring().Public {
		t.Fatalf("recorded %q, want %q", got, mine.Ring().Public)
	}
	if err := CheckTree(m, mine); err != nil {
		t.Fatalf("same identity again: %v", err)
	}
	other, err := Create(t.TempDir(), new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTree(m, other); err == nil || !strings.Contains(err.Error(), mine.Ring().Public) {
		t.Fatalf("another identity: %v", err)
	}
	if err := CheckTree(m, Keys{}); err == nil || !strings.Contains(err.Error(), "without --public") {
		t.Fatalf("public mount of a private tree: %v", err)
	}
}
