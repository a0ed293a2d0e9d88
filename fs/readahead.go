package fs

import (
	"context"
	"sort"
	"sync"
	"syscall"

	"github.com/walrusfs/walrusfs/fs/meta"
)

// Read-ahead across files. Tools that read a tree (tar, cp -r, rsync, a
// build, walrusfs warmup) open its files in listing order, the order
// Readdir returns, going down into each directory as they meet it. A
// file whose content is on the network costs a round trip at its first
// read; opening one starts a walk of the tree from there in that order,
// which has the reader fetch the next files' content (cache.Reader's
// Prefetch) while the first ones are read. The walk keeps a number of
// files ahead of the furthest one opened, doubling while opens follow it,
// so that a reader of a single file costs one small walk.
const (
	aheadStartFiles = 8
	aheadStartBytes = 1 << 20
	aheadMaxFiles   = 1024
	aheadMaxBytes   = 32 << 20
	// aheadFileBytes: of a large file only the start is fetched ahead
	// (its reads then fetch ahead within it), so it counts as that much.
	aheadFileBytes = 4 << 20
	// aheadStreams: readers of different parts of the tree followed at
	// once; the least recently followed walk stops for a new one.
	aheadStreams = 4
	// aheadBehind: files of a walk remembered behind the furthest one
	// opened, for readers that open a few at a time (warmup --jobs).
	aheadBehind = 256
)

type readAhead struct {
	fs      *FS
	mu      sync.Mutex
	streams []*aheadStream // most recently followed first
}

// aheadStream is one walk of the tree ahead of a reader.
type aheadStream struct {
	ra     *readAhead
	ctx    context.Context
	cancel context.CancelFunc

	// Where the walk starts: the file opened first, by its directory
	// and name. The walker alone uses the cursor.
	startDir  uint64
	startName string
	cursor    []*dirFrame

	mu sync.Mutex
	// seen[ino] is a file's position in the walk; positions below base
	// are forgotten.
	seen       map[uint64]int
	order      []uint64 // files from position base on
	cum        []int64  // cum[i]: bytes of the files up to order[i]
	base       int
	next       int   // position of the next file the walk meets
	bytes      int64 // bytes of the files it met
	furthest   int   // the furthest position opened
	files      int   // files to keep ahead of it
	aheadBytes int64 // and bytes
	walking    bool
	stopped    bool
	// The directory of the entry the walk met last, and its name; a file
	// of that directory past it opened first is skipped to (skipTo).
	dir, skipDir     uint64
	lastName, skipTo string
}

// dirFrame is a directory the walk is in, and where.
type dirFrame struct {
	ino     uint64
	entries []meta.Dirent
	next    int
}

// opened tells the read-ahead that a file whose content is on the network
// was opened for reading.
func (ra *readAhead) opened(n *Node) {
	name, parent := n.Parent()
	if parent == nil {
		return
	}
	dir := parent.StableAttr().Ino
	ra.mu.Lock()
	defer ra.mu.Unlock()
	for i, s := range ra.streams {
		if s.follow(n.ino, dir, name) {
			copy(ra.streams[1:i+1], ra.streams[:i])
			ra.streams[0] = s
			return
		}
	}
	if len(ra.streams) == aheadStreams {
		ra.streams[len(ra.streams)-1].stop()
		ra.streams = ra.streams[:len(ra.streams)-1]
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &aheadStream{ra: ra, ctx: ctx, cancel: cancel, startDir: dir, startName: name,
		seen: map[uint64]int{}, furthest: 0, files: aheadStartFiles, aheadBytes: aheadStartBytes}
	ra.streams = append([]*aheadStream{s}, ra.streams...)
	s.mu.Lock()
	s.kickLocked()
	s.mu.Unlock()
}

// follow tells whether the walk met the opened file, or is in its
// directory short of it (the walk then skips to it); if so, it keeps the
// walk going, further the more it is followed.
func (s *aheadStream) follow(ino, dir uint64, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	pos, ok := s.seen[ino]
	switch {
	case ok:
		if pos > s.furthest {
			s.furthest = pos
			s.files = min(2*s.files, aheadMaxFiles)
			s.aheadBytes = min(2*s.aheadBytes, aheadMaxBytes)
		}
	case s.dir == dir && name > s.lastName && !s.stopped:
		// Opened before the walk got there: the walk goes on from it.
		s.skipDir, s.skipTo, s.furthest = dir, name, s.next
	default:
		return false
	}
	s.kickLocked()
	return true
}

func (s *aheadStream) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cancel()
}

// wantsMoreLocked tells whether the walk is short of its target ahead of
// the furthest file opened.
func (s *aheadStream) wantsMoreLocked() bool {
	if s.stopped {
		return false
	}
	ahead := s.next - 1 - s.furthest
	var bytes int64
	if i := s.furthest - s.base; i >= 0 && i < len(s.cum) {
		bytes = s.bytes - s.cum[i]
	}
	return ahead < s.files && bytes < s.aheadBytes
}

