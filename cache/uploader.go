// Package cache is walrusfs's local side: the data files that hold the
// content of files written on this machine (durable before they are
// uploaded), the uploader that turns closed files into certified Walrus
// blobs in the background, which copies of certified content to drop when
// the disk runs short (Files.FreeSpace), and the read cache of content
// fetched from the network. It knows nothing of the file system's tree but
// the little its consumers pass in (Tree, FileSystem); its persistent
// bookkeeping is cache/state.
//
// The uploader works from the persistent queue kept in cache/state: an entry
// names a file and the version of its content to upload. Content is read
// from the file's data file, cut into chunks of at most ChunkSize bytes,
// and each chunk is stored as a blob (unless a blob with the same content
// is known); once all are certified, the file is pointed at them in one
// transaction, provided its content did not change meanwhile. A crash at
// any point leaves the entry queued and the data file in place, so the next
// start uploads it again.
package cache

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// Files names the local data files, one per inode, in a directory.
type Files struct{ Dir string }

// RemoveLeftovers deletes what a killed process left in the directory:
// partial downloads (INO.download-*), which no mount can use. It returns
// how many it removed.
func (f Files) RemoveLeftovers() (int, error) {
	names, err := filepath.Glob(filepath.Join(f.Dir, "*.download-*"))
	if err != nil {
		return 0, err
	}
	for _, n := range names {
		if err := os.Remove(n); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("remove a partial download: %w", err)
		}
	}
	return len(names), nil
}

// Path returns the data file of an inode.
func (f Files) Path(ino uint64) string {
	return filepath.Join(f.Dir, strconv.FormatUint(ino, 10))
}

// BlobStorer stores blobs: the Walrus client does.
type BlobStorer interface {
	Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error)
}

// UploaderOptions configure an Uploader.
type UploaderOptions struct {
	// ChunkSize is the largest blob a file is cut into.
	ChunkSize int
	// Epochs is how long stored blobs are kept.
	Epochs uint32
	// Backoff after a failed attempt starts at MinBackoff and doubles up to
	// MaxBackoff (defaults 1 s and 1 min).
	MinBackoff, MaxBackoff time.Duration
	// Fresh, if set, tells whether content may point at a blob it is
	// already stored in; if not (the blob ends too soon), it is stored anew.
	Fresh func(encoding.BlobID) bool
	// Deletable stores content as deletable blobs, whose storage the
	// collector gives back once no file points at them.
	Deletable bool
	// InUse, if set, is held for reading from choosing a known blob for
	// content until the file points at it, so that the collector does not
	// give that blob up meanwhile.
	InUse *sync.RWMutex
	// NShards is the network's committee size. Small files are stored
	// together as Walrus quilts laid out for it; with 0 each is stored
	// alone.
	NShards int
	// Seal, if set, encrypts content before it is stored (each chunk, and
	// each small file of a quilt, an age file of its own); Sum is then the
	// keyed hash that deduplicates it.
	Seal func([]byte) ([]byte, error)
	Sum  func([]byte) [32]byte
	// WriteBack is how long a closed file waits before its upload starts
	// (rclone's --vfs-write-back): files closed together go up together,
	// in fuller packs, and a file rewritten meanwhile goes up once. With
	// it, uploads also hold off while files are being written (Writing),
	// for up to holdMax, so that they do not slow a copy in progress down
	// (on a small machine they compete for its cores and disk). A drain
	// (unmount) starts the waiting files at once.
	WriteBack time.Duration
	Logger    *slog.Logger
}

// Tree is what the uploader needs of the file system's tree (fs/meta
// implements it).
type Tree interface {
	// FileContent returns a file's size, content version and whether it is
	// public, or ENOENT once it is deleted.
	FileContent(ino uint64) (state.FileContent, error)
	// Certified points a file at the certified chunks of a version and
	// records the chunks' hashes for dedup; it drops the file's queue entry
	// and moves the blobs' reference counts in the same transaction. It
	// reports false, having only recorded the hashes, if the file changed
	// since that version or was deleted.
	Certified(ino, version uint64, chunks []state.Chunk, hashes [][32]byte) (bool, error)
	// MarkLost records that a file's version lost its only copy, if the
	// file still is at that version; it reports whether this is news.
	MarkLost(f state.LostFile) (bool, error)
}

