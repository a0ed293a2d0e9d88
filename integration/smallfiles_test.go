package integration

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// closedFiles is what a writer knows to be on the mount: each file whose
// close (and rename) returned, with its content.
type closedFiles struct {
	mu    sync.Mutex
	files map[string][]byte
	// cut: renames a kill may have cut, from name to name; the mount may
	// have done them before it died, or not.
	cut map[string]string
}

func (c *closedFiles) renaming(from, to string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cut[from] = to
}

func (c *closedFiles) add(path string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files[path] = data
}

func (c *closedFiles) move(from, to string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files[to] = c.files[from]
	delete(c.files, from)
	delete(c.cut, from)
}

func (c *closedFiles) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.files)
}

// writeSmallFiles creates small files under dir as fast as it can, as an
// unpacking tool does (one in 20 also renamed once closed), until an
// operation fails (the mount died) or stop closes. It records every file
// whose close returned.
func writeSmallFiles(dir string, round int, got *closedFiles, stop <-chan struct{}) error {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		sub := filepath.Join(dir, fmt.Sprintf("r%d-d%03d", round, i/200))
		if i%200 == 0 {
			if err := os.Mkdir(sub, 0o755); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%d/%d", round, i))
		data := bytes.Repeat(sum[:], 1+i%300) // 32 B to 9.6 KB
		p := filepath.Join(sub, fmt.Sprintf("f%05d", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		got.add(p, data)
		if i%20 == 0 {
			to := p + ".renamed"
			got.renaming(p, to)
			if err := os.Rename(p, to); err != nil {
				return err // cut by the kill: either name may be there
			}
			got.move(p, to)
		}
	}
}

// TestKillDuringSmallFileCopy: closes no longer sync (the mount commits every
// --commit-interval), yet a file whose close returned survives kill -9 of the
// mount, also in the middle of a stream of creates: twice, a writer creates
// small files as fast as it can, the mount is killed with SIGKILL while it
// does, and the next mount has every file whose close (and rename) had
// returned, byte for byte; in the end every one of them is uploaded.
func TestKillDuringSmallFileCopy(t *testing.T) {
	state, mnt := t.TempDir(), t.TempDir()
	got := &closedFiles{files: map[string][]byte{}, cut: map[string]string{}}
	for round := range 2 {
		m := startMount(t, mnt, state, "--write-back=5s") // the default
		want := got.len() + 400
		errc := make(chan error, 1)
		go func() { errc <- writeSmallFiles(mnt, round, got, nil) }()
		for deadline := time.Now().Add(2 * time.Minute); got.len() < want; time.Sleep(10 * time.Millisecond) {
			select {
			case err := <-errc:
				t.Fatalf("round %d: the writer stopped before the kill: %v", round, err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: only %d files written in 2 minutes", round, got.len())
			}
		}
		m.kill(t)
		t.Logf("round %d: killed the mount after %d closed files; the writer stopped with %v", round, got.len(), <-errc)
	}
	m := startMount(t, mnt, state)
	check := func() {
		t.Helper()
		missing, differ := 0, 0
		for p, data := range got.files {
			b, err := os.ReadFile(p)
			if to, ok := got.cut[p]; ok && errors.Is(err, os.ErrNotExist) {
				b, err = os.ReadFile(to) // renamed before the kill
			}
			switch {
			case err != nil:
				missing++
				if missing <= 5 {
					t.Errorf("closed before the kill, gone after: %v", err)
				}
			case !bytes.Equal(b, data):
				differ++
				if differ <= 5 {
					t.Errorf("%s: %d bytes, not the %d written", p, len(b), len(data))
				}
			}
		}
		if missing+differ > 0 {
			t.Fatalf("%d of %d closed files missing, %d differ", missing, len(got.files), differ)
		}
	}
	check()
	waitPublished(t, state, 1) // every file uploaded and certified
	check()
	mustRun(t, time.Minute, "umount", mnt)
	<-m.exited
}
