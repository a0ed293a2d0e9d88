// Package meta keeps a walrusfs file system's tree in Badger: inodes (mode,
// owner, times, size, symlink target, where the content lives), directory
// entries and extended attributes. One Badger transaction covers each
// change, so a rename, a create or the switch of a file to its certified
// blobs is all or nothing.
//
// The same Badger store holds the upload side's bookkeeping (package
// cache/state: the upload queue, the dedup table, blob records and counts,
// snapshots, the published manifest, lost files), reached through Book.
// The changes of the tree that must move the bookkeeping with them (a file
// queued, certified or deleted) call into cache/state inside the tree's
// own transaction, so that the two never disagree after a crash.
//
// Errors that a file system operation should return as they are (ENOENT,
// EEXIST, ENOTEMPTY, ...) are syscall.Errno values; anything else is a
// failure of the store.
//
// Key layout (inode numbers big-endian, so a directory's entries are
// contiguous and sorted by name):
//
//	'i' | ino              inode (JSON)
//	'd' | parent | name    directory entry: child ino, child mode (u64, u32)
//	'x' | ino | name       extended attribute value
//	'n'                    next inode number (u64)
//	'C' | name             setting of the tree (string)
//	"zP"                   how many regular files are public (u64)
//
// Every other key (first byte 'q', 'h', 'b', 'R', 'U', 'S', 'm', 'L', and
// "zQ", "zR") is cache/state's; its doc lists them.
//
// A tree from a manifest comes from the network and is not trusted:
// DecodeTree reads it with bounds and Load refuses it unless it keeps every
// rule the store keeps (Tree.Validate), so that no later walk of it, a
// rename's of parents say, can loop under the store's lock. Errors for a
// broken tree wrap ErrCorrupt.
//
// Writes are not synced one by one (they survive kill -9, as Badger's logs
// are memory-mapped files); Sync makes everything before it durable, and the
// file system calls it on fsync, on close of a written file and on fsyncdir.
package meta

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/walrusfs/walrusfs/cache/state"
)

// RootIno is the inode number of the root directory.
const RootIno uint64 = 1

// Chunk is one piece of a file's content: the tree keeps a file's chunks
// as the upload bookkeeping defines them.
type Chunk = state.Chunk

// Inode is a file, directory or symlink.
type Inode struct {
	Ino   uint64 `json:"ino"`
	Mode  uint32 `json:"mode"` // type and permission bits, as in st_mode
	UID   uint32 `json:"uid"`
	GID   uint32 `json:"gid"`
	Nlink uint32 `json:"nlink"`
	Rdev  uint32 `json:"rdev,omitempty"`
	Size  uint64 `json:"size"`
	// Times in nanoseconds since the Unix epoch.
	Atime int64 `json:"atime"`
	Mtime int64 `json:"mtime"`
	Ctime int64 `json:"ctime"`
	// Target is a symlink's target.
	Target string `json:"target,omitempty"`
	// Public marks content stored unencrypted on purpose (a directory so
	// marked passes it to what is created in it).
	Public bool `json:"public,omitempty"`
	// Parent is a directory's parent (a directory has one).
	Parent uint64 `json:"parent,omitempty"`
	// Seq counts the stored changes of the inode, so that a cached copy
	// read before a change is not taken for a newer one.
	Seq uint64 `json:"seq"`

	// Content of a regular file. Version counts changes of the content;
	// Chunks hold version Certified on the network. When Local is set the
	// local data file is the content (written, or not uploaded yet) and
	// Chunks may be stale; otherwise Chunks are the content.
	Version   uint64  `json:"version"`
	Certified uint64  `json:"certified"`
	Local     bool    `json:"local,omitempty"`
	Chunks    []Chunk `json:"chunks,omitempty"`
}

// IsDir, IsRegular and IsSymlink tell the inode's type.
func (in *Inode) IsDir() bool     { return in.Mode&syscall.S_IFMT == syscall.S_IFDIR }
func (in *Inode) IsRegular() bool { return in.Mode&syscall.S_IFMT == syscall.S_IFREG }
func (in *Inode) IsSymlink() bool { return in.Mode&syscall.S_IFMT == syscall.S_IFLNK }

