// Package manifest writes a walrusfs tree to the network and reads it back:
// the tree (every inode, directory entry and extended attribute, with the
// blobs of every file) is serialized as a manifest blob, and the chain
// keeps, per owner and file system name, a record pointing at the latest
// one. A machine that lost its local state rebuilds the tree from it, and a
// past manifest can be mounted read-only.
//
// A manifest is "walrusfs-manifest 1\n" followed by the gzip-compressed
// JSON of a meta.Tree; an encrypted tree's manifest is that, as an age
// file. It is published only when the tree has settled:
// nothing queued for upload and every file's content certified, so that it
// points only at blobs, and only if it would load (meta.Tree.Validate): a
// manifest read back is validated before use, and a hostile one is refused
// with an error wrapping meta.ErrCorrupt.
package manifest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
)

const header = "walrusfs-manifest 1\n"

// ageIntro begins every age file: an encrypted manifest.
const ageIntro = "age-encryption.org/v1\n"

// maxTreeBytes bounds a decoded manifest: a manifest comes from the
// network and is not trusted to be small.
const maxTreeBytes = 1 << 30

// Encode serializes a tree.
func Encode(t *meta.Tree) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(t); err != nil {
		return nil, fmt.Errorf("manifest: encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("manifest: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode parses a manifest, which comes from the network: the tree is read
// with bounds on what it may make the decoder allocate and must be a valid
// tree (meta.Tree.Validate), else the error wraps meta.ErrCorrupt.
func Decode(b []byte) (*meta.Tree, error) {
	rest, ok := bytes.CutPrefix(b, []byte(header))
	if !ok {
		return nil, errors.New("manifest: not a walrusfs manifest (or a newer format)")
	}
	br := bytes.NewReader(rest)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("manifest: decode: %w", err)
	}
	zr.Multistream(false)
	lr := &io.LimitedReader{R: zr, N: maxTreeBytes + 1}
	// DecodeTree reads to the stream's end, where gzip checks its CRC.
	t, err := meta.DecodeTree(lr)
	if lr.N == 0 {
		return nil, errors.New("manifest: decode: tree over 1 GiB")
	}
	if err != nil {
		return nil, fmt.Errorf("manifest: decode: %w", err)
	}
	// Only zeros (padding) may follow the stream.
	if pad, _ := io.ReadAll(br); bytes.ContainsFunc(pad, func(r rune) bool { return r != 0 }) {
		return nil, errors.New("manifest: decode: bytes after the tree")
	}
	return t, nil
}

// Blobs stores and reads blobs: the Walrus client does.
type Blobs interface {
	Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error)
	Read(ctx context.Context, id encoding.BlobID) ([]byte, error)
}

// ErrEncrypted means a manifest is encrypted and no identity that opens it
// was given.
var ErrEncrypted = errors.New("the tree is encrypted; its identity is needed to open it")

// Fetch reads and decodes the manifest blob id, decrypting it with ids if
// it is an age file.
func Fetch(ctx context.Context, blobs Blobs, id encoding.BlobID, ids []age.Identity) (*meta.Tree, error) {
	b, err := blobs.Read(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", id, err)
	}
	if bytes.HasPrefix(b, []byte(ageIntro)) {
		if len(ids) == 0 {
			return nil, fmt.Errorf("manifest %s: %w", id, ErrEncrypted)
		}
		if b, err = crypt.Decrypt(b, ids); err != nil {
			if errors.Is(err, crypt.ErrNoIdentity) {
				return nil, fmt.Errorf("manifest %s: the identity given does not open this tree: %w", id, err)
			}
			return nil, fmt.Errorf("manifest %s: %w", id, err)
		}
	}
	t, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", id, err)
	}
	return t, nil
}

// Records keep each file system's pointer to its latest manifest: the
// chain does, or, with no chain, a record kept on the machine.
type Records interface {
	// PublishManifest points the record name at manifest, as version
	// prevVersion+1, or fails with chain.ErrConflict if the record is
	// not at prevVersion.
	PublishManifest(ctx context.Context, name string, manifest encoding.BlobID, prevVersion uint64) (chain.FsRecord, error)
	// FsRecord returns owner's record name, or chain.ErrNotFound.
	FsRecord(ctx context.Context, owner chain.Address, name string) (chain.FsRecord, error)
}

