package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
)

// The crash test re-runs the test binary as a child that writes slivers
// (not synced, from two goroutines) and reports each Put that returned on a pipe.
// The parent kills it with SIGKILL mid-write, reopens the store and expects
// every reported sliver intact, and any other one either absent or intact.
// SIGKILL loses what the process had not handed to the kernel; it does not
// simulate a power loss, which only Sync covers.

const (
	crashDirEnv   = "WALRUS_STORE_CRASH_DIR"
	crashStartEnv = "WALRUS_STORE_CRASH_START"
	crashWriters  = 2
)

// crashSliver is the i-th sliver the child writes: 16 per blob, blobs with
// (i/16)%4 == 3 pending.
func crashSliver(i int) (id encoding.BlobID, shard uint16, sl *encoding.Sliver, pending bool) {
	sizes := []int{512, 4096, 1 << 16, 1 << 18, 2 << 20}
	id = blobID(uint64(1<<20 + i/16))
	shard = uint16(i % 16)
	sl = sliver(encoding.Axis(i%2), shard, 2, sizes[i%len(sizes)], uint64(i))
	return id, shard, sl, (i/16)%4 == 3
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrashDurability")
	}
	start, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	s, err := Open(dir, Options{GCInterval: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	report := os.NewFile(3, "report")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() {
			for i := start + w; ; i += crashWriters {
				id, shard, sl, pending := crashSliver(i)
				if err := s.PutSliver(id, shard, sl, pending); err != nil {
					fmt.Fprintln(os.Stderr, "child put:", err)
					os.Exit(4)
				}
				mu.Lock()
				fmt.Fprintf(report, "%d\n", i)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestCrashDurability(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("child")
	}
	dir := t.TempDir()
	next := 0
	for round := range 3 {
		reported, maxSeen := runCrashChild(t, dir, next, 30+round*20)
		s := open(t, dir, Options{GCInterval: -1})
		for i := next; i <= maxSeen+crashWriters; i++ {
			id, shard, want, pending := crashSliver(i)
			if pending {
				must(t, s.Promote(id))
			}
			got, err := s.Sliver(id, shard, want.Axis)
			switch {
			case err == nil && !sameSliver(got, want):
				t.Fatalf("round %d: sliver %d is damaged", round, i)
			case errorsIs(err, ErrNotFound) && reported[i]:
				t.Fatalf("round %d: sliver %d was reported stored but is lost", round, i)
			case err != nil && !errorsIs(err, ErrNotFound):
				t.Fatalf("round %d: sliver %d: %v", round, i, err)
			}
		}
		checkCounts(t, s)
		t.Logf("round %d: %d slivers reported before SIGKILL, all intact", round, len(reported))
		must(t, s.Close())
		next = maxSeen + crashWriters + 1
	}
}

// runCrashChild starts a child writing from sliver start on, kills it once
// it reported n slivers, and returns the reported ones and the largest.
func runCrashChild(t *testing.T, dir string, start, n int) (map[int]bool, int) {
	t.Helper()
	r, w, err := os.Pipe()
	must(t, err)
	defer r.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashStartEnv+"="+strconv.Itoa(start))
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	w.Close()

	reported := map[int]bool{}
	maxSeen := start - 1
	lines := bufio.NewScanner(r)
	killed := false
	kill := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() }) // a stuck child
	defer kill.Stop()
	for lines.Scan() {
		i, err := strconv.Atoi(lines.Text())
		if err != nil {
			t.Fatalf("child reported %q", lines.Text())
		}
		reported[i] = true
		maxSeen = max(maxSeen, i)
		if len(reported) == n && !killed {
			must(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", err)
	}
	return reported, maxSeen
}