// Dirent is a directory entry.
type Dirent struct {
	Name string
	Ino  uint64
	Mode uint32
}

// Store is a file system's tree. Tree changes are serialized by one lock:
// FUSE already bounds them far below what Badger takes.
type Store struct {
	db      *badger.DB
	log     *slog.Logger
	mu      sync.Mutex // serializes read-modify-write transactions
	changes atomic.Uint64
	book    *state.Book
}

// Open opens or creates the tree in dir; a new tree has an empty root
// directory owned by uid:gid with mode 0755.
func Open(dir string, uid, gid uint32, log *slog.Logger) (*Store, error) {
	opts := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(false).
		WithMetricsEnabled(false).
		WithCompression(options.None).
		WithMemTableSize(16 << 20).
		// Values up to 1 MiB (inodes of up to ~8,000 chunks) stay in the
		// LSM tree, whose compactions drop their old versions; only larger
		// ones go to the value log, which CollectGarbage reclaims.
		WithValueThreshold(1 << 20).
		WithValueLogFileSize(64 << 20).
		WithBlockCacheSize(32 << 20).
		WithIndexCacheSize(16 << 20).
		WithNumCompactors(2).
		WithNumGoroutines(2)
	return openWith(opts, uid, gid, log)
}

// openWith opens a store with Badger options of its own (in memory, for tests).
func openWith(opts badger.Options, uid, gid uint32, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := opts.Dir
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("meta: open %s: %w", dir, err)
	}
	s := &Store{db: db, log: log}
	s.book = state.New(s)
	err = s.update(func(txn *badger.Txn) error {
		if _, err := getInode(txn, RootIno); !errors.Is(err, syscall.ENOENT) {
			return err
		}
		now := time.Now().UnixNano()
		root := &Inode{Ino: RootIno, Mode: syscall.S_IFDIR | 0o755, UID: uid, GID: gid, Nlink: 2,
			Atime: now, Mtime: now, Ctime: now}
		if err := putInode(txn, root); err != nil {
			return err
		}
		return txn.Set(nextKey, u64(RootIno+1))
	})
	if err == nil {
		err = s.ensureRefs()
	}
	if err == nil {
		err = s.update(func(txn *badger.Txn) error {
			return state.EnsureQueueTotals(txn, func(ino uint64) (uint64, bool) {
				in, err := getInode(txn, ino)
				if err != nil {
					return 0, false
				}
				return in.Size, true
			})
		})
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("meta: open %s: %w", dir, err)
	}
	return s, nil
}

// Close closes the store, syncing it.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("meta: close: %w", err)
	}
	return nil
}

// Sync makes every change before it durable.
func (s *Store) Sync() error {
	if err := s.db.Sync(); err != nil {
		return fmt.Errorf("meta: sync: %w", err)
	}
	return nil
}

var nextKey = []byte{'n'}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func inodeKey(ino uint64) []byte { return append([]byte{'i'}, u64(ino)...) }

func direntKey(parent uint64, name string) []byte {
	return append(append([]byte{'d'}, u64(parent)...), name...)
}

func xattrKey(ino uint64, name string) []byte {
	return append(append([]byte{'x'}, u64(ino)...), name...)
}

// Book returns the upload bookkeeping kept in this store beside the tree.
func (s *Store) Book() *state.Book { return s.book }

// ViewTxn runs fn in a read-only transaction: for the bookkeeping kept in
// this store (state.Host), not for the tree's keys.
func (s *Store) ViewTxn(fn func(*badger.Txn) error) error { return s.db.View(fn) }

// UpdateTxn runs fn in a read-write transaction under the store's lock: for
// the bookkeeping kept in this store (state.Host), not for the tree's keys.
func (s *Store) UpdateTxn(fn func(*badger.Txn) error) error { return s.update(fn) }

// update runs fn in a read-write transaction under the store's lock.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.db.Update(fn)
	if err == nil {
		s.changes.Add(1)
	}
	return err
}