// Latest returns the owner's record for the file system name and its tree,
// or an error wrapping chain.ErrNotFound when there is none.
func Latest(ctx context.Context, ch Records, blobs Blobs, owner chain.Address, name string, ids []age.Identity) (*chain.FsRecord, *meta.Tree, error) {
	rec, err := ch.FsRecord(ctx, owner, name)
	if err != nil {
		return nil, nil, fmt.Errorf("file system record %q: %w", name, err)
	}
	t, err := Fetch(ctx, blobs, rec.Manifest, ids)
	if err != nil {
		return nil, nil, err
	}
	return &rec, t, nil
}

// Publisher publishes the tree's manifest once changes settle.
type Publisher struct {
	Meta   *meta.Store
	Blobs  Blobs
	Chain  Records       // where the pointer to the latest manifest is kept
	Owner  chain.Address // the account whose record it is: the chain's sender
	Name   string        // the file system's name on the chain
	Epochs uint32        // how long manifest blobs are kept
	Settle time.Duration // quiet time after the last change before publishing
	// Deletable stores manifests as deletable blobs, whose storage comes
	// back once they are no longer kept.
	Deletable bool
	// Seal, if set, encrypts manifests before they are stored: names,
	// structure, modes and attributes are then hidden.
	Seal func([]byte) ([]byte, error)
	// KeepSnapshots is how many published manifests are kept, with the
	// blobs they point at (at least the last one).
	KeepSnapshots int
	Logger        *slog.Logger

	mu      sync.Mutex
	lastErr string
	behind  int // files the last manifest has at an older content, or not at all
	// covered is the tree's change count that the last manifest (or the
	// finding that nothing changed) covers.
	covered    uint64
	coveredSet bool
}

// Status describes the publisher's last outcome.
type Status struct {
	Published *state.Published `json:"published,omitempty"`
	LastError string           `json:"lastError,omitempty"`
	// Behind counts the files the tree holds newer than its last manifest
	// (uploading, or failing to): they go in once certified.
	Behind int `json:"behind"`
	// UpToDate is set when the last manifest holds the tree as it is now,
	// every file at its current content.
	UpToDate bool `json:"upToDate"`
}

// treeBlobs lists the blobs a tree's files point at.
func treeBlobs(t *meta.Tree) []encoding.BlobID {
	seen := map[encoding.BlobID]bool{}
	var out []encoding.BlobID
	for _, in := range t.Inodes {
		for _, c := range in.Chunks {
			if !seen[c.Blob] {
				seen[c.Blob] = true
				out = append(out, c.Blob)
			}
		}
	}
	return out
}

// Status returns what was published last, and the last error.
func (p *Publisher) Status() Status {
	st := Status{}
	if pub, err := p.Meta.Book().Published(); err == nil {
		st.Published = pub
	}
	p.mu.Lock()
	st.LastError, st.Behind = p.lastErr, p.behind
	st.UpToDate = p.coveredSet && p.behind == 0 && p.covered == p.Meta.Changes()
	p.mu.Unlock()
	return st
}

// resolveConflict handles a record that moved on since this machine last
// published: when it already names this manifest (a crash between the chain
// and the local note), it is taken as is; otherwise (another machine, a
// restored state directory) this tree is published on top of it, once,
// with the manifest already stored.
func (p *Publisher) resolveConflict(ctx context.Context, manifest encoding.BlobID, conflict error) (chain.FsRecord, error) {
	cur, err := p.Chain.FsRecord(ctx, p.Owner, p.Name)
	if err != nil {
		return chain.FsRecord{}, fmt.Errorf("%w; reading the record again: %w", conflict, err)
	}
	if cur.Manifest == manifest {
		return cur, nil
	}
	p.logger().Warn("the tree's record moved on since this machine published; publishing on top of it",
		"name", p.Name, "version", cur.Version, "their_manifest", cur.Manifest, "ours", manifest)
	return p.Chain.PublishManifest(ctx, p.Name, manifest, cur.Version)
}