// kickLocked starts the walker if it is idle and the walk should go on.
func (s *aheadStream) kickLocked() {
	if !s.walking && s.wantsMoreLocked() {
		s.walking = true
		go s.walk()
	}
}

// walk goes on through the tree until it is far enough ahead, has the
// files it meets fetched, and ends at the end of the tree.
func (s *aheadStream) walk() {
	m := s.ra.fs.meta
	if s.cursor == nil {
		entries, err := m.ReadDir(s.startDir)
		if err != nil {
			s.end()
			return
		}
		at := sort.Search(len(entries), func(i int) bool { return entries[i].Name >= s.startName })
		s.cursor = []*dirFrame{{ino: s.startDir, entries: entries, next: at}}
	}
	for {
		s.mu.Lock()
		if !s.wantsMoreLocked() {
			s.walking = false
			s.mu.Unlock()
			return
		}
		if s.skipTo != "" {
			s.skipLocked()
		}
		s.mu.Unlock()
		e, dir, ok := s.step()
		if !ok {
			s.end()
			return
		}
		s.mu.Lock()
		s.dir, s.lastName = dir, e.Name
		s.mu.Unlock()
		if e.Mode&syscall.S_IFMT != syscall.S_IFREG {
			continue
		}
		in, err := m.Inode(e.Ino)
		if err != nil {
			continue
		}
		s.met(e.Ino, int64(min(in.Size, aheadFileBytes)))
		if !in.Local && len(in.Chunks) > 0 {
			// The start of the file: a large file's reads fetch ahead
			// within it from there.
			if s.ra.fs.cfg.Reader.Prefetch(s.ctx, in.Chunks[:1]) != nil {
				s.end()
				return
			}
		}
	}
}

// skipLocked moves the cursor to the entry skipTo of directory skipDir,
// leaving the directories below it that the reader skipped.
func (s *aheadStream) skipLocked() {
	for i := len(s.cursor) - 1; i >= 0; i-- {
		f := s.cursor[i]
		if f.ino != s.skipDir {
			continue
		}
		if at := sort.Search(len(f.entries), func(i int) bool { return f.entries[i].Name >= s.skipTo }); at >= f.next {
			f.next = at
			s.cursor = s.cursor[:i+1]
		}
		break
	}
	s.skipTo = ""
}

// step moves the cursor to the next entry in listing order, going down
// into directories and, at the end of one, back up to its parent, past
// the directory the walk started in. It returns the entry and its
// directory, or false at the end of the tree.
func (s *aheadStream) step() (meta.Dirent, uint64, bool) {
	m := s.ra.fs.meta
	for {
		top := s.cursor[len(s.cursor)-1]
		if top.next < len(top.entries) {
			e := top.entries[top.next]
			top.next++
			if e.Mode&syscall.S_IFMT == syscall.S_IFDIR {
				if entries, err := m.ReadDir(e.Ino); err == nil {
					s.cursor = append(s.cursor, &dirFrame{ino: e.Ino, entries: entries})
				}
			}
			return e, top.ino, true
		}
		if len(s.cursor) > 1 {
			s.cursor = s.cursor[:len(s.cursor)-1]
			continue
		}
		// The end of the directory the walk started in, or went up to.
		if top.ino == meta.RootIno {
			return meta.Dirent{}, 0, false
		}
		in, err := m.Inode(top.ino)
		if err != nil || in.Parent == 0 {
			return meta.Dirent{}, 0, false
		}
		entries, err := m.ReadDir(in.Parent)
		if err != nil {
			return meta.Dirent{}, 0, false
		}
		up := &dirFrame{ino: in.Parent, entries: entries, next: len(entries)}
		for i, e := range entries {
			if e.Ino == top.ino {
				up.next = i + 1
				break
			}
		}
		s.cursor[0] = up
	}
}

// met records the next file of the walk.
func (s *aheadStream) met(ino uint64, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[ino] = s.next
	s.order = append(s.order, ino)
	s.bytes += size
	s.cum = append(s.cum, s.bytes)
	s.next++
	// Forget what is well behind the reader.
	if drop := s.furthest - aheadBehind - s.base; drop > aheadBehind {
		for _, old := range s.order[:drop] {
			if s.seen[old] < s.base+drop {
				delete(s.seen, old)
			}
		}
		s.order, s.cum = s.order[drop:], s.cum[drop:]
		s.base += drop
	}
}

// end marks the walk over: at the end of the tree, or stopped.
func (s *aheadStream) end() {
	s.mu.Lock()
	s.walking, s.stopped = false, true
	s.mu.Unlock()
}