// FileSystem is what the uploader asks and tells the file system it
// uploads for (fs.FS implements it).
type FileSystem interface {
	// Busy tells that a file is being written in a way whose changes are
	// not versioned one by one (passthrough); it is uploaded once closed.
	Busy(ino uint64) bool
	// Certified is called after a file was pointed at its blobs.
	Certified(ino uint64)
}

// Uploader uploads queued files.
type Uploader struct {
	tree  Tree
	book  *state.Book
	files Files
	blobs BlobStorer
	opts  UploaderOptions
	log   *slog.Logger
	wake  chan struct{}
	// fsys is Run's: set when it starts, used only by its goroutine.
	fsys FileSystem

	mu      sync.Mutex
	current *Progress // the large files' lane's upload in progress
	packing *Progress // the small files' (a pack, or one alone)
	sched   *schedule
	// alone: large files, which upload on their own, in order, with the
	// set of those taken; their lane runs beside the small files', so that
	// neither kind waits behind the other.
	alone     []state.QueueEntry
	aloneSet  map[uint64]bool
	aloneWake chan struct{}
	draining  int // Drain calls under way: no write-back wait
	// holdingSince is when uploads started holding off for writes (zero:
	// they are not).
	holdingSince time.Time
	lastWrite    atomic.Int64 // Unix nanoseconds of the latest Writing
	lastErrs     []string     // the latest failures' messages, for Drain

	stats UploaderStats
}

// UploaderStats count the uploader's work since it started.
type UploaderStats struct {
	Files    int64 `json:"files"`    // files pointed at certified blobs
	Bytes    int64 `json:"bytes"`    // bytes of those files
	Stored   int64 `json:"stored"`   // blobs stored (chunks not known already)
	Deduped  int64 `json:"deduped"`  // chunks whose content was stored before
	Failures int64 `json:"failures"` // failed attempts
}

// Stats returns the uploader's counters.
func (u *Uploader) Stats() UploaderStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stats
}

// Progress describes the upload in progress.
type Progress struct {
	Ino       uint64    `json:"ino"`
	Version   uint64    `json:"version"`
	Bytes     int64     `json:"bytes"`
	DoneBytes int64     `json:"doneBytes"`
	StartedAt time.Time `json:"startedAt"`
}

// NewUploader returns an uploader; Run makes it work.
func NewUploader(tree Tree, book *state.Book, files Files, blobs BlobStorer, opts UploaderOptions) *Uploader {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	u := &Uploader{tree: tree, book: book, files: files, blobs: blobs, opts: opts, log: opts.Logger,
		wake: make(chan struct{}, 1), sched: newSchedule(), aloneSet: map[uint64]bool{}, aloneWake: make(chan struct{}, 1)}
	return u
}

// Queued tells the uploader that a file's current version was queued.
func (u *Uploader) Queued(ino uint64) {
	u.mu.Lock()
	if u.opts.WriteBack > 0 && u.draining == 0 {
		u.sched.settle(ino, time.Now().Add(u.opts.WriteBack))
	} else {
		u.sched.add(ino)
	}
	u.mu.Unlock()
	u.wakeUp()
}

// Writing tells the uploader that files are being written: with a
// write-back delay, uploads hold off until writes pause (see WriteBack).
func (u *Uploader) Writing() {
	if u.opts.WriteBack > 0 {
		u.lastWrite.Store(time.Now().UnixNano())
	}
}

// Holding off for writes: uploads start once no write came for
// writesPause, or after holdMax of writes at most, so that a writer that
// never stops does not keep its files local forever.
const (
	writesPause = time.Second
	holdMax     = time.Minute
)

// holdFor returns how long uploads should still hold off for writes in
// progress (0: not at all).
func (u *Uploader) holdFor(now time.Time) time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	last := u.lastWrite.Load()
	if u.opts.WriteBack <= 0 || u.draining > 0 || last == 0 {
		u.holdingSince = time.Time{}
		return 0
	}
	wait := time.Unix(0, last).Add(writesPause).Sub(now)
	if wait <= 0 {
		u.holdingSince = time.Time{}
		return 0
	}
	if u.holdingSince.IsZero() {
		u.holdingSince = now
	}
	if now.Sub(u.holdingSince) >= holdMax {
		return 0 // until writes pause
	}
	return wait
}

