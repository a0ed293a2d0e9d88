package fs_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/posixtest"
)

const loopbackEnv = "WALRUSFS_POSIXTEST_LOOPBACK"

// TestPosixOnLoopback runs go-fuse's posixtest suite on go-fuse's own
// loopback file system over a temporary directory. TestPosix runs it in a
// child process to learn which tests pass here.
func TestPosixOnLoopback(t *testing.T) {
	if os.Getenv(loopbackEnv) == "" {
		t.Skip("run by TestPosix")
	}
	requireFUSE(t)
	for _, name := range posixNames() {
		t.Run(name, func(t *testing.T) {
			backing, mnt := t.TempDir(), t.TempDir()
			root, err := fusefs.NewLoopbackRoot(backing)
			if err != nil {
				t.Fatal(err)
			}
			sec := time.Second
			srv, err := fusefs.Mount(mnt, root, &fusefs.Options{EntryTimeout: &sec, AttrTimeout: &sec})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Unmount()
			posixtest.All[name](t, mnt)
		})
	}
}

func posixNames() []string {
	var names []string
	for name := range posixtest.All {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// loopbackResults runs TestPosixOnLoopback in a child and returns each
// test's outcome: PASS, FAIL or SKIP.
func loopbackResults(t *testing.T) map[string]string {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPosixOnLoopback$", "-test.v", "-test.timeout", "5m")
	cmd.Env = append(os.Environ(), loopbackEnv+"=1")
	out, _ := cmd.CombinedOutput()
	results := map[string]string{}
	re := regexp.MustCompile(`--- (PASS|FAIL|SKIP): TestPosixOnLoopback/(\w+)`)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			results[m[2]] = m[1]
		}
	}
	if len(results) == 0 {
		t.Fatalf("no results from the loopback run:\n%s", out)
	}
	return results
}

// TestPosix runs go-fuse's posixtest suite on a walrusfs mount: every test
// that passes on go-fuse's loopback on this machine must pass here.
func TestPosix(t *testing.T) { bothModes(t, testPosix) }

func testPosix(t *testing.T) {
	requireFUSE(t)
	loopback := loopbackResults(t)
	tm := mount(t, startNet(t), t.TempDir(), 8<<20)
	for _, name := range posixNames() {
		t.Run(name, func(t *testing.T) {
			if r := loopback[name]; r != "PASS" {
				t.Skipf("%s on go-fuse's loopback here", r)
			}
			dir := filepath.Join(tm.Dir, name)
			must(t, os.Mkdir(dir, 0o755))
			posixtest.All[name](t, dir)
		})
	}
}
