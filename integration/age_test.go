package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// TestMountEncrypts: a mount encrypts by default: each file, packed or not,
// is a standard age file on the network that the age command opens with
// the identity the first mount created (and announced), the manifest too;
// an identity exported with a passphrase and imported elsewhere rebuilds
// the tree there; a recipient added later opens what is stored from then.
func TestMountEncrypts(t *testing.T) {
	ageCmd, keygen := ageTools(t)
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	state, mnt := t.TempDir(), t.TempDir()
	args := []string{"--config", cfg, "--chunk-size", "1048576", "--publish-after", "300ms"}
	m := startMount(t, mnt, state, args...)
	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"small-a": 10_000, "small-b": 12_000, "big": 300_000})
	mustCmd(t, "cp", "-a", src+"/.", mnt)
	manifestID, _ := waitPublished(t, state, 1)
	if !strings.Contains(m.logTail(40), "created your encryption identity") {
		t.Fatalf("no notice of the new identity:\n%s", m.logTail(40))
	}
	identity := filepath.Join(state, "keys", "identity.txt")
	if fi, err := os.Stat(identity); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v, %v", fi, err)
	}
	ageOpen := func(key string, ct []byte) []byte {
		t.Helper()
		c := exec.Command(ageCmd, "-d", "-i", key)
		c.Stdin = bytes.NewReader(ct)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("age -d: %v", err)
		}
		return out
	}
	readRef := func(ref string) []byte { return readRef(t, []string{"--config", cfg}, ref) }
	for _, f := range files {
		ref := xattr(t, filepath.Join(mnt, f.name), "user.walrus.blob_id")
		ct := readRef(ref)
		if bytes.Contains(ct, f.data[:64]) {
			t.Fatalf("%s is on the network in the clear", f.name)
		}
		if got := ageOpen(identity, ct); !bytes.Equal(got, f.data) {
			t.Fatalf("%s: age -d gives %d bytes, want %d", f.name, len(got), len(f.data))
		}
		// walrusfs read takes the attribute as it is, and decrypts.
		o := filepath.Join(t.TempDir(), "o")
		mustRun(t, time.Minute, "read", "--config", cfg, "--identity", identity, ref, "-o", o)
		if !bytes.Equal(mustReadFile(t, o), f.data) {
			t.Fatalf("%s: read --identity %s: wrong plaintext", f.name, ref)
		}
	}
	if tree := ageOpen(identity, readRef(manifestID)); !bytes.HasPrefix(tree, []byte("walrusfs-manifest 1\n")) {
		t.Fatal("the manifest does not open to a walrusfs manifest")
	}

	// A second identity, added as a recipient, opens what comes after.
	second := filepath.Join(t.TempDir(), "second")
	if out, err := exec.Command(keygen, "-pq", "-o", second).CombinedOutput(); err != nil {
		t.Fatalf("age-keygen: %v: %s", err, out)
	}
	rec, err := exec.Command(keygen, "-y", second).Output()
	must(t, err)
	mustRun(t, time.Minute, "key", "--state", state, "add-recipient", strings.TrimSpace(string(rec)))
	// A mount reads its recipients when it starts.
	mustRun(t, time.Minute, "umount", mnt)
	for deadline := time.Now().Add(time.Minute); isMounted(mnt); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("still mounted")
		}
	}
	startMount(t, mnt, state, args...)
	later := []byte(strings.Repeat("written after the second recipient ", 100))
	must(t, os.WriteFile(filepath.Join(mnt, "later"), later, 0o644))
	waitPublished(t, state, 2)
	if got := ageOpen(second, readRef(xattr(t, filepath.Join(mnt, "later"), "user.walrus.blob_id"))); !bytes.Equal(got, later) {
		t.Fatal("the second identity does not open a file stored after it was added")
	}

	// Exported with a passphrase, imported on a new machine: the tree
	// comes back from the network.
	exp := walrusfsIn(t, "pass phrase\n", "key", "--state", state, "export", "--passphrase")
	if !bytes.Contains(exp, []byte("BEGIN AGE ENCRYPTED FILE")) || bytes.Contains(exp, []byte("AGE-SECRET-KEY")) {
		t.Fatalf("export --passphrase: %.80q", exp)
	}
	expFile := filepath.Join(t.TempDir(), "exported")
	must(t, os.WriteFile(expFile, exp, 0o600))
	// The protected copy opens a file directly, asking its passphrase.
	bigRef := xattr(t, filepath.Join(mnt, "big"), "user.walrus.blob_id")
	if got := walrusfsIn(t, "pass phrase\n", "read", "--config", cfg, "--identity", expFile, bigRef); !bytes.Equal(got, fileData(files, "big")) {
		t.Fatal("read --identity with the protected export: wrong plaintext")
	}
	other, otherMnt := t.TempDir(), t.TempDir()
	walrusfsIn(t, "pass phrase\n", "key", "--state", other, "import", expFile)
	startMount(t, otherMnt, other, args...)
	for _, f := range files {
		if got, err := os.ReadFile(filepath.Join(otherMnt, f.name)); err != nil || !bytes.Equal(got, f.data) {
			t.Fatalf("%s on the new machine: %v", f.name, err)
		}
	}
}