func (u *Uploader) wakeUp() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Current returns the upload in progress, if any.
func (u *Uploader) Current() *Progress {
	u.mu.Lock()
	defer u.mu.Unlock()
	cur := cmp.Or(u.current, u.packing)
	if cur == nil {
		return nil
	}
	p := *cur
	return &p
}

// Run uploads queued files until ctx ends, asking fsys (nil: none)
// whether a file is busy and telling it which files got certified. The file
// system comes here, not to NewUploader, because it is made after the
// uploader (it queues files to it): so the uploader cannot reach a file
// system that does not exist yet.
func (u *Uploader) Run(ctx context.Context, fsys FileSystem) {
	u.fsys = fsys
	aloneDone := make(chan struct{})
	go func() {
		defer close(aloneDone)
		u.runAlone(ctx)
	}()
	defer func() { <-aloneDone }()
	for {
		next := u.runOnce(ctx)
		var timer <-chan time.Time
		if next > 0 {
			timer = time.After(next)
		}
		select {
		case <-ctx.Done():
			return
		case <-u.wake:
		case <-timer:
		}
	}
}

// batchFiles bounds the files one look at the queue takes on: enough to
// fill packs, few enough that newly queued files get their turn.
const batchFiles = 4 * packFiles

// runOnce uploads the files due now (a batch of them); it returns how
// long until more are due (0: none waits).
func (u *Uploader) runOnce(ctx context.Context) time.Duration {
	if err := u.rescan(); err != nil {
		u.log.Error("reading the upload queue", "err", err)
		return u.opts.MinBackoff
	}
	if hold := u.holdFor(time.Now()); hold > 0 {
		return hold
	}
	u.mu.Lock()
	inos := u.sched.take(time.Now(), batchFiles)
	u.mu.Unlock()
	var ready []state.QueueEntry
	for _, ino := range inos {
		e, err := u.book.Queued(ino)
		if errors.Is(err, syscall.ENOENT) {
			continue // certified, lost or deleted meanwhile
		}
		if err != nil {
			u.log.Error("reading a queue entry", "ino", ino, "err", err)
			u.retryIn(ino, u.opts.MinBackoff)
			continue
		}
		if u.fsys != nil && u.fsys.Busy(ino) {
			u.retryIn(ino, u.opts.MinBackoff)
			continue
		}
		ready = append(ready, *e)
	}
	// Small files go several to a blob: a blob costs its 2n slivers'
	// requests whatever its size, so one per small file would bound a
	// folder of them by requests, not bytes.
	packs, alone := u.packs(ready)
	for _, p := range packs {
		if ctx.Err() != nil {
			return 0
		}
		u.uploadPack(ctx, p)
	}
	// Small files alone (one in this batch) go up here, at once; large
	// ones in their own lane.
	var large []state.QueueEntry
	for _, e := range alone {
		if e.Bytes > packFileMax {
			large = append(large, e)
			continue
		}
		if ctx.Err() != nil {
			return 0
		}
		if err := u.upload(ctx, e, &u.packing); err != nil {
			if ctx.Err() != nil {
				return 0
			}
			u.failed(e, err)
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, e := range large {
		if u.aloneSet[e.Ino] {
			// Queued again while its lane has it: after that upload.
			u.sched.retry(e.Ino, time.Now().Add(u.opts.MinBackoff))
			continue
		}
		u.aloneSet[e.Ino] = true
		u.alone = append(u.alone, e)
	}
	if len(large) > 0 {
		select {
		case u.aloneWake <- struct{}{}:
		default:
		}
	}
	return u.sched.next(time.Now())
}

// runAlone uploads the files that go alone, one at a time, in the order
// runOnce handed them over, until ctx ends.
func (u *Uploader) runAlone(ctx context.Context) {
	for {
		u.mu.Lock()
		var e state.QueueEntry
		ok := len(u.alone) > 0
		if ok {
			e = u.alone[0]
			u.alone = u.alone[1:]
		}
		u.mu.Unlock()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-u.aloneWake:
				continue
			}
		}
		err := u.upload(ctx, e, &u.current)
		u.mu.Lock()
		delete(u.aloneSet, e.Ino)
		u.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			u.failed(e, err)
		}
	}
}

