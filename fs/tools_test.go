package fs_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// makeTree writes a tree exercising what copies must keep: empty, small,
// multi-chunk (the test mounts cut files at 1 MiB) and odd-sized files,
// modes, nested directories, relative and dangling symlinks, a hard link.
func makeTree(t *testing.T, dir string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	files := map[string]int{
		"empty": 0, "one": 1, "small.txt": 100, "page": 4096, "a/b/c/deep": 5000,
		"big.bin": 3<<20 + 12345, "a/chunk": 1 << 20, "a/b/odd": 1<<20 + 1,
	}
	for name, size := range files {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, data(size), 0o644))
	}
	must(t, os.Chmod(filepath.Join(dir, "small.txt"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755))
	must(t, os.Symlink("a/b/c/deep", filepath.Join(dir, "link")))
	must(t, os.Symlink("nowhere", filepath.Join(dir, "dangling")))
	must(t, os.Link(filepath.Join(dir, "page"), filepath.Join(dir, "page.hard")))
	must(t, os.Mkdir(filepath.Join(dir, "emptydir"), 0o700))
	// Times in the past, with nanoseconds, on everything but directories
	// (which the copies themselves change), so every tool must copy them.
	i := 0
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		i++
		ts := []unix.Timespec{{Sec: 1e9 + int64(i)*1000, Nsec: int64(i) * 1234567}, {Sec: 1e9 + int64(i)*777, Nsec: int64(i) * 7654321}}
		return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
	}))
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

// sameTree compares two trees by walking them: types, modes, sizes, link
// targets, contents, and modification times to the nanosecond when
// withTimes (to the second otherwise: tar keeps no more).
func sameTree(t *testing.T, a, b string, withTimes bool) {
	t.Helper()
	run(t, "/", "diff", "-r", "--no-dereference", a, b)
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		q := filepath.Join(b, rel)
		var sa, sb syscall.Stat_t
		must(t, syscall.Lstat(p, &sa))
		must(t, syscall.Lstat(q, &sb))
		if sa.Mode != sb.Mode {
			t.Errorf("%s: mode %o, want %o", rel, sb.Mode, sa.Mode)
		}
		if sa.Mode&syscall.S_IFMT == syscall.S_IFREG && sa.Size != sb.Size {
			t.Errorf("%s: size %d, want %d", rel, sb.Size, sa.Size)
		}
		isDir := sa.Mode&syscall.S_IFMT == syscall.S_IFDIR
		switch {
		case isDir:
		case withTimes && sa.Mtim != sb.Mtim, sa.Mtim.Sec != sb.Mtim.Sec:
			t.Errorf("%s: mtime %v, want %v", rel, sb.Mtim, sa.Mtim)
		}
		return nil
	})
	must(t, err)
}

func TestRealTools(t *testing.T) { bothModes(t, testRealTools) }

