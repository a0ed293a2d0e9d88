package mountd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/walrusfs/walrusfs/crypt/mountkeys"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/manifest"
)

// tree is where a mounted tree's state lives and the keys it is encrypted
// with.
type tree struct {
	fsDir, metaDir string
	keys           mountkeys.Keys
	closers        []func()
}

func (t *tree) close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

// openTree readies the tree to mount: a snapshot's, loaded from its
// manifest into a tree of its own, or the live one, locked for this mount
// and rebuilt from the network if it was lost. An identity is created
// only when no tree on the network needs another one.
func openTree(ctx context.Context, o Options, h Host, nw *network, snapshot *encoding.BlobID) (_ *tree, err error) {
	t := &tree{fsDir: filepath.Join(nw.fsDir, o.Name)}
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	if err := os.MkdirAll(t.fsDir, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	t.metaDir = filepath.Join(t.fsDir, "meta")
	keys, haveKeys, err := mountkeys.Open(o.State, o.IdentityFile, o.Public, h.Passphrase)
	if err != nil {
		return nil, err
	}
	if snapshot != nil {
		err = t.loadSnapshot(ctx, o, h, nw, *snapshot, keys)
	} else {
		err = t.openLive(ctx, o, h, nw, keys)
	}
	if errors.Is(err, manifest.ErrEncrypted) {
		return nil, mountkeys.ErrNeedIdentity
	}
	if err != nil {
		return nil, err
	}
	if !haveKeys {
		// No tree on the network needs another identity: this one is new.
		if keys, err = mountkeys.Create(o.State, o.Notices); err != nil {
			return nil, err
		}
	}
	t.keys = keys
	return t, nil
}

// loadSnapshot loads a past tree, to mount read-only beside any live mount
// of the same state, into a directory of its own that goes at close.
func (t *tree) loadSnapshot(ctx context.Context, o Options, h Host, nw *network, id encoding.BlobID, keys mountkeys.Keys) error {
	removeStaleSnapshots(t.fsDir, h, o.Log)
	snapDir, err := os.MkdirTemp(t.fsDir, "snapshot-")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	t.closers = append(t.closers, func() { os.RemoveAll(snapDir) })
	// Held while mounted: a later mount removes only unheld ones.
	release, err := h.LockDir(filepath.Join(snapDir, snapshotLock))
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	t.closers = append(t.closers, release)
	snap, err := manifest.Fetch(ctx, nw.blobs, id, keys.Identities())
	if err != nil {
		return err
	}
	t.metaDir, t.fsDir = filepath.Join(snapDir, "meta"), snapDir
	if err := manifest.LoadTree(t.metaDir, snap, nil, o.Log); err != nil {
		return err
	}
	o.Log.Info("mounting a snapshot", "manifest", id, "inodes", len(snap.Inodes))
	return nil
}

// openLive locks the live tree for this mount and rebuilds it from the
// network's manifest if it was lost.
func (t *tree) openLive(ctx context.Context, o Options, h Host, nw *network, keys mountkeys.Keys) error {
	release, err := h.LockDir(filepath.Join(t.fsDir, ".mount.lock"))
	if err != nil {
		return fmt.Errorf("state %s is in use by another mount: %w", t.fsDir, err)
	}
	t.closers = append(t.closers, release)
	removeStaleSnapshots(t.fsDir, h, o.Log)
	if err := checkStartingManifest(o, nw, t.metaDir); err != nil {
		return err
	}
	_, err = manifest.RestoreIfLost(ctx, t.metaDir, filepath.Join(t.fsDir, "data"), nw.records, nw.blobs, nw.owner, o.Name, keys.Identities(), o.Log)
	return err
}

// snapshotLock is the lock file a snapshot mount holds in its tree's
// directory while it runs.
const snapshotLock = ".snapshot.lock"

// removeStaleSnapshots removes the snapshot trees that killed snapshot
// mounts left in a file system's state directory: those whose lock no
// running mount holds.
func removeStaleSnapshots(fsDir string, h Host, log *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(fsDir, "snapshot-*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Minute {
			continue // maybe a mount starting now, before it locks
		}
		release, err := h.LockDir(filepath.Join(d, snapshotLock))
		if err != nil {
			continue // in use, or not ours to judge
		}
		err = os.RemoveAll(d)
		release()
		if err != nil {
			log.Warn("removing a snapshot tree a killed mount left", "dir", d, "err", err)
			continue
		}
		log.Info("removed a snapshot tree a killed mount left", "dir", d)
	}
}