// rescan reads the store's queue whole at the start (again after a failed
// read), making due what is neither due nor backing off.
func (u *Uploader) rescan() error {
	u.mu.Lock()
	again := u.sched.rescan
	u.sched.rescan = false
	u.mu.Unlock()
	if !again {
		return nil
	}
	q, err := u.book.Queue()
	if err != nil {
		u.mu.Lock()
		u.sched.rescan = true
		u.mu.Unlock()
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, e := range q {
		u.sched.addIfIdle(e.Ino)
	}
	return nil
}

// retryIn makes a file due again after d.
func (u *Uploader) retryIn(ino uint64, d time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sched.retry(ino, time.Now().Add(d))
}

// lost records a queued version whose data file is gone (deleted behind
// the mount's back): nothing is left to upload, and retrying would only
// log the same error forever.
func (u *Uploader) lost(e state.QueueEntry) {
	MarkLost(u.tree, u.log, state.LostFile{Ino: e.Ino, Version: e.Version, Path: e.Path, Reason: "local copy missing before upload"})
}

// MarkLost records that a file's version lost its only copy (see
// Tree.MarkLost), and says so once, the first time: the uploader and the
// file system both find such files.
func MarkLost(t Tree, log *slog.Logger, f state.LostFile) {
	first, err := t.MarkLost(f)
	if err != nil {
		log.Error("recording a lost file", "ino", f.Ino, "err", err)
		return
	}
	if first {
		log.Error("a file is lost: its only copy was local and is gone; reads fail with EIO until it is rewritten or deleted",
			"path", f.Path, "ino", f.Ino, "reason", f.Reason)
	}
}

// failed records a failed attempt and returns the backoff before the next.
func (u *Uploader) failed(e state.QueueEntry, err error) time.Duration {
	backoff := min(u.opts.MaxBackoff, u.opts.MinBackoff<<min(e.Attempts, 16))
	u.log.Warn("upload failed; will retry", "ino", e.Ino, "version", e.Version, "attempt", e.Attempts+1, "retry_in", backoff, "err", err)
	if err := u.book.UploadFailed(e.Ino, e.Version, err); err != nil {
		u.log.Error("recording an upload failure", "ino", e.Ino, "err", err)
	}
	u.mu.Lock()
	u.sched.retry(e.Ino, time.Now().Add(backoff))
	u.stats.Failures++
	u.lastErrs = append(u.lastErrs, err.Error())
	if len(u.lastErrs) > 3 {
		u.lastErrs = u.lastErrs[1:]
	}
	u.mu.Unlock()
	return backoff
}

// Packing of small files: files of at most packFileMax bytes are stored
// together as a Walrus quilt of at most packMax bytes of files and
// packFiles files (fewer if the committee is small: a quilt over n shards
// holds at most n − f − 1), each file a patch of its own that Walrus's
// aggregators and SDKs read by its patch ID.
const (
	packFileMax = 256 << 10
	packMax     = 4 << 20
	packFiles   = 512
)

// packs groups the small files among entries into packs of two or more;
// the rest upload alone.
func (u *Uploader) packs(entries []state.QueueEntry) (packs [][]state.QueueEntry, alone []state.QueueEntry) {
	maxFiles, err := quilt.MaxFiles(u.opts.NShards)
	if err != nil {
		return nil, entries
	}
	maxFiles = min(maxFiles, packFiles)
	var cur []state.QueueEntry
	var curBytes int64
	flush := func() {
		if len(cur) >= 2 {
			packs = append(packs, cur)
		} else {
			alone = append(alone, cur...)
		}
		cur, curBytes = nil, 0
	}
	// Public and private files never share a blob.
	for _, public := range []bool{false, true} {
		for _, e := range entries {
			in, err := u.tree.FileContent(e.Ino)
			if err != nil || in.Public != public {
				if err != nil && !public {
					alone = append(alone, e)
				}
				continue
			}
			if int64(in.Size) > packFileMax || int64(in.Size) > int64(u.opts.ChunkSize) {
				alone = append(alone, e)
				continue
			}
			if curBytes+int64(in.Size) > packMax || len(cur) == maxFiles {
				flush()
			}
			cur = append(cur, e)
			curBytes += int64(in.Size)
		}
		flush()
	}
	return packs, alone
}

// packItem is a file of a pack being stored.
type packItem struct {
	e      state.QueueEntry
	size   int64
	sum    [32]byte
	chunk  state.Chunk
	stored []byte // what goes into the quilt: the file, or its age file
}

// uploadPack stores small files as one quilt, each file pointing at its
// patch; a failed attempt schedules its files again.
func (u *Uploader) uploadPack(ctx context.Context, entries []state.QueueEntry) {
	defer u.holdInUse()()
	start := time.Now()
	var (
		items   []packItem
		quilted []int // items to store in the quilt
	)
	for _, e := range entries {
		in, err := u.tree.FileContent(e.Ino)
		if err != nil || in.Version != e.Version {
			continue // deleted or superseded; a newer version has its entry
		}
		data, err := readData(u.files.Path(e.Ino), int64(in.Size))
		if errors.Is(err, fs.ErrNotExist) {
			u.lost(e)
			continue
		}
		if err != nil {
			u.failed(e, err)
			continue
		}
		it := packItem{e: e, size: int64(len(data)), sum: u.Sum(data, in.Public)}
		if len(data) > 0 {
			c, known, err := u.book.KnownChunk(it.sum, uint64(len(data)))
			if err != nil {
				u.failed(e, err)
				continue
			}
			known = known && u.fresh(c.Blob)
			if known {
				it.chunk = c
			} else {
				// Each file of a quilt is an age file of its own when
				// encrypted: readable alone.
				stored, enc, err := u.seal(data, in.Public)
				if err != nil {
					u.failed(e, err)
					continue
				}
				it.chunk = state.Chunk{Size: uint64(len(data)), Enc: enc}
				it.stored = stored
				quilted = append(quilted, len(items))
			}
			u.count(known)
		}
		items = append(items, it)
	}
	if len(quilted) > 0 {
		if err := u.storeQuilt(ctx, items, quilted, start); err != nil {
			// The quilt's files wait for a retry; the others (empty, or
			// stored already) need no blob and are certified now: each
			// entry taken is certified or scheduled again, never dropped.
			var rest []packItem
			for _, it := range items {
				if it.stored != nil {
					if ctx.Err() == nil {
						u.failed(it.e, fmt.Errorf("store a quilt of %d small files: %w", len(quilted), err))
					}
				} else {
					rest = append(rest, it)
				}
			}
			items = rest
		}
	}
	for _, it := range items {
		var chunks []state.Chunk
		var hashes [][32]byte
		if it.size > 0 {
			it.chunk.Sum = append([]byte(nil), it.sum[:]...)
			chunks, hashes = []state.Chunk{it.chunk}, [][32]byte{it.sum}
		}
		if err := u.certified(it.e, it.size, chunks, hashes, start); err != nil {
			u.failed(it.e, err)
		}
	}
}

// storeQuilt stores the given items as one quilt and points their chunks
// at their patches. Each file's identifier in the quilt is its inode
// number and version, which say nothing of its name or content.
func (u *Uploader) storeQuilt(ctx context.Context, items []packItem, quilted []int, start time.Time) error {
	files := make([]quilt.File, len(quilted))
	for i, k := range quilted {
		it := &items[k]
		files[i] = quilt.File{Identifier: fmt.Sprintf("%d.%d", it.e.Ino, it.e.Version), Data: it.stored}
	}
	// Too much for one quilt over this committee, a blob larger than the
	// network takes (a publisher's body limit), or mostly padding: two.
	if a, b := splitQuilt(u.opts.NShards, files, u.opts.ChunkSize); a != nil {
		for _, part := range [][]int{a, b} {
			sub := make([]int, len(part))
			for i, k := range part {
				sub[i] = quilted[k]
			}
			if err := u.storeQuilt(ctx, items, sub, start); err != nil {
				return err
			}
		}
		return nil
	}
	q, x, err := quilt.Encode(u.opts.NShards, files)
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.packing = &Progress{Ino: items[quilted[0]].e.Ino, Version: items[quilted[0]].e.Version, Bytes: int64(len(q)), StartedAt: start}
	u.mu.Unlock()
	res, err := u.blobs.Store(ctx, q, u.opts.Epochs, u.opts.Deletable)
	u.mu.Lock()
	u.packing = nil
	u.mu.Unlock()
	if err != nil {
		return err
	}
	for i, k := range quilted {
		p, ok := x.Find(files[i].Identifier)
		if !ok {
			return fmt.Errorf("file %s is not in its quilt's index", files[i].Identifier)
		}
		c := &items[k].chunk
		c.Blob, c.BlobSize, c.Patch = res.BlobID, uint64(len(q)), state.Patch{Start: p.Start, End: p.End}
		items[k].stored = nil
	}
	return nil
}

// readData reads a small file's data file; bytes past a short file's end
// read as zeros, as the file system shows them.
func readData(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	data := make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read data: %w", err)
	}
	return data, nil
}