func testRealTools(t *testing.T) {
	needTools(t, "cp", "diff", "tar", "rsync", "git")
	tm := mount(t, startNet(t), t.TempDir(), 8<<20)
	src := t.TempDir()
	makeTree(t, src)

	t.Run("cp", func(t *testing.T) {
		run(t, "/", "cp", "-a", src, filepath.Join(tm.Dir, "cp"))
		sameTree(t, src, filepath.Join(tm.Dir, "cp"), true)
		var a, b syscall.Stat_t
		must(t, syscall.Stat(filepath.Join(tm.Dir, "cp", "page"), &a))
		must(t, syscall.Stat(filepath.Join(tm.Dir, "cp", "page.hard"), &b))
		if a.Ino != b.Ino || a.Nlink != 2 {
			t.Errorf("hard link not kept: inodes %d and %d, nlink %d", a.Ino, b.Ino, a.Nlink)
		}
	})
	t.Run("rsync", func(t *testing.T) {
		run(t, "/", "rsync", "-aH", src+"/", filepath.Join(tm.Dir, "rsync")+"/")
		sameTree(t, src, filepath.Join(tm.Dir, "rsync"), true)
		// A second run finds nothing to do.
		if out := run(t, "/", "rsync", "-aHi", src+"/", filepath.Join(tm.Dir, "rsync")+"/"); strings.TrimSpace(out) != "" {
			t.Errorf("second rsync changed things:\n%s", out)
		}
	})
	t.Run("tar", func(t *testing.T) {
		tarball := filepath.Join(t.TempDir(), "t.tar")
		run(t, src, "tar", "-cf", tarball, ".")
		dst := filepath.Join(tm.Dir, "tar")
		must(t, os.Mkdir(dst, 0o755))
		run(t, dst, "tar", "-xpf", tarball)
		run(t, dst, "tar", "-df", tarball) // compares contents, modes, times, links
		sameTree(t, src, dst, false)
	})
	t.Run("git", func(t *testing.T) {
		repo := filepath.Join(tm.Dir, "repo")
		must(t, os.Mkdir(repo, 0o755))
		run(t, repo, "git", "init", "-q", "-b", "main")
		run(t, "/", "cp", "-a", src+"/.", repo)
		run(t, repo, "git", "add", "-A")
		run(t, repo, "git", "commit", "-q", "-m", "first")
		must(t, os.WriteFile(filepath.Join(repo, "small.txt"), []byte("changed\n"), 0o600))
		run(t, repo, "git", "commit", "-q", "-am", "second")
		if out := run(t, repo, "git", "status", "--porcelain"); out != "" {
			t.Errorf("git status after commit:\n%s", out)
		}
		run(t, tm.Dir, "git", "clone", "-q", repo, "clone")
		run(t, filepath.Join(tm.Dir, "clone"), "git", "fsck", "--strict")
		if out := run(t, filepath.Join(tm.Dir, "clone"), "git", "log", "--oneline"); strings.Count(out, "\n") != 2 {
			t.Errorf("clone log:\n%s", out)
		}
		run(t, repo, "git", "gc", "-q") // packs, renames and deletes many files
		run(t, repo, "git", "fsck", "--strict")
	})
	t.Run("editor-save", func(t *testing.T) {
		// Write a temporary file, then rename it over the original, as
		// vim, emacs and most editors save.
		p := filepath.Join(tm.Dir, "notes.txt")
		must(t, os.WriteFile(p, []byte("old content\n"), 0o600))
		tmp := p + ".swp"
		must(t, os.WriteFile(tmp, []byte("new content\n"), 0o600))
		must(t, os.Rename(tmp, p))
		if got, err := os.ReadFile(p); err != nil || string(got) != "new content\n" {
			t.Fatalf("after rename over: %q, %v", got, err)
		}
		if _, err := os.Stat(tmp); !os.IsNotExist(err) {
			t.Fatalf("temporary file still there: %v", err)
		}
	})
	t.Run("rename-dir", func(t *testing.T) {
		must(t, os.Rename(filepath.Join(tm.Dir, "tar"), filepath.Join(tm.Dir, "cp", "moved")))
		sameTree(t, filepath.Join(src, "a"), filepath.Join(tm.Dir, "cp", "moved", "a"), false)
		if err := os.Rename(filepath.Join(tm.Dir, "cp"), filepath.Join(tm.Dir, "cp", "moved", "inside")); err == nil {
			t.Fatal("moved a directory into itself")
		}
		must(t, os.Rename(filepath.Join(tm.Dir, "cp", "moved"), filepath.Join(tm.Dir, "tar")))
	})

	// Once everything is certified and the local copies are dropped, the
	// same trees read back from the network.
	tm.drain(t)
	dropped, err := tm.FS.EvictAll()
	must(t, err)
	if dropped == 0 {
		t.Fatal("no local copy was dropped")
	}
	t.Logf("dropped %d local copies; reading back from the network", dropped)
	t.Run("read-from-network", func(t *testing.T) {
		sameTree(t, src, filepath.Join(tm.Dir, "cp"), false)
		sameTree(t, src, filepath.Join(tm.Dir, "rsync"), false)
	})
	t.Run("random-write-into-remote-file", func(t *testing.T) {
		p := filepath.Join(tm.Dir, "rsync", "big.bin")
		want, err := os.ReadFile(filepath.Join(src, "big.bin"))
		must(t, err)
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		must(t, err)
		patch := []byte("PATCHED IN THE MIDDLE")
		_, err = f.WriteAt(patch, 1<<20+7)
		must(t, err)
		must(t, f.Close())
		copy(want[1<<20+7:], patch)
		checkFile(t, p, want)
		tm.drain(t)
		_, err = tm.FS.EvictAll()
		must(t, err)
		checkFile(t, p, want)
	})
	t.Run("truncate", func(t *testing.T) {
		p := filepath.Join(tm.Dir, "rsync", "a", "b", "odd")
		want, err := os.ReadFile(p)
		must(t, err)
		must(t, os.Truncate(p, 1000))
		checkFile(t, p, want[:1000])
		must(t, os.Truncate(p, 5000))
		checkFile(t, p, append(want[:1000:1000], make([]byte, 4000)...))
	})
	t.Run("mmap-write", func(t *testing.T) {
		p := filepath.Join(tm.Dir, "mapped")
		want := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
		must(t, os.WriteFile(p, make([]byte, len(want)), 0o644))
		ref := filepath.Join(t.TempDir(), "want")
		must(t, os.WriteFile(ref, want, 0o644))
		mmapInChild(t, "write", p, ref)
		checkFile(t, p, want)
		// What was written through the map is what gets uploaded.
		tm.drain(t)
		_, err = tm.FS.EvictAll()
		must(t, err)
		checkFile(t, p, want)
	})
	t.Run("mmap", func(t *testing.T) {
		mmapInChild(t, "read", filepath.Join(tm.Dir, "cp", "big.bin"), filepath.Join(src, "big.bin"))
	})
}

