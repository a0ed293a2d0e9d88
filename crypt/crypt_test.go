package crypt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// TestRoundTrips: data encrypted to two hybrid post-quantum recipients
// (age refuses to mix them with classic ones) opens with either identity,
// whole or at any range; another identity and unencrypted data fail with
// errors that say so.
func TestRoundTrips(t *testing.T) {
	pq, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	x, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	recFile := filepath.Join(dir, "recipients")
	if err := os.WriteFile(recFile, []byte("# the backup key\n"+x.Recipient().String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, err := ParseRecipients([]string{pq.Recipient().String(), recFile})
	if err != nil || len(recs) != 2 {
		t.Fatalf("recipients: %d, %v", len(recs), err)
	}
	plain := make([]byte, 200_000) // four age chunks
	rand.Read(plain)
	ct, err := Encrypt(plain, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []age.Identity{pq, x} {
		got, err := Decrypt(ct, []age.Identity{id})
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("decrypt: %v", err)
		}
		r, n, err := OpenAt(bytes.NewReader(ct), int64(len(ct)), []age.Identity{id})
		if err != nil || n != int64(len(plain)) {
			t.Fatalf("open: %d, %v", n, err)
		}
		for _, rg := range [][2]int{{0, 10}, {65530, 20}, {131072, 65536}, {199_990, 10}} {
			buf := make([]byte, rg[1])
			// A read that ends at the end may say io.EOF.
			if k, err := r.ReadAt(buf, int64(rg[0])); k != len(buf) || (err != nil && err != io.EOF) || !bytes.Equal(buf, plain[rg[0]:rg[0]+rg[1]]) {
				t.Fatalf("range %v: %v", rg, err)
			}
		}
	}
	if _, err := Decrypt(ct, []age.Identity{other}); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("another identity: %v", err)
	}
	if _, _, err := OpenAt(bytes.NewReader(plain), int64(len(plain)), []age.Identity{x}); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("plaintext: %v", err)
	}
	if _, err := ParseRecipients([]string{"age1notarecipient"}); err == nil {
		t.Fatal("a bad recipient was taken")
	}
	idFile := filepath.Join(dir, "key")
	os.WriteFile(idFile, []byte("# created: now\n"+pq.String()+"\n"), 0o600)
	ids, err := ReadIdentities([]string{idFile})
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities: %v", err)
	}
}

// TestPadded: lengths round up into Padmé's buckets, by at most 12%, and
// never down.
func TestPadded(t *testing.T) {
	for _, c := range [][2]uint64{{0, 0}, {1, 1}, {9, 10}, {100, 104}, {1000, 1024}, {65536, 65536}, {65537, 67584}, {1_000_000, 1_015_808}} {
		if got := Padded(c[0]); got != c[1] {
			t.Errorf("Padded(%d) = %d, want %d", c[0], got, c[1])
		}
	}
	seen := map[uint64]bool{}
	for n := uint64(1); n < 1<<20; n += 97 {
		p := Padded(n)
		if p < n || float64(p-n) > 0.12*float64(n)+1 {
			t.Fatalf("Padded(%d) = %d", n, p)
		}
		seen[p] = true
	}
	if len(seen) > 2000 {
		t.Errorf("%d distinct lengths for 10,000 files up to 1 MiB: too many buckets", len(seen))
	}
}