// upload stores one queued version of a file and points the file at it.
func (u *Uploader) upload(ctx context.Context, e state.QueueEntry, progress **Progress) error {
	in, err := u.tree.FileContent(e.Ino)
	if errors.Is(err, syscall.ENOENT) {
		return nil // deleted meanwhile: nothing to upload
	}
	if err != nil {
		return fmt.Errorf("inode %d: %w", e.Ino, err)
	}
	if in.Version != e.Version {
		return nil // superseded; the newer version has its own entry
	}
	f, err := os.Open(u.files.Path(e.Ino))
	if errors.Is(err, fs.ErrNotExist) {
		if in.Size > 0 {
			u.lost(e)
			return nil
		}
		return u.certified(e, 0, nil, nil, time.Now()) // empty: no data file needed
	}
	if err != nil {
		return fmt.Errorf("open data of inode %d: %w", e.Ino, err)
	}
	defer f.Close()
	defer u.holdInUse()()
	size := int64(in.Size)
	p := &Progress{Ino: e.Ino, Version: e.Version, Bytes: size, StartedAt: time.Now()}
	u.mu.Lock()
	*progress = p
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		*progress = nil
		u.mu.Unlock()
	}()
	start := time.Now()
	var chunks []state.Chunk
	var hashes [][32]byte
	buf := make([]byte, min(int64(u.opts.ChunkSize), max(size, 1)))
	for off := int64(0); off < size; {
		n := min(int64(len(buf)), size-off)
		if k, err := f.ReadAt(buf[:n], off); errors.Is(err, io.EOF) {
			// A data file shorter than the file (a crash before its size
			// was synced) holds zeros past its end, as reads show them.
			clear(buf[k:n])
		} else if err != nil {
			return fmt.Errorf("read data of inode %d at %d: %w", e.Ino, off, err)
		}
		data := buf[:n]
		sum := u.Sum(data, in.Public)
		chunk, known, err := u.book.KnownChunk(sum, uint64(n))
		if err != nil {
			return err
		}
		known = known && u.fresh(chunk.Blob)
		if !known {
			stored, enc, err := u.seal(data, in.Public)
			if err != nil {
				return fmt.Errorf("chunk at %d of inode %d: %w", off, e.Ino, err)
			}
			stored = u.pad(stored, in.Public)
			res, err := u.blobs.Store(ctx, stored, u.opts.Epochs, u.opts.Deletable)
			if err != nil {
				return fmt.Errorf("store chunk at %d of inode %d: %w", off, e.Ino, err)
			}
			chunk = state.Chunk{Blob: res.BlobID, Size: uint64(n)}
			if enc > 0 {
				chunk.Enc, chunk.BlobSize = enc, uint64(len(stored))
			}
			// Known at once: a retry after a later chunk fails stores
			// this one no more.
			if err := u.book.RememberChunk(sum, chunk); err != nil {
				return err
			}
		}
		u.count(known)
		chunk.Sum = append([]byte(nil), sum[:]...)
		chunks = append(chunks, chunk)
		hashes = append(hashes, sum)
		off += n
		u.mu.Lock()
		p.DoneBytes = off
		u.mu.Unlock()
	}
	// An empty file needs no blob: it is certified with no chunks.
	return u.certified(e, size, chunks, hashes, start)
}