func getInode(txn *badger.Txn, ino uint64) (*Inode, error) {
	in := new(Inode)
	if err := state.GetJSON(txn, inodeKey(ino), in); err != nil {
		return nil, err
	}
	return in, nil
}

// putInode stores an inode read in the same transaction (or new), counting
// the change.
func putInode(txn *badger.Txn, in *Inode) error {
	in.Seq++
	return state.SetJSON(txn, inodeKey(in.Ino), in)
}

// Inode returns an inode.
func (s *Store) Inode(ino uint64) (*Inode, error) {
	var in *Inode
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		in, err = getInode(txn, ino)
		return err
	})
	return in, err
}

// Update applies fn to an inode and stores the result; fn returning an
// error leaves it unchanged.
func (s *Store) Update(ino uint64, fn func(*Inode) error) (*Inode, error) {
	var in *Inode
	err := s.update(func(txn *badger.Txn) error {
		var err error
		in, err = updateInode(txn, ino, fn)
		return err
	})
	return in, err
}

// updateInode is Update within a transaction.
func updateInode(txn *badger.Txn, ino uint64, fn func(*Inode) error) (*Inode, error) {
	in, err := getInode(txn, ino)
	if err != nil {
		return nil, err
	}
	was := publicFile(in)
	if err := fn(in); err != nil {
		return in, err
	}
	if err := countPublic(txn, was, publicFile(in)); err != nil {
		return in, err
	}
	return in, putInode(txn, in)
}

func getDirent(txn *badger.Txn, parent uint64, name string) (Dirent, error) {
	item, err := txn.Get(direntKey(parent, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Dirent{}, syscall.ENOENT
	}
	if err != nil {
		return Dirent{}, err
	}
	d := Dirent{Name: name}
	err = item.Value(func(b []byte) error {
		if len(b) != 12 {
			return fmt.Errorf("meta: corrupt directory entry %q in %d", name, parent)
		}
		d.Ino, d.Mode = binary.BigEndian.Uint64(b), binary.BigEndian.Uint32(b[8:])
		return nil
	})
	return d, err
}

func putDirent(txn *badger.Txn, parent uint64, d Dirent) error {
	v := binary.BigEndian.AppendUint32(u64(d.Ino), d.Mode)
	return txn.Set(direntKey(parent, d.Name), v)
}

// Lookup returns the inode a directory entry names.
func (s *Store) Lookup(parent uint64, name string) (*Inode, error) {
	var in *Inode
	err := s.db.View(func(txn *badger.Txn) error {
		d, err := getDirent(txn, parent, name)
		if err != nil {
			return err
		}
		in, err = getInode(txn, d.Ino)
		return err
	})
	return in, err
}

// ReadDir returns a directory's entries in name order.
func (s *Store) ReadDir(parent uint64) ([]Dirent, error) {
	var out []Dirent
	prefix := direntKey(parent, "")
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			d := Dirent{Name: string(item.Key()[len(prefix):])}
			err := item.Value(func(b []byte) error {
				if len(b) != 12 {
					return fmt.Errorf("meta: corrupt directory entry %q in %d", d.Name, parent)
				}
				d.Ino, d.Mode = binary.BigEndian.Uint64(b), binary.BigEndian.Uint32(b[8:])
				return nil
			})
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func dirIsEmpty(txn *badger.Txn, ino uint64) bool {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: direntKey(ino, ""), PrefetchValues: false})
	defer it.Close()
	it.Rewind()
	return !it.Valid()
}

func nextIno(txn *badger.Txn) (uint64, error) {
	item, err := txn.Get(nextKey)
	if err != nil {
		return 0, fmt.Errorf("meta: next inode number: %w", err)
	}
	var next uint64
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return errors.New("meta: corrupt next inode number")
		}
		next = binary.BigEndian.Uint64(b)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return next, txn.Set(nextKey, u64(next+1))
}

