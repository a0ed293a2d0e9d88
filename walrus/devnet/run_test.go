package devnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRunOnALockedDirectory(t *testing.T) {
	dir := t.TempDir()
	h := Host{LockDir: func(string) (func(), error) { return nil, fmt.Errorf("lock: %w", ErrLocked) }}
	err := Run(context.Background(), Options{Dir: dir, Log: slog.New(slog.DiscardHandler)}, h)
	if want := "devnet " + dir + ": another devnet is running on this directory"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestRunRejectsShardsTheNodesCannotShare(t *testing.T) {
	dir := t.TempDir()
	var lockPath string
	h := Host{
		Registry: prometheus.NewRegistry(),
		LockDir: func(path string) (func(), error) {
			lockPath = path
			return func() {}, nil
		},
	}
	err := Run(context.Background(), Options{Dir: dir, Nodes: 5, Shards: 4, Log: slog.New(slog.DiscardHandler)}, h)
	var oe *OptionsError
	if !errors.As(err, &oe) || !strings.HasPrefix(err.Error(), "devnet "+dir+": ") {
		t.Errorf("err = %v, want an OptionsError about %s", err, dir)
	}
	if lockPath != filepath.Join(dir, ".devnet.lock") {
		t.Errorf("locked %q", lockPath)
	}
	if _, err := os.Stat(filepath.Join(dir, "node-0")); err == nil {
		t.Error("node-0 created for a network that cannot be")
	}
}
