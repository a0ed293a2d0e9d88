package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ageVersion is the age release whose command judges walrusfs's encryption.
const ageVersion = "v1.3.2"

var (
	ageOnce sync.Once
	ageDir  string
	ageErr  error
)

// ageTools installs the official age and age-keygen commands (built from
// the module, as `go install` does) once per run and returns their paths.
func ageTools(t *testing.T) (ageCmd, keygen string) {
	t.Helper()
	ageOnce.Do(func() {
		ageDir, ageErr = os.MkdirTemp("", "walrusfs-age-")
		if ageErr != nil {
			return
		}
		cmd := exec.Command("go", "install", "filippo.io/age/cmd/age@"+ageVersion, "filippo.io/age/cmd/age-keygen@"+ageVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+ageDir, "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			ageErr = err
			ageDir = string(out)
		}
	})
	if ageErr != nil {
		t.Fatalf("install age %s: %v\n%s", ageVersion, ageErr, ageDir)
	}
	return filepath.Join(ageDir, "age"), filepath.Join(ageDir, "age-keygen")
}

// TestStoreEncryptedAsAge: `walrusfs store --encrypt-to` stores exactly an
// age file, which the official age command decrypts, and `walrusfs read
// --identity` reads what `age -e` wrote, whole or by plaintext range
// (fetching only the chunks that hold it); a wrong identity fails with an
// error that says so.
func TestStoreEncryptedAsAge(t *testing.T) {
	ageCmd, keygen := ageTools(t)
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	keys := t.TempDir()
	key, other := filepath.Join(keys, "key"), filepath.Join(keys, "other")
	for _, k := range []string{key, other} {
		out, err := exec.Command(keygen, "-pq", "-o", k).CombinedOutput()
		if err != nil {
			t.Fatalf("age-keygen: %v: %s", err, out)
		}
	}
	rec, err := exec.Command(keygen, "-y", key).Output()
	must(t, err)
	recipient := strings.TrimSpace(string(rec))

	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"secret": 300_000})
	plain := files[0].data
	id := strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, "--encrypt-to", recipient, filepath.Join(src, "secret")).stdout))[0]

	// The blob as stored is an age file: the age command opens it.
	ct := filepath.Join(t.TempDir(), "ct")
	mustRun(t, time.Minute, "read", "--config", cfg, id, "-o", ct)
	out, err := exec.Command(ageCmd, "-d", "-i", key, ct).Output()
	if err != nil || !bytes.Equal(out, plain) {
		t.Fatalf("age -d of the stored blob: %v (%d bytes, want %d)", err, len(out), len(plain))
	}
	if bytes.Contains(mustReadFile(t, ct), plain[:64]) {
		t.Fatal("the stored blob holds the plaintext")
	}
	// walrusfs decrypts it too, whole and by range.
	o := filepath.Join(t.TempDir(), "o")
	mustRun(t, time.Minute, "read", "--config", cfg, "--identity", key, id, "-o", o)
	if !bytes.Equal(mustReadFile(t, o), plain) {
		t.Fatal("read --identity: wrong plaintext")
	}
	mustRun(t, time.Minute, "read", "--config", cfg, "--identity", key, "--range", "131000:70000", id, "-o", o)
	if !bytes.Equal(mustReadFile(t, o), plain[131000:201000]) {
		t.Fatal("read --identity --range: wrong plaintext")
	}
	res := walrusfs(t, time.Minute, "read", "--config", cfg, "--identity", other, id, "-o", o)
	if res.code != 1 || !strings.Contains(string(res.stderr), "none of the identities") {
		t.Fatalf("read with another identity: exit %d, %s", res.code, res.stderr)
	}

	// What the age command encrypts, walrusfs reads.
	byAge := filepath.Join(t.TempDir(), "by-age")
	if out, err := exec.Command(ageCmd, "-e", "-r", recipient, "-o", byAge, filepath.Join(src, "secret")).CombinedOutput(); err != nil {
		t.Fatalf("age -e: %v: %s", err, out)
	}
	id2 := strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, byAge).stdout))[0]
	mustRun(t, time.Minute, "read", "--config", cfg, "--identity", key, "--range", "0:1000", id2, "-o", o)
	if !bytes.Equal(mustReadFile(t, o), plain[:1000]) {
		t.Fatal("read --identity of age's own file: wrong plaintext")
	}
	// An unencrypted blob read with an identity says what it is.
	id3 := strings.Fields(string(mustRun(t, time.Minute, "store", "--config", cfg, filepath.Join(src, "secret")).stdout))[0]
	res = walrusfs(t, time.Minute, "read", "--config", cfg, "--identity", key, id3, "-o", o)
	if res.code != 1 || !strings.Contains(string(res.stderr), "not an age-encrypted file") {
		t.Fatalf("read --identity of a plain blob: exit %d, %s", res.code, res.stderr)
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return b
}
