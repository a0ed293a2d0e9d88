package mountd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/mountstatus"
	"github.com/walrusfs/walrusfs/walrus/httpblobs"
)

// HTTPOptions choose Walrus over HTTP, as public Testnet publishers and
// aggregators are used: blobs are stored through the publisher (which pays
// for them and owns them) and read through the aggregator, each verified
// against its ID. With no chain, the tree's latest manifest is recorded
// on this machine, and renewal and collection are off.
type HTTPOptions struct {
	Publisher  string // none: the mount must be read-only
	Aggregator string
	NShards    int   // the network's shard count; blob IDs depend on it
	MaxBody    int64 // the publisher's body limit: chunks stay below it
	// Manifest, a blob ID, is the tree to start from when this state has
	// none yet: a tree published elsewhere.
	Manifest string
}

// Chosen reports whether Walrus over HTTP is asked for.
func (h HTTPOptions) Chosen() bool { return h.Publisher != "" || h.Aggregator != "" }

// Check refuses options that cannot work, before anything is created.
func (h HTTPOptions) Check(readOnly bool) error {
	if !h.Chosen() {
		if h.Manifest != "" {
			return errors.New("--manifest goes with --aggregator: on a chain the tree's record names its manifest")
		}
		return nil
	}
	if h.Aggregator == "" {
		return errors.New("--publisher needs --aggregator too: the mount reads what it stored")
	}
	if h.Publisher == "" && !readOnly {
		return errors.New("--aggregator without --publisher can only mount read-only (--read-only)")
	}
	if h.Publisher != "" && h.MaxBody < minBody {
		return fmt.Errorf("--publisher-max-body %d: the mount needs at least %d bytes, for a chunk and its encryption", h.MaxBody, minBody)
	}
	if h.Manifest != "" {
		if _, err := encoding.ParseBlobID(h.Manifest); err != nil {
			return fmt.Errorf("--manifest: %w", err)
		}
	}
	_, err := httpblobs.New(h.clientOptions())
	return err
}

func (h HTTPOptions) clientOptions() httpblobs.Options {
	return httpblobs.Options{Publisher: h.Publisher, Aggregator: h.Aggregator, NShards: h.NShards, MaxBody: h.MaxBody}
}

// minBody is the smallest publisher body limit a mount works with.
const minBody = 1 << 20

// ChunkFitting is the largest chunk of a file whose blob fits a body of
// maxBody bytes: encryption adds age's overhead and pads to the Padmé
// length (at most about 3% for chunks of a MiB or more), so a sixteenth
// and 64 KiB are kept spare.
func ChunkFitting(maxBody int64) int64 {
	spare := maxBody/16 + 64<<10
	if maxBody <= 2*spare {
		return maxBody / 2
	}
	return maxBody - spare
}

// openHTTP readies Walrus over HTTP. Trees live under STATE/fs/http-HOST,
// one per aggregator, as a tree's blobs live on its network.
func openHTTP(o Options, nw *network) error {
	h := o.HTTP
	opts := h.clientOptions()
	opts.Logger = o.Log.With("component", "http")
	opts.TempDir = o.State
	cl, err := httpblobs.New(opts)
	if err != nil {
		return err
	}
	u, _ := url.Parse(h.Aggregator) // checked by New
	nw.blobs = cl
	nw.kind = "http"
	nw.nShards = cl.NShards()
	nw.maxChunk = uint64(ChunkFitting(cl.MaxBody()))
	nw.fsDir = filepath.Join(o.State, "fs", "http-"+strings.NewReplacer(":", "_", "/", "_").Replace(u.Host))
	nw.http = &mountstatus.HTTPServices{Publisher: h.Publisher, Aggregator: h.Aggregator}
	rec := &localRecords{dir: nw.fsDir, notices: o.Notices}
	if h.Manifest != "" {
		id, _ := encoding.ParseBlobID(h.Manifest) // checked
		rec.start = &id
	}
	nw.records = rec
	o.Log.Info("Walrus over HTTP", "publisher", h.Publisher, "aggregator", h.Aggregator, "n_shards", nw.nShards, "chunk_limit", nw.maxChunk)
	return nil
}