// TestKeyring: a new keyring's identity file is 0600 and its dedup hash is
// keyed by the identity (the same content gives unrelated hashes under two
// identities, the same under one, also after a reload); an export with a
// passphrase imports back to the same identity, and not without it.
func TestKeyring(t *testing.T) {
	a, created, err := CreateKeyring(filepath.Join(t.TempDir(), "a"))
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if fi, err := os.Stat(filepath.Join(a.Dir, IdentityFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v, %v", fi, err)
	}
	b, _, err := CreateKeyring(filepath.Join(t.TempDir(), "b"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("the same content")
	if a.Sum(data) == b.Sum(data) {
		t.Fatal("two identities give the same dedup hash")
	}
	again, created, err := CreateKeyring(a.Dir)
	if err != nil || created || again.Sum(data) != a.Sum(data) || again.Public != a.Public {
		t.Fatalf("reloaded keyring differs: %v %v", created, err)
	}
	exp, err := a.Export("correct horse")
	if err != nil || !Protected(exp) || bytes.Contains(exp, []byte("AGE-SECRET-KEY")) {
		t.Fatalf("export: %v", err)
	}
	if _, err := ImportKeyring(filepath.Join(t.TempDir(), "c"), exp, "wrong"); err == nil {
		t.Fatal("imported with a wrong passphrase")
	}
	c, err := ImportKeyring(filepath.Join(t.TempDir(), "d"), exp, "correct horse")
	if err != nil || c.Public != a.Public || c.Sum(data) != a.Sum(data) {
		t.Fatalf("import: %v", err)
	}
}

// countingIdentity counts the unwraps that reach it.
type countingIdentity struct {
	age.Identity
	unwraps int
}

func (c *countingIdentity) Unwrap(s []*age.Stanza) ([]byte, error) {
	c.unwraps++
	return c.Identity.Unwrap(s)
}

// TestCachingIdentity: a header opened again costs no unwrap; other
// headers, and a header another identity wrapped, still go to the
// identities; a wrong identity still fails as before.
func TestCachingIdentity(t *testing.T) {
	mine, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingIdentity{Identity: mine}
	ids := []age.Identity{CachingIdentity([]age.Identity{counted}, 2)}
	files := make([][]byte, 3)
	for i := range files {
		if files[i], err = Encrypt([]byte{byte(i), 'x'}, []age.Recipient{mine.Recipient()}); err != nil {
			t.Fatal(err)
		}
	}
	open := func(f []byte) []byte {
		t.Helper()
		r, n, err := OpenAt(bytes.NewReader(f), int64(len(f)), ids)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, n)
		if k, err := r.ReadAt(out, 0); k != len(out) {
			t.Fatal(err)
		}
		return out
	}
	for round := range 2 {
		for i, f := range files[:2] {
			if got := open(f); !bytes.Equal(got, []byte{byte(i), 'x'}) {
				t.Fatalf("file %d: %q", i, got)
			}
		}
		if counted.unwraps != 2 {
			t.Fatalf("round %d: %d unwraps of two files, want 2", round, counted.unwraps)
		}
	}
	open(files[2]) // a third key drops the first: it is unwrapped again
	open(files[0])
	if counted.unwraps != 4 {
		t.Fatalf("%d unwraps, want 4", counted.unwraps)
	}
	theirs, err := Encrypt([]byte("theirs"), []age.Recipient{other.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenAt(bytes.NewReader(theirs), int64(len(theirs)), ids); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("a file for another identity: %v", err)
	}
}

// TestSelfStanza: what a keyring seals opens with its self key alone (no
// key exchange), and with its identity alone, as "age -d -i" opens it;
// another keyring's self key does not open it, nor does a damaged self
// stanza (and the header's MAC, which covers every stanza, then fails).
func TestSelfStanza(t *testing.T) {
	for _, kind := range []string{"hybrid", "x25519"} {
		t.Run(kind, func(t *testing.T) {
			a, b := testKeyring(t, kind), testKeyring(t, kind)
			sealed, err := a.Seal([]byte("plaintext"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(sealed, []byte("\n-> "+selfStanzaType+" ")) {
				t.Fatal("no self stanza in the header")
			}
			self := []age.Identity{selfIdentity{a.self.key}}
			for name, ids := range map[string][]age.Identity{"self key": self, "identity": {a.Identity}, "both": a.Identities()} {
				if got, err := Decrypt(sealed, ids); err != nil || string(got) != "plaintext" {
					t.Errorf("opened with the %s: %q, %v", name, got, err)
				}
			}
			if _, err := Decrypt(sealed, b.Identities()); !errors.Is(err, ErrNoIdentity) {
				t.Errorf("another keyring: %v", err)
			}
			// A character of the wrapped key changed.
			i := bytes.Index(sealed, []byte("\n-> "+selfStanzaType+" "))
			j := i + 1 + bytes.IndexByte(sealed[i+1:], '\n') + 1 // the body line
			damaged := bytes.Clone(sealed)
			damaged[j] = 'A'
			if sealed[j] == 'A' {
				damaged[j] = 'B'
			}
			if _, err := Decrypt(damaged, self); !errors.Is(err, ErrNoIdentity) {
				t.Errorf("a damaged self stanza opened: %v", err)
			}
			if _, err := Decrypt(damaged, a.Identities()); err == nil {
				t.Error("a file with a damaged header opened")
			}
		})
	}
}

// testKeyring makes a keyring of a new identity of a kind.
func testKeyring(t *testing.T, kind string) *Keyring {
	t.Helper()
	var text string
	switch kind {
	case "hybrid":
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			t.Fatal(err)
		}
		text = id.String()
	default:
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		text = id.String()
	}
	path := filepath.Join(t.TempDir(), IdentityFile)
	if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeyringFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
