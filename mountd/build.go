package mountd

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/crypt/mountkeys"
	"github.com/walrusfs/walrusfs/encoding"
	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// mount is the file system built over a network and a tree, with the
// services that keep it: what serve runs.
type mount struct {
	o         Options
	nw        *network
	tree      *tree
	chunkSize uint64

	meta      *meta.Store
	files     cache.Files
	disk      *cache.DiskCache // nil without an on-disk read cache
	reader    *cache.Reader
	stored    cache.RecordingStorer
	renewer   *cache.Renewer
	collector *cache.Collector
	uploader  *cache.Uploader
	fsys      *walrusfs.FS
}

// close closes what build opened, the read cache before the metadata.
func (m *mount) close() {
	if m.disk != nil {
		m.disk.Close()
	}
	m.meta.Close()
}

// build opens the tree's metadata and builds the file system and the
// services over it; nothing runs yet.
func build(o Options, nw *network, t *tree) (_ *mount, err error) {
	maxBlob, err := encoding.MaxBlobSize(nw.nShards)
	if err != nil {
		return nil, err
	}
	if nw.maxChunk > 0 {
		maxBlob = min(maxBlob, nw.maxChunk)
	}
	m := &mount{o: o, nw: nw, tree: t, chunkSize: min(uint64(o.ChunkSize), maxBlob)}
	log := o.Log
	if m.meta, err = meta.Open(t.metaDir, uint32(os.Getuid()), uint32(os.Getgid()), log); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			m.close()
		}
	}()
	m.files = cache.Files{Dir: filepath.Join(t.fsDir, "data")}
	if err := os.MkdirAll(m.files.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if err := mountkeys.CheckTree(m.meta, t.keys); err != nil {
		return nil, err
	}
	if o.CacheSize > 0 {
		dir := cmp.Or(o.CacheDir, filepath.Join(t.fsDir, "readcache"))
		if m.disk, err = cache.OpenDiskCache(dir, o.CacheSize, o.MinFree, log.With("component", "readcache")); err != nil {
			return nil, err
		}
	}
	keys := t.keys
	m.reader = cache.NewReader(nw.blobs, cache.ReaderOptions{MaxBytes: o.MemoryCache, Disk: m.disk, Identities: keys.Identities(), Logger: log.With("component", "reader")})
	book := m.meta.Book()
	m.stored = cache.RecordingStorer{BlobStorer: nw.blobs, Book: book}
	var inUse sync.RWMutex
	var fresh func(encoding.BlobID) bool
	// Without a chain there is no wallet to pay for renewal, nor one that
	// owns the blobs to delete: the publisher owns them.
	if nw.chain != nil {
		m.renewer = cache.NewRenewer(book, nw.chain, cache.RenewerOptions{
			Keep: cmp.Or(o.KeepEpochs, o.Epochs), MaxAhead: nw.maxAhead, Interval: nw.renewInterval, CostPerEpoch: nw.costPerEpoch, Logger: log.With("component", "renewer"),
			Also: m.keptSnapshotBlobs,
		})
		m.collector = cache.NewCollector(book, nw.chain, cache.CollectorOptions{Grace: o.GCGrace, InUse: &inUse, Logger: log.With("component", "collector")})
		fresh = m.renewer.Fresh
	}
	m.uploader = cache.NewUploader(m.meta, book, m.files, m.stored, cache.UploaderOptions{
		Fresh: fresh, Deletable: !o.Permanent, InUse: &inUse, Seal: keys.Seal(), Sum: keys.Sum(),
		ChunkSize: int(m.chunkSize), NShards: nw.nShards, Epochs: o.Epochs, WriteBack: o.WriteBack, Logger: log.With("component", "uploader"),
	})
	m.fsys, err = walrusfs.New(walrusfs.Config{Meta: m.meta, Files: m.files, Reader: m.reader, Uploader: m.uploader,
		ReadOnly: o.ReadOnly, Passthrough: !o.NoPassthrough, MinFree: o.MinFree, Public: o.Public,
		AttrTimeout: noneIfZero(o.AttrTimeout), EntryTimeout: noneIfZero(o.EntryTimeout), Sum: m.uploader.Sum,
		Shown:  walrusfs.Shown{UID: uint32(o.UID), GID: uint32(o.GID), SetUID: o.UID >= 0, SetGID: o.GID >= 0, Umask: o.Umask},
		Logger: log.With("component", "fs")})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// keptSnapshotBlobs are the blobs the renewer keeps beside the live
// tree's: the kept snapshots, their manifests and what they point at, and
// the published manifest.
func (m *mount) keptSnapshotBlobs() []encoding.BlobID {
	var out []encoding.BlobID
	snaps, _ := m.meta.Book().Snapshots()
	for _, s := range snaps {
		out = append(append(out, s.Manifest), s.Blobs...)
	}
	if pub, err := m.meta.Book().Published(); err == nil {
		if id, err := encoding.ParseBlobID(pub.Manifest); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// noneIfZero turns a timeout's 0 (no caching) into the file system's
// "none" (its 0 means the default).
func noneIfZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// recordingBlobs stores (recording each blob for renewal) and reads blobs,
// for the manifest publisher.
type recordingBlobs struct {
	cache.RecordingStorer
	reader blobService
}

func (b recordingBlobs) Read(ctx context.Context, id encoding.BlobID) ([]byte, error) {
	return b.reader.Read(ctx, id)
}
