package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"filippo.io/age"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// bin is the walrusfs binary that TestMain builds.
var bin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "walrusfs-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "walrusfs")
	build := exec.Command("go", "build", "-o", bin, "github.com/walrusfs/walrusfs/cmd/walrusfs")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: build walrusfs:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "integration: built %s in %v\n", bin, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

var noted sync.Once

// noteSources stats every Go source file of the module, once per process.
// The binary is built by a go command that TestMain runs, so go test cannot
// know that the results depend on those files; but the files a test stats
// (from m.Run on, not before) are part of its cache key, so a change to
// any of them reruns the tests. Every test calls it first.
func noteSources(t *testing.T) {
	t.Helper()
	noted.Do(func() {
		if err := statSources(); err != nil {
			t.Logf("integration: listing the module's sources: %v (go test may reuse a stale result)", err)
		}
	})
}

func statSources() error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("module root: %w", err)
	}
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := e.Name()
		if e.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".s") || name == "go.mod" || name == "go.sum" {
			_, err = os.Stat(path)
		}
		return err
	})
}

// inGroup makes cmd the leader of a new process group, so that killing the
// group kills whatever it started too, and has the kernel send it SIGTERM
// if the test process dies first (a test timeout runs no cleanups).
func inGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// startLocked starts cmd from a goroutine locked to its thread until cmd
// exits: the parent-death signal fires when the starting thread ends, which
// must not happen while cmd runs. exited is closed once cmd was waited for.
func startLocked(cmd *exec.Cmd) (exited <-chan struct{}, err error) {
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(done)
		if err := cmd.Start(); err != nil {
			started <- err
			runtime.UnlockOSThread()
			return
		}
		started <- nil
		_ = cmd.Wait()
		// The thread ends with this goroutine, after cmd.
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}

// killGroup kills a process group, ignoring one that is gone.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// result is the outcome of one command.
type result struct {
	stdout, stderr []byte
	code           int
}