// mmapInChild maps a file of the mount in another process and reads it
// (comparing it with ref) or writes ref's bytes through the map. Not in
// this process, which serves the mount: a page fault on the mount blocks
// its thread in the kernel, and the runtime's preemption signals, sent
// while the garbage collector waits for it, interrupt the fault again and
// again.
func mmapInChild(t *testing.T, op, path, ref string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMmapChild$")
	cmd.Env = append(os.Environ(), "WALRUSFS_MMAP_CHILD="+op, "WALRUSFS_MMAP_PATH="+path, "WALRUSFS_MMAP_REF="+ref)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mmap %s of %s: %v\n%s", op, path, err, out)
	}
}

// TestMmapChild is mmapInChild's other process; it does nothing unless
// run as one.
func TestMmapChild(t *testing.T) {
	op := os.Getenv("WALRUSFS_MMAP_CHILD")
	if op == "" {
		t.Skip("runs only as mmapInChild's process")
	}
	path, ref := os.Getenv("WALRUSFS_MMAP_PATH"), os.Getenv("WALRUSFS_MMAP_REF")
	want, err := os.ReadFile(ref)
	must(t, err)
	switch op {
	case "read":
		f, err := os.Open(path)
		must(t, err)
		defer f.Close()
		m, err := syscall.Mmap(int(f.Fd()), 0, len(want), syscall.PROT_READ, syscall.MAP_SHARED)
		must(t, err)
		defer syscall.Munmap(m)
		if sha256.Sum256(m) != sha256.Sum256(want) {
			t.Fatal("mmap read differs")
		}
	case "write":
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		must(t, err)
		m, err := syscall.Mmap(int(f.Fd()), 0, len(want), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		must(t, err)
		copy(m, want)
		must(t, unix.Msync(m, unix.MS_SYNC))
		must(t, syscall.Munmap(m))
		must(t, f.Sync())
		must(t, f.Close())
	default:
		t.Fatalf("unknown operation %q", op)
	}
}

func checkFile(t *testing.T, p string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(p)
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d expected", p, len(got), len(want))
	}
}

// TestLargeDirectory lists a directory of 10,000 entries with ls -l.
func TestLargeDirectory(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	dir := filepath.Join(tm.Dir, "many")
	must(t, os.Mkdir(dir, 0o755))
	const count = 10000
	start := time.Now()
	for i := range count {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), os.O_CREATE|os.O_WRONLY, 0o644)
		must(t, err)
		must(t, f.Close())
	}
	created := time.Since(start)
	start = time.Now()
	out := run(t, dir, "ls", "-l")
	if lines := strings.Count(out, "\n"); lines != count+1 { // plus "total"
		t.Fatalf("ls -l printed %d lines, want %d", lines, count+1)
	}
	t.Logf("created %d files in %v, ls -l took %v", count, created, time.Since(start))
}