// Sum is the dedup hash of content: keyed when content is encrypted. It
// is also each chunk's Sum, which checks local copies.
func (u *Uploader) Sum(data []byte, public bool) [32]byte {
	if u.opts.Sum != nil && !public {
		return u.opts.Sum(data)
	}
	return sha256.Sum256(data)
}

// seal returns what to store for content: the content, or its age file
// when encrypting (not a file public on purpose), with the file's length
// (0 for plaintext).
func (u *Uploader) seal(data []byte, public bool) ([]byte, uint64, error) {
	if u.opts.Seal == nil || public {
		return data, 0, nil
	}
	ct, err := u.opts.Seal(data)
	if err != nil {
		return nil, 0, fmt.Errorf("encrypt: %w", err)
	}
	return ct, uint64(len(ct)), nil
}

// pad pads a blob of encrypted content with zeros to its Padmé length, so
// that its size says little of the content's; plaintext blobs stay as
// they are.
func (u *Uploader) pad(blob []byte, public bool) []byte {
	if u.opts.Seal == nil || public {
		return blob
	}
	return append(blob, make([]byte, crypt.Padded(uint64(len(blob)))-uint64(len(blob)))...)
}

// holdInUse holds InUse for reading, if set, and returns its release.
func (u *Uploader) holdInUse() func() {
	if u.opts.InUse == nil {
		return func() {}
	}
	u.opts.InUse.RLock()
	return u.opts.InUse.RUnlock
}

