package mountd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// locks is a fake Host.LockDir that refuses the paths ending in busy and
// counts what it gave and what came back.
type locks struct {
	busy string

	mu       sync.Mutex
	held     map[string]bool
	released int
}

func (l *locks) lock(path string) (func(), error) {
	if l.busy != "" && strings.HasSuffix(path, l.busy) {
		return nil, errors.New("another process holds it")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]bool{}
	}
	l.held[path] = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.held, path)
		l.released++
	}, nil
}

func run(t *testing.T, o Options, h Host) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return Run(ctx, ctx, o, h)
}

// A mount point that cannot be made fails the mount before anything is
// opened: no state, no lock.
func TestRunRefusesABadMountPoint(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l := &locks{}
	state := filepath.Join(tmp, "state")
	err := run(t, Options{Dir: filepath.Join(file, "mnt"), State: state, Name: "default"}, Host{LockDir: l.lock})
	if err == nil || !strings.Contains(err.Error(), "mount point") {
		t.Fatalf("Run on a mount point under a file: %v, want a mount point error", err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the state directory was made (%v)", err)
	}
	if len(l.held) != 0 || l.released != 0 {
		t.Errorf("locks taken: %v, released %d", l.held, l.released)
	}
}

// A snapshot that is no blob ID fails before the mount point is made.
func TestRunRefusesABadSnapshot(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "mnt")
	err := run(t, Options{Dir: dir, State: filepath.Join(tmp, "state"), Name: "default", Snapshot: "not-a-blob-id"}, Host{})
	if err == nil || !strings.Contains(err.Error(), "snapshot") {
		t.Fatalf("Run with a bad snapshot: %v, want a snapshot error", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the mount point was made (%v)", err)
	}
}

// A tree another mount holds fails the mount, and what was started for it
// (the embedded network, its lock) is stopped and released.
func TestRunReleasesWhatItTookWhenTheTreeIsInUse(t *testing.T) {
	tmp := t.TempDir()
	l := &locks{busy: ".mount.lock"}
	state := filepath.Join(tmp, "state")
	err := run(t, Options{Dir: filepath.Join(tmp, "mnt"), State: state, Name: "default", Public: true}, Host{LockDir: l.lock})
	if err == nil || !strings.Contains(err.Error(), "is in use by another mount") {
		t.Fatalf("Run on a tree in use: %v, want it refused", err)
	}
	if len(l.held) != 0 || l.released != 1 {
		t.Errorf("locks still held: %v; released %d, want the embedded network's", l.held, l.released)
	}
}
