// Package officialsdk gives tests the official Walrus and Sui TypeScript SDKs
// (@mysten/walrus and @mysten/sui, pinned by the oracle's package.json beside
// the repository) installed from npm into <repo>/.cache/oracle, and runs
// scripts against them under node. bench/oracle-bench.sh shares the install.
package officialsdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// stamp, in the installed copy, holds the SHA-256 of the package.json whose
// dependencies were installed there. bench/oracle-bench.sh writes and checks
// the same file.
const stamp = ".walrusfs-installed"

// scriptsDir is where Script copies test scripts, inside the install, so that
// their imports of @mysten/* resolve to its node_modules.
const scriptsDir = "walrusfs-scripts"

var installMu sync.Mutex

// Node returns the path of node. Without node the test is skipped, except in
// CI (CI=true), where it fails.
func Node(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is required in CI to run the official SDK: %v", err)
		}
		t.Skipf("node not found, cannot run the official SDK: %v", err)
	}
	return node
}

// Dir makes sure <repo>/.cache/oracle holds a copy of the oracle with its npm
// dependencies installed, and returns its path. The copy is reused while its
// package.json matches the oracle's; the oracle's scripts are refreshed every
// time. It skips the test without node (fails in CI).
func Dir(t testing.TB) string {
	t.Helper()
	Node(t)
	installMu.Lock()
	defer installMu.Unlock()
	unlock, err := lockCache()
	if err != nil {
		t.Fatalf("official SDK: %v", err)
	}
	defer unlock()
	dst, err := install(t)
	if err != nil {
		t.Fatalf("official SDK: %v", err)
	}
	return dst
}

// Script copies the script at path (relative to the test's package
// directory, e.g. testdata/build.mjs) into the install and returns the copy's
// path, to be run with node.
func Script(t testing.TB, path string) string {
	t.Helper()
	dir := Dir(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("official SDK script: %v", err)
	}
	sum := sha256.Sum256(b)
	target := filepath.Join(dir, scriptsDir, hex.EncodeToString(sum[:6])+"-"+filepath.Base(path))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(target, b); err != nil {
		t.Fatalf("official SDK script: %v", err)
	}
	return target
}

// Run runs the script at path (as Script takes it) under node with args and
// returns its standard output; it fails the test with the script's standard
// error when node exits non-zero or runs longer than timeout. The timeout
// starts once the SDK is installed: a first npm install can take minutes.
func Run(t testing.TB, timeout time.Duration, path string, args ...string) []byte {
	t.Helper()
	node := Node(t)
	script := Script(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir = filepath.Dir(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s %s: %v\nstderr:\n%s\nstdout:\n%s", filepath.Base(path), strings.Join(args, " "), err, stderr.Bytes(), stdout.Bytes())
	}
	return stdout.Bytes()
}

// lockCache takes an exclusive flock on <repo>/.cache/oracle.lock: test
// binaries of several packages run at once and must not install over one
// another.
func lockCache() (func(), error) {
	root, err := testvectors.RepoRoot()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, ".cache"), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(root, ".cache", "oracle.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

func install(t testing.TB) (string, error) {
	src, err := testvectors.OracleDir()
	if err != nil {
		return "", err
	}
	root, err := testvectors.RepoRoot()
	if err != nil {
		return "", err
	}
	cache := filepath.Join(root, ".cache")
	dst := filepath.Join(cache, "oracle")
	pkg, err := os.ReadFile(filepath.Join(src, "package.json"))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pkg)
	want := hex.EncodeToString(sum[:])
	if st, err := os.ReadFile(filepath.Join(dst, stamp)); err == nil && strings.TrimSpace(string(st)) == want {
		installed, err := os.ReadFile(filepath.Join(dst, "package.json"))
		if err == nil && bytes.Equal(installed, pkg) {
			if err := refreshFiles(src, dst); err != nil {
				return "", fmt.Errorf("refresh %s: %w", dst, err)
			}
			return dst, nil
		}
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm is required to install the official SDK: %w", err)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, "oracle.tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone once renamed
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := copyTree(src, tmp); err != nil {
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install in %s: %w\n%s", tmp, err, out)
	}
	t.Logf("npm install of the official SDK: %v", time.Since(t0).Round(time.Millisecond))
	if err := os.WriteFile(filepath.Join(tmp, stamp), []byte(want+"\n"), 0o644); err != nil {
		return "", err
	}
	// Swap the new copy in; an older one is moved aside first, since a
	// directory cannot be renamed over a non-empty one.
	old := fmt.Sprintf("%s.old-%d", dst, time.Now().UnixNano())
	if err := os.Rename(dst, old); err == nil {
		defer os.RemoveAll(old)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// skip lists what copyTree leaves out: the oracle's own git-ignored files.
var skip = map[string]bool{"node_modules": true, "package-lock.json": true, "scratch": true}

// copyTree copies the oracle folder src into dst, writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		if skip[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// refreshFiles copies the oracle's top-level files that differ from the
// installed copy's, each through a temporary file and a rename.
func refreshFiles(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || skip[e.Name()] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		target := filepath.Join(dst, e.Name())
		if cur, err := os.ReadFile(target); err == nil && bytes.Equal(cur, b) {
			continue
		}
		if err := writeAtomic(target, b); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic writes b to target through a temporary file and a rename, so
// that concurrent test processes never see a partial file.
func writeAtomic(target string, b []byte) error {
	if cur, err := os.ReadFile(target); err == nil && bytes.Equal(cur, b) {
		return nil
	}
	tmp := fmt.Sprintf("%s.tmp-%d-%d", target, os.Getpid(), time.Now().UnixNano())
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