// walrusfs runs the binary with args and returns its output and exit status;
// it kills the command's process group if it runs longer than timeout.
func walrusfs(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	noteSources(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	inGroup(cmd)
	cmd.Cancel = func() error { killGroup(cmd.Process.Pid); return nil }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	exited, err := startLocked(cmd)
	if err != nil {
		t.Fatalf("walrusfs %s: %v", strings.Join(args, " "), err)
	}
	<-exited
	killGroup(cmd.Process.Pid) // anything it left behind
	if ctx.Err() != nil {
		t.Fatalf("walrusfs %s: still running after %v\nstderr:\n%s", strings.Join(args, " "), timeout, tail(stderr.Bytes(), 40))
	}
	return result{stdout: stdout.Bytes(), stderr: stderr.Bytes(), code: cmd.ProcessState.ExitCode()}
}

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	res := walrusfs(t, timeout, args...)
	if res.code != 0 {
		t.Fatalf("walrusfs %s: exit status %d\nstderr:\n%s", strings.Join(args, " "), res.code, tail(res.stderr, 40))
	}
	return res
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// devnet is a running `walrusfs devnet` process.
type devnet struct {
	dir     string
	cmd     *exec.Cmd
	stdout  string // file with its standard output
	stderr  string // file with its standard error (its logs and its nodes')
	exited  <-chan struct{}
	network string // DIR/network.yaml
}

// startDevnet starts `walrusfs devnet --dir dir args...`. The test kills
// its process group, nodes included, when it ends.
func startDevnet(t *testing.T, dir string, args ...string) *devnet {
	t.Helper()
	noteSources(t)
	logs := t.TempDir()
	d := &devnet{dir: dir, stdout: filepath.Join(logs, "stdout"), stderr: filepath.Join(logs, "stderr"),
		network: filepath.Join(dir, "network.yaml")}
	out, err := os.Create(d.stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.Create(d.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	d.cmd = exec.Command(bin, append([]string{"devnet", "--dir", dir}, args...)...)
	d.cmd.Stdout, d.cmd.Stderr = out, errf
	inGroup(d.cmd)
	exited, err := startLocked(d.cmd)
	if err != nil {
		t.Fatal(err)
	}
	d.exited = exited
	pid := d.cmd.Process.Pid
	t.Cleanup(func() {
		// Gently first, so that the devnet reaps its nodes; then kill the
		// group, which holds anything left.
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(15 * time.Second):
		}
		killGroup(pid)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("devnet %d did not exit after SIGKILL", pid)
		}
		if t.Failed() {
			t.Logf("devnet logs (last lines of %s):\n%s", d.stderr, d.logTail(60))
		}
	})
	return d
}

func (d *devnet) logTail(n int) string {
	b, _ := os.ReadFile(d.stderr)
	return tail(b, n)
}

// wait waits until the devnet printed its summary (after writing
// network.yaml) and every node of the committee answers its health check.
func (d *devnet) wait(t *testing.T, timeout time.Duration) (*netconfig.Network, *chain.Committee) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, _ := os.ReadFile(d.stdout)
		if bytes.Contains(out, []byte("Stop with Ctrl-C")) {
			break
		}
		select {
		case <-d.exited:
			t.Fatalf("devnet exited while starting (%s)\nlogs:\n%s", d.cmd.ProcessState, d.logTail(40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("devnet not up after %v\nlogs:\n%s", timeout, d.logTail(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cfg, err := netconfig.Load(d.network)
	if err != nil {
		t.Fatal(err)
	}
	com := committee(t, cfg.Ledger)
	for _, m := range com.Members {
		for !healthy(m) {
			if time.Now().After(deadline) {
				t.Fatalf("node %s (%s) not healthy after %v\nlogs:\n%s", m.Name, m.Address, timeout, d.logTail(40))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return cfg, com
}

// stop sends the devnet SIGTERM and waits for it to exit with status 0.
func (d *devnet) stop(t *testing.T, timeout time.Duration) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(timeout):
		t.Fatalf("devnet still running %v after SIGTERM\nlogs:\n%s", timeout, d.logTail(40))
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("devnet exited with status %d after SIGTERM\nlogs:\n%s", code, d.logTail(40))
	}
}

// nodePID reads DIR/node-i/pid; 0 when there is none.
func (d *devnet) nodePID(t *testing.T, i int) int {
	b, err := os.ReadFile(filepath.Join(d.dir, fmt.Sprintf("node-%d", i), "pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file of node %d: %v", i, err)
	}
	return pid
}

func committee(t *testing.T, ledgerURL string) *chain.Committee {
	t.Helper()
	resp, err := http.Get(ledgerURL + "/v1/committee")
	if err != nil {
		t.Fatalf("ledger: %v", err)
	}
	defer resp.Body.Close()
	var com chain.Committee
	if err := json.NewDecoder(resp.Body).Decode(&com); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ledger committee: HTTP %d, %v", resp.StatusCode, err)
	}
	return &com
}

// health reaches nodes as clients do: over TLS pinned to a node's network
// key when the committee lists one.
var health = nodeclient.NewPool(&http.Client{Timeout: 2 * time.Second})

func healthy(m chain.Node) bool {
	_, err := nodeclient.Status[api.ServiceHealth](context.Background(), health.Get(m), api.HealthPath)
	return err == nil
}

// alive reports whether a process exists (and is not a zombie of ours).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill
	}
	// The state follows the command name in parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// contentFromNetwork reads back, outside the mount, the content a file's
// user.walrus.blob_id names (blob IDs, or ID:OFFSET:LENGTH for a file
// sharing a blob) with `walrusfs read` and netArgs; with the mount's state
// directory, each piece is an age file, opened with the mount's identity.
func contentFromNetwork(t *testing.T, netArgs []string, refs, state string) []byte {
	t.Helper()
	var ids []age.Identity
	if state != "" {
		var err error
		if ids, err = crypt.ReadIdentities([]string{filepath.Join(state, "keys", crypt.IdentityFile)}); err != nil {
			t.Fatal(err)
		}
	}
	var whole []byte
	for _, ref := range strings.Fields(refs) {
		b := readRef(t, netArgs, ref)
		if ids != nil {
			var err error
			if b, err = crypt.Decrypt(b, ids); err != nil {
				t.Fatalf("%s: %v", ref, err)
			}
		}
		whole = append(whole, b...)
	}
	return whole
}

// readRef reads one piece of a file's content as stored: a whole blob by
// its ID, or ID:OFFSET:LENGTH of a shared or padded blob.
func readRef(t *testing.T, netArgs []string, ref string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "blob")
	args := append(append([]string{"read"}, netArgs...), ref, "-o", out)
	if id, rng, shared := strings.Cut(ref, ":"); shared {
		args = append(append([]string{"read"}, netArgs...), id, "--range", rng, "-o", out)
	}
	mustRun(t, time.Minute, args...)
	b, err := os.ReadFile(out)
	must(t, err)
	return b
}