// fresh tells whether known content's blob may be pointed at again.
func (u *Uploader) fresh(id encoding.BlobID) bool { return u.opts.Fresh == nil || u.opts.Fresh(id) }

// count counts a chunk stored, or found stored already.
func (u *Uploader) count(known bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if known {
		u.stats.Deduped++
	} else {
		u.stats.Stored++
	}
}

// certified points a file at its chunks, if its version did not move.
func (u *Uploader) certified(e state.QueueEntry, size int64, chunks []state.Chunk, hashes [][32]byte, start time.Time) error {
	done, err := u.tree.Certified(e.Ino, e.Version, chunks, hashes)
	if err != nil {
		return fmt.Errorf("point inode %d at its blobs: %w", e.Ino, err)
	}
	if done {
		u.mu.Lock()
		u.stats.Files++
		u.stats.Bytes += size
		u.mu.Unlock()
		u.log.Info("file certified", "ino", e.Ino, "version", e.Version, "bytes", size, "chunks", len(chunks), "took", time.Since(start).Round(time.Millisecond))
		if u.fsys != nil {
			u.fsys.Certified(e.Ino)
		}
	}
	return nil
}

// Drain waits until the queue is empty or ctx ends, calling progress with
// the files and bytes left now and then.
func (u *Uploader) Drain(ctx context.Context, progress func(files int, bytes int64, errs []string)) error {
	u.mu.Lock()
	u.draining++
	u.sched.hurry()
	u.mu.Unlock()
	u.wakeUp()
	defer func() {
		u.mu.Lock()
		u.draining--
		u.mu.Unlock()
	}()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		files, bytes, err := u.book.QueueTotals()
		if err != nil {
			return err
		}
		if files == 0 {
			return nil
		}
		if progress != nil {
			u.mu.Lock()
			errs := append([]string(nil), u.lastErrs...)
			u.mu.Unlock()
			progress(int(files), int64(bytes), errs)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// BlobIDs lists the blob IDs of chunks, for display.
func BlobIDs(chunks []state.Chunk) []encoding.BlobID {
	out := make([]encoding.BlobID, len(chunks))
	for i, c := range chunks {
		out[i] = c.Blob
	}
	return out
}