// touchDir updates a directory's mtime and ctime, and its link count by
// dlink (a subdirectory's ".." links to it).
func touchDir(txn *badger.Txn, ino uint64, dlink int, now int64) error {
	dir, err := getInode(txn, ino)
	if err != nil {
		return err
	}
	dir.Mtime, dir.Ctime = now, now
	dir.Nlink = uint32(int(dir.Nlink) + dlink)
	return putInode(txn, dir)
}

// Create adds a new inode under parent: the template's mode, owner, rdev and
// target are used; its number, link count and times are set here.
func (s *Store) Create(parent uint64, name string, tmpl Inode) (*Inode, error) {
	in := tmpl
	err := s.update(func(txn *badger.Txn) error {
		dir, err := getInode(txn, parent)
		if err != nil {
			return err
		}
		if !dir.IsDir() {
			return syscall.ENOTDIR
		}
		if _, err := getDirent(txn, parent, name); err == nil {
			return syscall.EEXIST
		} else if !errors.Is(err, syscall.ENOENT) {
			return err
		}
		if in.Ino, err = nextIno(txn); err != nil {
			return err
		}
		now := time.Now().UnixNano()
		in.Atime, in.Mtime, in.Ctime = now, now, now
		in.Nlink = 1
		dlink := 0
		if in.IsDir() {
			in.Nlink, dlink, in.Parent = 2, 1, parent
		}
		if in.IsRegular() {
			in.Local = true // an empty local file until written and uploaded
		}
		if err := putInode(txn, &in); err != nil {
			return err
		}
		if err := countPublic(txn, false, publicFile(&in)); err != nil {
			return err
		}
		if err := putDirent(txn, parent, Dirent{Name: name, Ino: in.Ino, Mode: in.Mode}); err != nil {
			return err
		}
		return touchDir(txn, parent, dlink, now)
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// Link adds a name for an existing non-directory inode.
func (s *Store) Link(ino, parent uint64, name string) (*Inode, error) {
	var in *Inode
	err := s.update(func(txn *badger.Txn) error {
		var err error
		if in, err = getInode(txn, ino); err != nil {
			return err
		}
		if in.IsDir() {
			return syscall.EPERM
		}
		if _, err := getDirent(txn, parent, name); err == nil {
			return syscall.EEXIST
		} else if !errors.Is(err, syscall.ENOENT) {
			return err
		}
		now := time.Now().UnixNano()
		in.Nlink++
		in.Ctime = now
		if err := putInode(txn, in); err != nil {
			return err
		}
		if err := putDirent(txn, parent, Dirent{Name: name, Ino: in.Ino, Mode: in.Mode}); err != nil {
			return err
		}
		return touchDir(txn, parent, 0, now)
	})
	return in, err
}

// removeEntry drops parent/name, decrementing the target's link count; it
// returns the target after the change. Directories must be empty.
func removeEntry(txn *badger.Txn, parent uint64, d Dirent, now int64) (*Inode, error) {
	in, err := getInode(txn, d.Ino)
	if err != nil {
		return nil, err
	}
	dlink := 0
	if in.IsDir() {
		if !dirIsEmpty(txn, in.Ino) {
			return nil, syscall.ENOTEMPTY
		}
		in.Nlink, dlink = 0, -1
	} else if in.Nlink > 0 {
		in.Nlink--
	}
	in.Ctime = now
	if err := txn.Delete(direntKey(parent, d.Name)); err != nil {
		return nil, err
	}
	if err := putInode(txn, in); err != nil {
		return nil, err
	}
	return in, touchDir(txn, parent, dlink, now)
}

// Remove removes parent/name (a directory only if dir, and it must be
// empty; a non-directory only if !dir). It returns the removed entry's inode
// after the change: with no links left, the caller deletes it with Forget
// once no open file refers to it.
func (s *Store) Remove(parent uint64, name string, dir bool) (*Inode, error) {
	var in *Inode
	err := s.update(func(txn *badger.Txn) error {
		d, err := getDirent(txn, parent, name)
		if err != nil {
			return err
		}
		isDir := d.Mode&syscall.S_IFMT == syscall.S_IFDIR
		switch {
		case dir && !isDir:
			return syscall.ENOTDIR
		case !dir && isDir:
			return syscall.EISDIR
		}
		in, err = removeEntry(txn, parent, d, time.Now().UnixNano())
		return err
	})
	return in, err
}

// Rename flags, as in renameat2(2).
const (
	RenameNoReplace = 1 << 0
	RenameExchange  = 1 << 1
)

// isAncestor tells whether a is dir or one of its ancestors: a directory
// must not move into itself. It runs under the store's lock, so a loop of
// parents in a corrupt store is an error, never an endless walk.
func isAncestor(txn *badger.Txn, a, dir uint64) (bool, error) {
	seen := map[uint64]bool{}
	for cur := dir; ; {
		if cur == a {
			return true, nil
		}
		if cur == RootIno {
			return false, nil
		}
		if seen[cur] {
			return false, fmt.Errorf("meta: %w: the parents of directory %d loop through %d", ErrCorrupt, dir, cur)
		}
		seen[cur] = true
		in, err := getInode(txn, cur)
		if cur == dir && err == nil && !in.IsDir() {
			err = syscall.ENOTDIR
		}
		if cur == dir && err != nil {
			return false, err // the target directory itself: the caller's mistake
		}
		if errors.Is(err, syscall.ENOENT) {
			return false, fmt.Errorf("meta: %w: directory %d, on the way up from %d, does not exist", ErrCorrupt, cur, dir)
		}
		if err != nil {
			return false, err
		}
		if !in.IsDir() {
			return false, fmt.Errorf("meta: %w: inode %d, on the way up from %d, is not a directory", ErrCorrupt, cur, dir)
		}
		cur = in.Parent
	}
}

// Rename moves oldParent/oldName to newParent/newName atomically, replacing
// what newName named (an empty directory only by a directory, a
// non-directory only by a non-directory), or exchanging the two. It returns
// the replaced inode, if any, after the change.
func (s *Store) Rename(oldParent uint64, oldName string, newParent uint64, newName string, flags uint32) (*Inode, error) {
	var replaced *Inode
	err := s.update(func(txn *badger.Txn) error {
		src, err := getDirent(txn, oldParent, oldName)
		if err != nil {
			return err
		}
		dst, err := getDirent(txn, newParent, newName)
		exists := err == nil
		if err != nil && !errors.Is(err, syscall.ENOENT) {
			return err
		}
		srcDir := src.Mode&syscall.S_IFMT == syscall.S_IFDIR
		if srcDir {
			if inside, err := isAncestor(txn, src.Ino, newParent); err != nil || inside {
				return cmp.Or(err, error(syscall.EINVAL))
			}
		}
		now := time.Now().UnixNano()
		switch {
		case flags&RenameExchange != 0:
			if !exists {
				return syscall.ENOENT
			}
			dstDir := dst.Mode&syscall.S_IFMT == syscall.S_IFDIR
			if dstDir {
				if inside, err := isAncestor(txn, dst.Ino, oldParent); err != nil || inside {
					return cmp.Or(err, error(syscall.EINVAL))
				}
			}
			if err := putDirent(txn, oldParent, Dirent{Name: oldName, Ino: dst.Ino, Mode: dst.Mode}); err != nil {
				return err
			}
			if err := putDirent(txn, newParent, Dirent{Name: newName, Ino: src.Ino, Mode: src.Mode}); err != nil {
				return err
			}
			if oldParent != newParent && srcDir != dstDir {
				d := 1
				if dstDir {
					d = -1
				}
				if err := touchDir(txn, newParent, d, now); err != nil {
					return err
				}
				if err := touchDir(txn, oldParent, -d, now); err != nil {
					return err
				}
			} else {
				if err := touchDir(txn, newParent, 0, now); err != nil {
					return err
				}
				if err := touchDir(txn, oldParent, 0, now); err != nil {
					return err
				}
			}
			if err := setParent(txn, src, newParent); err != nil {
				return err
			}
			if err := setParent(txn, dst, oldParent); err != nil {
				return err
			}
			return touchCtime(txn, now, src.Ino, dst.Ino)
		case exists && flags&RenameNoReplace != 0:
			return syscall.EEXIST
		case exists && dst.Ino == src.Ino:
			return nil // the same file: nothing to do
		case exists:
			dstDir := dst.Mode&syscall.S_IFMT == syscall.S_IFDIR
			if srcDir && !dstDir {
				return syscall.ENOTDIR
			}
			if !srcDir && dstDir {
				return syscall.EISDIR
			}
			if replaced, err = removeEntry(txn, newParent, dst, now); err != nil {
				return err
			}
		}
		if err := txn.Delete(direntKey(oldParent, oldName)); err != nil {
			return err
		}
		if err := putDirent(txn, newParent, Dirent{Name: newName, Ino: src.Ino, Mode: src.Mode}); err != nil {
			return err
		}
		d := 0
		if srcDir && oldParent != newParent {
			d = 1
		}
		if err := touchDir(txn, oldParent, -d, now); err != nil {
			return err
		}
		if err := touchDir(txn, newParent, d, now); err != nil {
			return err
		}
		if err := setParent(txn, src, newParent); err != nil {
			return err
		}
		return touchCtime(txn, now, src.Ino)
	})
	return replaced, err
}

// setParent records a moved directory's new parent.
func setParent(txn *badger.Txn, d Dirent, parent uint64) error {
	if d.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return nil
	}
	in, err := getInode(txn, d.Ino)
	if err != nil {
		return err
	}
	in.Parent = parent
	return putInode(txn, in)
}

func touchCtime(txn *badger.Txn, now int64, inos ...uint64) error {
	for _, ino := range inos {
		in, err := getInode(txn, ino)
		if err != nil {
			return err
		}
		in.Ctime = now
		if err := putInode(txn, in); err != nil {
			return err
		}
	}
	return nil
}

// Forget deletes an inode with no links left, with its attributes and
// queue entry. It returns whether the inode was deleted.
func (s *Store) Forget(ino uint64) (bool, error) {
	deleted := false
	err := s.update(func(txn *badger.Txn) error {
		in, err := getInode(txn, ino)
		if errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if err != nil || in.Nlink > 0 || ino == RootIno {
			return err
		}
		if err := state.MoveRefs(txn, in.Chunks, nil, time.Now()); err != nil {
			return err
		}
		if err := countPublic(txn, publicFile(in), false); err != nil {
			return err
		}
		if err := txn.Delete(inodeKey(ino)); err != nil {
			return err
		}
		if err := state.Dequeue(txn, ino); err != nil {
			return err
		}
		if err := state.ClearLost(txn, ino); err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: xattrKey(ino, ""), PrefetchValues: false})
		var keys [][]byte
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		deleted = true
		return nil
	})
	return deleted, err
}

// inodesWhere returns the inodes for which keep is true, in number order.
func (s *Store) inodesWhere(keep func(*Inode) bool) ([]Inode, error) {
	var out []Inode
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'i'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var in Inode
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &in) }); err != nil {
				return fmt.Errorf("meta: corrupt inode: %w", err)
			}
			if keep(&in) {
				out = append(out, in)
			}
		}
		return nil
	})
	return out, err
}

func numbers(inodes []Inode, err error) ([]uint64, error) {
	out := make([]uint64, len(inodes))
	for i, in := range inodes {
		out[i] = in.Ino
	}
	return out, err
}

// Unlinked returns the inodes with no links left: files removed while open
// when the file system stopped. The file system deletes them at start.
func (s *Store) Unlinked() ([]uint64, error) {
	return numbers(s.inodesWhere(func(in *Inode) bool { return in.Nlink == 0 && in.Ino != RootIno }))
}

// CleanLocal returns the regular files whose local data file holds content
// that is certified on the network: those whose local copy may be dropped.
func (s *Store) CleanLocal() ([]uint64, error) {
	return numbers(s.inodesWhere(func(in *Inode) bool {
		return in.IsRegular() && in.Local && in.Certified == in.Version && in.Nlink > 0
	}))
}