// localRecords keep each tree's latest manifest in a file of its state,
// STATE/fs/http-HOST/NAME/manifest.json, beside (not in) the tree's
// metadata, so that a lost tree is rebuilt from it as from the chain.
type localRecords struct {
	dir     string
	start   *encoding.BlobID // --manifest: the record of a tree with none here
	notices io.Writer

	mu sync.Mutex
}

// record is the file's JSON.
type record struct {
	Name     string          `json:"name"`
	Manifest encoding.BlobID `json:"manifest"`
	Version  uint64          `json:"version"`
	At       time.Time       `json:"at"`
}

func (r *localRecords) path(name string) string { return filepath.Join(r.dir, name, "manifest.json") }

// FsRecord returns the tree's record: this machine's, or the tree
// --manifest names when there is none (as version 1).
func (r *localRecords) FsRecord(ctx context.Context, owner chain.Address, name string) (chain.FsRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.read(name)
}

func (r *localRecords) read(name string) (chain.FsRecord, error) {
	rec, err := r.recorded(name)
	if errors.Is(err, chain.ErrNotFound) && r.start != nil {
		return chain.FsRecord{Name: name, Manifest: *r.start, Version: 1}, nil
	}
	return rec, err
}

// recorded is what this machine recorded, or chain.ErrNotFound.
func (r *localRecords) recorded(name string) (chain.FsRecord, error) {
	b, err := os.ReadFile(r.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return chain.FsRecord{}, fmt.Errorf("no manifest recorded for %q in %s: %w", name, r.dir, chain.ErrNotFound)
	}
	if err != nil {
		return chain.FsRecord{}, fmt.Errorf("state: %w", err)
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return chain.FsRecord{}, fmt.Errorf("state: %s: %w", r.path(name), err)
	}
	return chain.FsRecord{Name: rec.Name, Manifest: rec.Manifest, Version: rec.Version}, nil
}

// PublishManifest records manifest as the tree's latest, and tells the
// user its ID: with no chain, that ID is how the tree is found again.
func (r *localRecords) PublishManifest(ctx context.Context, name string, manifest encoding.BlobID, prevVersion uint64) (chain.FsRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, err := r.read(name)
	switch {
	case errors.Is(err, chain.ErrNotFound):
	case err != nil:
		return chain.FsRecord{}, err
	case cur.Version != prevVersion:
		return chain.FsRecord{}, fmt.Errorf("the record of %q is at version %d, not %d: %w", name, cur.Version, prevVersion, chain.ErrConflict)
	}
	rec := record{Name: name, Manifest: manifest, Version: prevVersion + 1, At: time.Now().UTC()}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return chain.FsRecord{}, err
	}
	if err := writeFileAtomic(r.path(name), append(b, '\n')); err != nil {
		return chain.FsRecord{}, fmt.Errorf("state: record manifest: %w", err)
	}
	fmt.Fprintf(r.notices, "walrusfs: tree %q published as manifest %s (mount it elsewhere with --aggregator URL --manifest %s)\n", name, manifest, manifest)
	return chain.FsRecord{Name: name, Manifest: manifest, Version: rec.Version}, nil
}

// writeFileAtomic writes a file through a synced temporary one renamed
// over it: a crash leaves the old record or the new one.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// checkStartingManifest refuses --manifest for a state that already holds
// a tree of that name other than the manifest's: the local tree would
// silently win.
func checkStartingManifest(o Options, nw *network, metaDir string) error {
	r, ok := nw.records.(*localRecords)
	if !ok || r.start == nil {
		return nil
	}
	if _, err := os.Stat(metaDir); errors.Is(err, fs.ErrNotExist) {
		return nil // the tree is loaded from the manifest
	}
	rec, err := r.recorded(o.Name)
	if err == nil && rec.Manifest == *r.start {
		return nil
	}
	have := "one never published"
	if err == nil {
		have = "manifest " + rec.Manifest.String()
	}
	return fmt.Errorf("--manifest %s: the state already holds tree %q (%s); drop --manifest to mount it, or use a fresh --state or another --name", r.start, o.Name, have)
}