// walrusfsIn runs walrusfs with stdin and returns its standard output; it
// must succeed.
func walrusfsIn(t *testing.T, stdin string, args ...string) []byte {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("walrusfs %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestPublicDirectory: in a private mount, a directory marked
// user.walrus.public=1 stores what is created in it unencrypted (its blob
// holds the file as it is, and user.walrus.state says public); a file moved
// out of it into a private directory is stored again, encrypted, and one
// moved in is stored again in the clear.
func TestPublicDirectory(t *testing.T) {
	ageCmd, _ := ageTools(t)
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "4", "--shards", "100")
	d.wait(t, time.Minute)
	cfg, _ := devnetSetup(t, dir)
	state, mnt := t.TempDir(), t.TempDir()
	startMount(t, mnt, state, "--config", cfg, "--chunk-size", "1048576", "--publish-after", "300ms")
	identity := filepath.Join(state, "keys", "identity.txt")
	pub, priv := filepath.Join(mnt, "pub"), filepath.Join(mnt, "priv")
	must(t, os.Mkdir(pub, 0o755))
	must(t, os.Mkdir(priv, 0o755))
	must(t, unix.Setxattr(pub, "user.walrus.public", []byte("1"), 0))
	if v := xattr(t, pub, "user.walrus.public"); v != "1" {
		t.Fatalf("user.walrus.public of the directory: %q", v)
	}
	shown := bytes.Repeat([]byte("for everyone. "), 3000)
	hidden := bytes.Repeat([]byte("for me alone. "), 3000)
	must(t, os.WriteFile(filepath.Join(pub, "shown"), shown, 0o644))
	must(t, os.WriteFile(filepath.Join(priv, "hidden"), hidden, 0o644))
	waitPublished(t, state, 1)
	content := func(path string) []byte {
		return readRef(t, []string{"--config", cfg}, xattr(t, path, "user.walrus.blob_id"))
	}
	if st := xattr(t, filepath.Join(pub, "shown"), "user.walrus.state"); st != "certified public" {
		t.Fatalf("state of the public file: %q", st)
	}
	if st := xattr(t, filepath.Join(priv, "hidden"), "user.walrus.state"); st != "certified" {
		t.Fatalf("state of the private file: %q", st)
	}
	if got := content(filepath.Join(pub, "shown")); !bytes.Equal(got, shown) {
		t.Fatal("the public file's blob does not hold it as it is")
	}
	if got := content(filepath.Join(priv, "hidden")); bytes.Contains(got, hidden[:28]) {
		t.Fatal("the private file is on the network in the clear")
	}

	// Moves across: each is stored again as its new place wants.
	must(t, os.Rename(filepath.Join(pub, "shown"), filepath.Join(priv, "shown")))
	must(t, os.Rename(filepath.Join(priv, "hidden"), filepath.Join(pub, "hidden")))
	for _, p := range []string{filepath.Join(priv, "shown"), filepath.Join(pub, "hidden")} {
		for deadline := time.Now().Add(time.Minute); !strings.HasPrefix(xattr(t, p, "user.walrus.state"), "certified"); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s not stored again", p)
			}
		}
	}
	if got := content(filepath.Join(pub, "hidden")); !bytes.Equal(got, hidden) {
		t.Fatal("a file moved into the public directory is not stored in the clear")
	}
	ct := content(filepath.Join(priv, "shown"))
	c := exec.Command(ageCmd, "-d", "-i", identity)
	c.Stdin = bytes.NewReader(ct)
	if out, err := c.Output(); err != nil || !bytes.Equal(out, shown) {
		t.Fatalf("a file moved out of the public directory is not stored encrypted: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(priv, "shown")); err != nil || !bytes.Equal(got, shown) {
		t.Fatalf("the moved file reads %d bytes, %v", len(got), err)
	}
	// Status counts the public files: one, "hidden" in pub.
	var st []struct {
		Encryption  string `json:"encryption"`
		PublicFiles uint64 `json:"publicFiles"`
	}
	must(t, json.Unmarshal(mustRun(t, 30*time.Second, "status", "--state", state, "--json").stdout, &st))
	if len(st) != 1 || st[0].Encryption != "private" || st[0].PublicFiles != 1 {
		t.Fatalf("status: %+v", st)
	}
}

func fileData(files []*blobFile, name string) []byte {
	for _, f := range files {
		if f.name == name {
			return f.data
		}
	}
	return nil
}
