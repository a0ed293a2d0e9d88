package manifest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// RestoreIfLost rebuilds a missing local tree store (metaDir) from the
// file system's latest manifest, if the chain has one, and reports whether
// it did. It loads the tree beside its place and renames it into place, so
// that a crash leaves no partial tree; the data directory's leftovers,
// whose inode numbers mean other files now, are removed.
func RestoreIfLost(ctx context.Context, metaDir, dataDir string, ch Records, blobs Blobs, owner chain.Address, name string, ids []age.Identity, log *slog.Logger) (bool, error) {
	if _, err := os.Stat(metaDir); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("state: %w", err)
	}
	rec, tree, err := Latest(ctx, ch, blobs, owner, name, ids)
	if errors.Is(err, chain.ErrNotFound) {
		return false, nil // a new file system
	}
	if err != nil {
		return false, fmt.Errorf("the local tree is gone and it cannot be rebuilt from the network: %w", err)
	}
	loading := metaDir + ".loading"
	if err := os.RemoveAll(loading); err != nil {
		return false, fmt.Errorf("state: %w", err)
	}
	published := &state.Published{Name: name, Version: rec.Version, Manifest: rec.Manifest.String(), At: time.Now().UnixNano()}
	if err := LoadTree(loading, tree, published, log); err != nil {
		return false, err
	}
	if err := os.RemoveAll(dataDir); err != nil {
		return false, fmt.Errorf("state: %w", err)
	}
	if err := os.Rename(loading, metaDir); err != nil {
		return false, fmt.Errorf("state: %w", err)
	}
	if log != nil {
		log.Info("rebuilt the tree from the network", "name", name, "version", rec.Version, "manifest", rec.Manifest, "inodes", len(tree.Inodes))
	}
	return true, nil
}

// LoadTree creates a tree store in dir holding tree, owned by this
// process's user, with the published-manifest record if one is given.
func LoadTree(dir string, tree *meta.Tree, published *state.Published, log *slog.Logger) error {
	m, err := meta.Open(dir, uint32(os.Getuid()), uint32(os.Getgid()), log)
	if err != nil {
		return err
	}
	if err := m.Load(tree); err != nil {
		m.Close()
		return err
	}
	if published != nil {
		if err := m.Book().SetPublished(published); err != nil {
			m.Close()
			return err
		}
	}
	return m.Close()
}
