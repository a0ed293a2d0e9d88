package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// mountProc is a running `walrusfs mount` process.
type mountProc struct {
	dir, state string
	cmd        *exec.Cmd
	exited     <-chan struct{}
	stderr     string
}

// isMounted tells whether dir is a FUSE mount point now.
func isMounted(dir string) bool {
	b, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[1] == dir && strings.HasPrefix(f[2], "fuse") {
			return true
		}
	}
	return false
}

// isMountedAndLive tells whether dir is a FUSE mount served by a process.
func isMountedAndLive(dir string) bool {
	var st syscall.Statfs_t
	return isMounted(dir) && syscall.Statfs(dir, &st) == nil
}

// forceUnmount detaches a mount whatever its state (its process may be
// dead: "transport endpoint is not connected").
func forceUnmount(dir string) {
	if isMounted(dir) {
		_ = exec.Command("fusermount3", "-u", "-z", dir).Run()
		_ = syscall.Unmount(dir, syscall.MNT_DETACH)
	}
}

// startMount runs `walrusfs mount` and waits until the mount is up. Whatever
// the test's outcome, the process is killed and the mount detached.
func startMount(t *testing.T, dir, state string, args ...string) *mountProc {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	noteSources(t)
	m := &mountProc{dir: dir, state: state, stderr: filepath.Join(t.TempDir(), "stderr")}
	errf, err := os.Create(m.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--write-back") || strings.Contains(a, "write_back") }) {
		// Most tests wait for uploads: a short write-back keeps them
		// short. Tests of the default pass "--write-back=5s".
		args = append([]string{"--write-back=200ms"}, args...)
	}
	m.cmd = exec.Command(bin, append([]string{"mount", "--state", state, dir}, args...)...)
	m.cmd.Stderr = errf
	inGroup(m.cmd)
	if m.exited, err = startLocked(m.cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		killGroup(m.cmd.Process.Pid)
		<-m.exited
		forceUnmount(dir)
		if t.Failed() {
			t.Logf("mount logs:\n%s", m.logTail(40))
		}
	})
	for deadline := time.Now().Add(time.Minute); !isMountedAndLive(dir); {
		select {
		case <-m.exited:
			t.Fatalf("mount exited while starting:\n%s", m.logTail(40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not mounted after a minute:\n%s", m.logTail(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

func (m *mountProc) logTail(n int) string {
	b, _ := os.ReadFile(m.stderr)
	return tail(b, n)
}

// kill kills the mount process with SIGKILL, leaving its dead mount for
// the next mount to detach.
func (m *mountProc) kill(t *testing.T) {
	killGroup(m.cmd.Process.Pid)
	<-m.exited
	var st syscall.Statfs_t
	if err := syscall.Statfs(m.dir, &st); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("after kill -9 the mount point gives %v, want ENOTCONN", err)
	}
}

func xattr(t *testing.T, path, name string) string {
	t.Helper()
	buf := make([]byte, 4096)
	n, err := unix.Getxattr(path, name, buf)
	if err != nil {
		t.Fatalf("getxattr %s %s: %v", path, name, err)
	}
	return string(buf[:n])
}

// TestMountSurvivesKill writes files into a mount of a devnet whose
// network cannot certify (more than f shards down), kills the mount with
// SIGKILL after the files were closed, brings the nodes back, mounts again
// and sees every file uploaded, certified and byte for byte the same, also
// when read back with `walrusfs read` by the blob IDs the mount reports.
func TestMountSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "7", "--shards", "100", "--restart=false")
	cfg, com := d.wait(t, time.Minute)
	state, mnt := t.TempDir(), t.TempDir()

	// Three nodes of 14 shards down: 42 > f = 33, nothing can be certified.
	down := []int{4, 5, 6}
	for _, i := range down {
		d.killNode(t, i, com.Members[i])
	}
	m := startMount(t, mnt, state, "--network", d.network, "--chunk-size", "1048576")
	files := makeFiles(t, t.TempDir(), map[string]int{"empty": 0, "small": 1000, "three-mib": 3<<20 + 17})
	for _, f := range files {
		must(t, os.WriteFile(filepath.Join(mnt, f.name), f.data, 0o644))
	}
	must(t, os.Mkdir(filepath.Join(mnt, "dir"), 0o755))
	must(t, os.Rename(filepath.Join(mnt, "small"), filepath.Join(mnt, "dir", "small")))
	// Closed, queued, not certifiable: the status says why.
	for deadline := time.Now().Add(30 * time.Second); ; {
		res := mustRun(t, 30*time.Second, "status", "--state", state, "--json")
		var st []struct {
			Queue struct {
				Files   int
				Entries []struct {
					LastError string `json:"lastError"`
				}
			}
			Network struct{ CanWrite bool }
		}
		must(t, json.Unmarshal(res.stdout, &st))
		if len(st) == 1 && st[0].Queue.Files == 2 && st[0].Queue.Entries[0].LastError != "" && !st[0].Network.CanWrite {
			t.Logf("queued while the network cannot certify: %s", st[0].Queue.Entries[0].LastError)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the stuck queue: %s", res.stdout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s := xattr(t, filepath.Join(mnt, "three-mib"), "user.walrus.state"); s != "uploading" {
		t.Fatalf("state of a queued file: %q", s)
	}
	// A file still open for writing when the mount dies keeps what was
	// written into it.
	must(t, os.WriteFile(filepath.Join(mnt, "appended"), []byte("hello"), 0o644))
	open, err := os.OpenFile(filepath.Join(mnt, "appended"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = open.Write([]byte(" world"))
	must(t, err)
	m.kill(t)
	open.Close() // on a dead mount: its error means nothing

	// The nodes come back; the next mount resumes the queue.
	for _, i := range down {
		startNode(t, dir, i, cfg.Ledger)
	}
	startMount(t, mnt, state, "--network", d.network, "--chunk-size", "1048576")
	paths := map[string]string{"empty": "empty", "small": "dir/small", "three-mib": "three-mib"}
	for _, f := range files {
		p := filepath.Join(mnt, paths[f.name])
		for deadline := time.Now().Add(2 * time.Minute); xattr(t, p, "user.walrus.state") != "certified"; {
			if time.Now().After(deadline) {
				t.Fatalf("%s not certified after the remount", p)
			}
			time.Sleep(200 * time.Millisecond)
		}
		got, err := os.ReadFile(p)
		must(t, err)
		if !bytes.Equal(got, f.data) {
			t.Fatalf("%s: %d bytes differ from the %d written", p, len(got), len(f.data))
		}
		// The blobs hold the file, encrypted to the mount's identity: read
		// them back outside the mount.
		whole := contentFromNetwork(t, []string{"--network", d.network}, xattr(t, p, "user.walrus.blob_id"), state)
		if !bytes.Equal(whole, f.data) {
			t.Fatalf("%s: its blobs hold %d bytes, not the file's %d", p, len(whole), len(f.data))
		}
	}
	appended := filepath.Join(mnt, "appended")
	for deadline := time.Now().Add(2 * time.Minute); xattr(t, appended, "user.walrus.state") != "certified"; {
		if time.Now().After(deadline) {
			t.Fatal("the file open at the crash was not certified after the remount")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got, err := os.ReadFile(appended); err != nil || string(got) != "hello world" {
		t.Fatalf("file open at the crash: %q, %v", got, err)
	}
	if n := len(strings.Fields(xattr(t, filepath.Join(mnt, "three-mib"), "user.walrus.blob_id"))); n != 4 {
		t.Fatalf("a 3 MiB file in 1 MiB chunks has %d blobs", n)
	}
	// umount: the process unmounts and exits cleanly.
	mustRun(t, 30*time.Second, "umount", mnt)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mountJSON is the part of `walrusfs status --json` the tests read.
type mountJSON struct {
	Queue struct {
		Files int `json:"files"`
	} `json:"queue"`
	Manifest *struct {
		Published *struct {
			Version  uint64 `json:"version"`
			Manifest string `json:"manifest"`
		} `json:"published"`
		LastError string `json:"lastError"`
		Behind    int    `json:"behind"`
		UpToDate  bool   `json:"upToDate"`
	} `json:"manifest"`
}

// waitPublished waits until the mount of state published a manifest of at
// least version that holds every file (nothing queued, nothing behind); it
// returns the manifest's blob ID and version.
func waitPublished(t *testing.T, state string, version uint64) (string, uint64) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		res := mustRun(t, 30*time.Second, "status", "--state", state, "--json")
		var st []mountJSON
		must(t, json.Unmarshal(res.stdout, &st))
		if len(st) == 1 && st[0].Queue.Files == 0 && st[0].Manifest != nil && st[0].Manifest.Published != nil &&
			st[0].Manifest.Published.Version >= version && st[0].Manifest.UpToDate {
			return st[0].Manifest.Published.Manifest, st[0].Manifest.Published.Version
		}
		if time.Now().After(deadline) {
			t.Fatalf("no manifest version %d published: %s", version, res.stdout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMountRebuildsFromNetwork loses a mount's whole state directory and
// mounts again from the network alone: the tree comes back from the latest
// manifest the chain points at, every file byte for byte; an older
// manifest mounts read-only with the older contents.
func TestMountRebuildsFromNetwork(t *testing.T) {
	dir := t.TempDir()
	d := startDevnet(t, dir, "--nodes", "7", "--shards", "100")
	d.wait(t, time.Minute)
	state, mnt := t.TempDir(), t.TempDir()
	args := []string{"--network", d.network, "--chunk-size", "1048576", "--publish-after", "300ms"}
	startMount(t, mnt, state, args...)
	src := t.TempDir()
	files := makeFiles(t, src, map[string]int{"a": 10, "b": 2<<20 + 5, "c": 0})
	must(t, os.Mkdir(filepath.Join(src, "sub"), 0o750))
	must(t, os.WriteFile(filepath.Join(src, "sub", "note"), []byte("version one\n"), 0o640))
	must(t, os.Symlink("../a", filepath.Join(src, "sub", "link")))
	mustCmd(t, "cp", "-a", src+"/.", mnt)
	must(t, unix.Setxattr(filepath.Join(mnt, "a"), "user.color", []byte("blue"), 0))
	first, firstVersion := waitPublished(t, state, 1)
	t.Logf("first manifest %s", first)

	// Version two: a changed file, a removed one, a new one.
	must(t, os.WriteFile(filepath.Join(mnt, "sub", "note"), []byte("version two\n"), 0o640))
	must(t, os.Remove(filepath.Join(mnt, "c")))
	must(t, os.WriteFile(filepath.Join(mnt, "new"), []byte("new file"), 0o600))
	second, _ := waitPublished(t, state, firstVersion+1)
	if second == first {
		t.Fatal("the changes published no new manifest")
	}
	mustRun(t, time.Minute, "umount", mnt)
	for deadline := time.Now().Add(time.Minute); isMounted(mnt); {
		if time.Now().After(deadline) {
			t.Fatal("still mounted")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The tree on the network is encrypted: its manifest names nothing.
	manifestCopy := filepath.Join(t.TempDir(), "manifest")
	mustRun(t, time.Minute, "read", "--network", d.network, second, "-o", manifestCopy)
	if m := mustReadFile(t, manifestCopy); !bytes.HasPrefix(m, []byte("age-encryption.org/v1\n")) || bytes.Contains(m, []byte("note")) {
		t.Fatalf("the manifest is not an age file, or shows a name: %.60q", m)
	}

	// The machine loses everything local but the identity, kept aside.
	backup := filepath.Join(t.TempDir(), "identity.txt")
	must(t, os.WriteFile(backup, mustReadFile(t, filepath.Join(state, "keys", "identity.txt")), 0o600))
	must(t, os.RemoveAll(state))
	// Without it, the mount says what is missing, and creates nothing.
	res := walrusfs(t, time.Minute, append([]string{"mount", "--state", state, mnt}, args...)...)
	if res.code == 0 || !strings.Contains(string(res.stderr), "walrusfs key import") {
		t.Fatalf("mount without the identity: exit %d, %s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(state, "keys", "identity.txt")); err == nil {
		t.Fatal("a mount that could not open the tree made a new identity")
	}
	forceUnmount(mnt)
	startMount(t, mnt, state, append(args, "--identity", backup)...)
	for _, f := range files {
		p := filepath.Join(mnt, f.name)
		got, err := os.ReadFile(p)
		if f.name == "c" {
			if !os.IsNotExist(err) {
				t.Fatalf("removed file c is back: %v", err)
			}
			continue
		}
		must(t, err)
		if !bytes.Equal(got, f.data) {
			t.Fatalf("%s: %d bytes differ from the %d written", f.name, len(got), len(f.data))
		}
	}
	for name, want := range map[string]string{"sub/note": "version two\n", "new": "new file"} {
		if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || string(got) != want {
			t.Fatalf("%s: %q, %v", name, got, err)
		}
	}
	if target, err := os.Readlink(filepath.Join(mnt, "sub", "link")); err != nil || target != "../a" {
		t.Fatalf("symlink: %q, %v", target, err)
	}
	if fi, err := os.Stat(filepath.Join(mnt, "sub")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("directory mode: %v, %v", fi.Mode(), err)
	}
	if v := xattr(t, filepath.Join(mnt, "a"), "user.color"); v != "blue" {
		t.Fatalf("extended attribute: %q", v)
	}

	// The first manifest, read-only, beside the live mount.
	snap := t.TempDir()
	snapArgs := []string{"--network", d.network, "--snapshot", first, "--identity", backup}
	killed := startMount(t, snap, state, snapArgs...)
	if got, err := os.ReadFile(filepath.Join(snap, "sub", "note")); err != nil || string(got) != "version one\n" {
		t.Fatalf("snapshot: %q, %v", got, err)
	}
	// Killed, a snapshot mount leaves its tree; the next one removes it
	// (once it is a minute old: younger ones may be starting mounts').
	killed.kill(t)
	left := snapshotTrees(t, state)
	if len(left) != 1 {
		t.Fatalf("snapshot trees after a kill: %v, want the killed mount's", left)
	}
	old := time.Now().Add(-2 * time.Minute)
	must(t, os.Chtimes(left[0], old, old))
	startMount(t, snap, state, snapArgs...)
	if now := snapshotTrees(t, state); len(now) != 1 || now[0] == left[0] {
		t.Fatalf("snapshot trees with a new snapshot mount: %v; the killed one's (%s) should be gone", now, left[0])
	}
	if got, err := os.ReadFile(filepath.Join(snap, "sub", "note")); err != nil || string(got) != "version one\n" {
		t.Fatalf("snapshot: %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(snap, "c")); err != nil {
		t.Fatalf("snapshot lacks c: %v", err)
	}
	if err := os.WriteFile(filepath.Join(snap, "x"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("write into a snapshot: %v, want EROFS", err)
	}
}

// snapshotTrees lists the snapshot trees in a state directory.
func snapshotTrees(t *testing.T, state string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(state, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "snapshot-") {
			dirs = append(dirs, p)
			return filepath.SkipDir
		}
		return nil
	})
	must(t, err)
	return dirs
}

func mustCmd(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestMountWithoutItsDataDirectory copies a tree of many files into a
// mount, unmounts, deletes the state's data directory (every local copy)
// and mounts again: every file reads back whole from the network, with one
// warning in the log and a count in the status, not an error per file.
func TestMountWithoutItsDataDirectory(t *testing.T) {
	state, mnt, src := t.TempDir(), t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state, "--publish-after", "300ms")
	sizes := map[string]int{}
	for i := range 300 {
		sizes[fmt.Sprintf("d%d/f%03d", i%7, i)] = (i * 7919) % 70_000
	}
	sizes["big"] = 3<<20 + 17
	for name := range sizes {
		must(t, os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755))
	}
	makeFiles(t, src, sizes)
	copyInAndUnmount(t, m, src, state)
	must(t, os.RemoveAll(dataDir(t, state)))
	m = startMount(t, mnt, state)
	mustCmd(t, "diff", "-r", src, mnt)
	if k := strings.Count(m.logTail(1000), "local copy is missing"); k != 1 {
		t.Errorf("%d warnings about missing copies, want 1:\n%s", k, m.logTail(20))
	}
	nonEmpty := 0
	for _, size := range sizes {
		if size > 0 {
			nonEmpty++ // an empty file needs no copy
		}
	}
	status := string(mustRun(t, 30*time.Second, "status", "--state", state).stdout)
	if !strings.Contains(status, fmt.Sprintf("%d local copies were missing", nonEmpty)) {
		t.Errorf("status does not count the %d missing copies:\n%s", nonEmpty, status)
	}
}

// TestUmountLazy: a busy mount refuses a plain umount, and umount -z
// detaches it at once; the mount process exits once the last open file is
// closed.
func TestUmountLazy(t *testing.T) {
	state, mnt := t.TempDir(), t.TempDir()
	m := startMount(t, mnt, state)
	p := filepath.Join(mnt, "open")
	must(t, os.WriteFile(p, []byte("kept open"), 0o644))
	f, err := os.Open(p)
	must(t, err)
	if res := walrusfs(t, 30*time.Second, "umount", mnt); res.code == 0 {
		t.Fatal("umount of a busy mount succeeded")
	}
	mustRun(t, 30*time.Second, "umount", "-z", mnt)
	if isMounted(mnt) {
		t.Fatal("still mounted after umount -z")
	}
	b := make([]byte, 9)
	if _, err := f.ReadAt(b, 0); err != nil || string(b) != "kept open" {
		t.Fatalf("the open file after a lazy unmount: %q, %v", b, err)
	}
	f.Close()
	select {
	case <-m.exited:
	case <-time.After(time.Minute):
		t.Fatalf("the mount process still runs a minute after its last file closed:\n%s", m.logTail(20))
	}
}

// TestMountDaemonAndHelper: mount --daemon returns once the file system is
// mounted and leaves it served in the background; the same binary called
// as mount(8)'s helper (mount.fuse.walrusfs SOURCE DIR -o OPTIONS, as
// "mount -t fuse.walrusfs" and fstab run it) mounts the file system SOURCE
// names with the options given, a relative state path included.
func TestMountDaemonAndHelper(t *testing.T) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	state, mnt := t.TempDir(), t.TempDir()
	t.Cleanup(func() { forceUnmount(mnt) })
	daemonPID := func(stderr []byte) int {
		t.Helper()
		var pid int
		if i := bytes.Index(stderr, []byte("(pid ")); i < 0 {
			t.Fatalf("no pid in %q", stderr)
		} else if _, err := fmt.Sscanf(string(stderr[i:]), "(pid %d)", &pid); err != nil {
			t.Fatalf("no pid in %q: %v", stderr, err)
		}
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		return pid
	}
	res := mustRun(t, time.Minute, "mount", "--daemon", "--state", state, mnt)
	if !isMountedAndLive(mnt) || !strings.Contains(string(res.stderr), "mounted in the background") {
		t.Fatalf("after mount --daemon returned: mounted %v; %s", isMountedAndLive(mnt), res.stderr)
	}
	pid := daemonPID(res.stderr)
	must(t, os.WriteFile(filepath.Join(mnt, "f"), []byte("daemon"), 0o644))
	unmount := func(pid int) {
		t.Helper()
		mustRun(t, time.Minute, "umount", mnt)
		for deadline := time.Now().Add(time.Minute); alive(pid); {
			if time.Now().After(deadline) {
				t.Fatal("the background mount still runs a minute after umount")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	unmount(pid)
	// A daemon's failure reaches the one who started it.
	if res := walrusfs(t, time.Minute, "mount", "--daemon", "--state", state, "--identity", "/nonexistent", mnt); res.code == 0 {
		t.Fatalf("a failing background mount returned 0: %s", res.stderr)
	}

	helper := filepath.Join(t.TempDir(), "mount.fuse.walrusfs")
	must(t, os.Symlink(bin, helper))
	// The state named relative to the working directory: the same state
	// as the absolute path above (its embedded network included).
	cmd := exec.Command(helper, "default", mnt, "-o", "rw,nodev,state="+filepath.Base(state)+",ro")
	cmd.Dir = filepath.Dir(state)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mount helper: %v\n%s", err, out)
	}
	pid = daemonPID(out)
	if got, err := os.ReadFile(filepath.Join(mnt, "f")); err != nil || string(got) != "daemon" {
		t.Fatalf("through the helper's mount: %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "g"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("write with -o ro: %v, want EROFS", err)
	}
	unmount(pid)
}

// copyInAndUnmount copies the tree src into the mount m of state, waits
// until it is uploaded and published, and unmounts.
func copyInAndUnmount(t *testing.T, m *mountProc, src, state string) {
	t.Helper()
	mustCmd(t, "cp", "-a", src+"/.", m.dir)
	waitPublished(t, state, 1)
	mustRun(t, time.Minute, "umount", m.dir)
	<-m.exited
}

// dataDir returns the directory of the local copies of the one tree in
// state.
func dataDir(t *testing.T, state string) string {
	t.Helper()
	data, err := filepath.Glob(filepath.Join(state, "fs", "*", "*", "data"))
	must(t, err)
	if len(data) != 1 {
		t.Fatalf("data directories: %v", data)
	}
	return data[0]
}