// Run publishes whenever the tree changed and then stayed unchanged for
// Settle, until ctx ends.
func (p *Publisher) Run(ctx context.Context) {
	log := p.logger()
	tick := time.NewTicker(min(time.Second, max(p.Settle/4, 10*time.Millisecond)))
	defer tick.Stop()
	seen, changedAt := p.Meta.Changes(), time.Now()
	tried := ^uint64(0) // the change count last tried; none yet
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if c := p.Meta.Changes(); c != seen {
			seen, changedAt = c, time.Now()
			continue
		}
		if seen == tried || time.Since(changedAt) < p.Settle {
			continue
		}
		err := p.PublishNow(ctx)
		switch {
		case err != nil:
			log.Warn("publishing the manifest failed; will retry", "err", err)
			changedAt = time.Now() // retry after another quiet period
			continue
		}
		tried = seen
	}
}

func (p *Publisher) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// PublishNow publishes the tree if it differs from the last
// manifest, with files still uploading at their last certified content.
func (p *Publisher) PublishNow(ctx context.Context) (err error) {
	changes := p.Meta.Changes() // the tree as of now, at least, goes in
	defer func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if err == nil {
			p.lastErr = ""
			p.covered, p.coveredSet = changes, true
		} else {
			p.lastErr = err.Error()
		}
	}()
	// Files still uploading (or failing to) go in as they last were on
	// the network: one stuck file does not hold back the rest of the tree.
	t, behind, err := p.Meta.DumpCertified()
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.behind = behind
	p.mu.Unlock()
	// A tree that would not load is not published: the record keeps
	// pointing at the last one that does.
	if err := t.Validate(); err != nil {
		return fmt.Errorf("the tree would not load from a manifest: %w", err)
	}
	b, err := Encode(t)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	prev, err := p.Meta.Book().Published()
	if err != nil && !errors.Is(err, syscall.ENOENT) {
		return err
	}
	if prev == nil && len(t.Entries) == 0 {
		return nil // an empty new file system: nothing to record yet
	}
	var prevVersion uint64
	if prev != nil {
		if bytes.Equal(prev.Hash, sum[:]) {
			return nil // unchanged
		}
		prevVersion = prev.Version
	}
	if p.Seal != nil {
		// Zeros after the gzip stream pad the tree's size to its Padmé
		// length, inside the encryption.
		b = append(b, make([]byte, crypt.Padded(uint64(len(b)))-uint64(len(b)))...)
		if b, err = p.Seal(b); err != nil {
			return fmt.Errorf("encrypt manifest: %w", err)
		}
	}
	res, err := p.Blobs.Store(ctx, b, p.Epochs, p.Deletable)
	if err != nil {
		return fmt.Errorf("store manifest: %w", err)
	}
	rec, err := p.Chain.PublishManifest(ctx, p.Name, res.BlobID, prevVersion)
	if errors.Is(err, chain.ErrConflict) {
		rec, err = p.resolveConflict(ctx, res.BlobID, err)
	}
	if err != nil {
		return fmt.Errorf("publish manifest %s as version %d of %q: %w", res.BlobID, prevVersion+1, p.Name, err)
	}
	if err := p.Meta.Book().SetPublished(&state.Published{Name: p.Name, Version: rec.Version,
		Manifest: res.BlobID.String(), Hash: sum[:], At: time.Now().UnixNano()}); err != nil {
		return err
	}
	if err := p.Meta.Book().RecordSnapshot(state.Snapshot{Version: rec.Version, Manifest: res.BlobID, Blobs: treeBlobs(t)}, p.KeepSnapshots); err != nil {
		return err
	}
	p.logger().Info("manifest published", "name", p.Name, "version", rec.Version, "blob", res.BlobID,
		"bytes", len(b), "inodes", len(t.Inodes))
	return nil
}
