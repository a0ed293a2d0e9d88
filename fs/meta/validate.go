package meta

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// ErrCorrupt means a tree breaks a rule every tree keeps: a manifest from
// the network that is hostile or damaged, or a corrupt store.
var ErrCorrupt = errors.New("corrupt tree")

// Bounds on a tree read from a manifest. A manifest is at most 1 GiB of
// JSON, in which an inode with its entry takes over 130 bytes, an entry
// over 30 and a chunk over 60: the counts are above what such a manifest
// can hold, so that they refuse no real tree, and low enough that a small
// compressed manifest of empty elements cannot make the loader allocate
// tens of gigabytes.
const (
	maxInodes     = 1 << 23
	maxEntries    = 1 << 25
	maxXattrs     = 1 << 23
	maxChunks     = 1 << 24 // in the whole tree
	maxFileChunks = 1 << 20 // chunks of one file

	// maxIno bounds inode numbers: they are handed out one by one from 2,
	// and the next number after the largest must not wrap to 0 and 1.
	maxIno = 1 << 56
	// maxBlobBytes is far above the largest blob Walrus stores (tens of
	// GB); with maxFileChunks it keeps a file's size below 2^60.
	maxBlobBytes = 1 << 40
	maxFileBytes = 1 << 60
	// maxNameBytes is NAME_MAX, for entry and attribute names alike.
	maxNameBytes = 255
	// maxTargetBytes is the longest symlink target Linux stores (a page).
	maxTargetBytes = 4095
	// modeBits are the bits st_mode has: type and permissions.
	modeBits = syscall.S_IFMT | 0o7777
)

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// checkName returns why name cannot be a directory entry's or an
// attribute's, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "empty name"
	case len(name) > maxNameBytes:
		return fmt.Sprintf("name of %d bytes (over %d)", len(name), maxNameBytes)
	case strings.IndexByte(name, 0) >= 0:
		return "name with a NUL byte"
	}
	return ""
}

func checkEntryName(name string) string {
	if why := checkName(name); why != "" {
		return why
	}
	if name == "." || name == ".." || strings.IndexByte(name, '/') >= 0 {
		return "name that is . or .. or holds a /"
	}
	return ""
}

// checkInode checks what an inode says about itself alone.
func checkInode(in *Inode) error {
	if in.Ino == 0 || in.Ino > maxIno {
		return corrupt("inode number %d (not in 1..2^56)", in.Ino)
	}
	if in.Mode&^modeBits != 0 {
		return corrupt("inode %d has mode %#o, with bits no mode has", in.Ino, in.Mode)
	}
	switch in.Mode & syscall.S_IFMT {
	case syscall.S_IFREG, syscall.S_IFDIR, syscall.S_IFLNK, syscall.S_IFIFO,
		syscall.S_IFCHR, syscall.S_IFBLK, syscall.S_IFSOCK:
	default:
		return corrupt("inode %d has mode %#o, of no file type", in.Ino, in.Mode)
	}
	if in.Size > maxFileBytes {
		return corrupt("inode %d claims %d bytes", in.Ino, in.Size)
	}
	if !in.IsDir() && in.Parent != 0 {
		return corrupt("inode %d is not a directory but has parent %d", in.Ino, in.Parent)
	}
	if in.IsDir() && in.Ino != RootIno && in.Parent == in.Ino {
		return corrupt("directory %d is its own parent", in.Ino)
	}
	if in.IsSymlink() && (in.Target == "" || len(in.Target) > maxTargetBytes || strings.IndexByte(in.Target, 0) >= 0) {
		return corrupt("symlink %d has a target of %d bytes, empty, too long or with a NUL", in.Ino, len(in.Target))
	}
	if !in.IsRegular() {
		if len(in.Chunks) > 0 {
			return corrupt("inode %d is not a regular file but has %d chunks", in.Ino, len(in.Chunks))
		}
		return nil
	}
	if len(in.Chunks) > maxFileChunks {
		return corrupt("file %d has %d chunks (over %d)", in.Ino, len(in.Chunks), maxFileChunks)
	}
	var size uint64
	for i, c := range in.Chunks {
		if err := checkChunk(c); err != nil {
			return fmt.Errorf("file %d chunk %d: %w", in.Ino, i, err)
		}
		size += c.Size // no overflow: each is below 2^40, and at most 2^20 of them
	}
	if size != in.Size {
		return corrupt("file %d of %d bytes has chunks of %d", in.Ino, in.Size, size)
	}
	return nil
}

// checkChunk checks that a chunk is a range of its blob.
func checkChunk(c Chunk) error {
	switch {
	case c.Size == 0:
		return corrupt("empty chunk in blob %s", c.Blob)
	case c.Size > maxBlobBytes || c.Enc > maxBlobBytes || c.BlobSize > maxBlobBytes || c.Off > maxBlobBytes:
		return corrupt("chunk in blob %s at %d of %d bytes (stored %d) in a blob of %d: over 2^40",
			c.Blob, c.Off, c.Size, c.Enc, c.BlobSize)
	case c.Off+c.Stored() > c.InBlob():
		return corrupt("chunk in blob %s at %d of %d stored bytes ends past the blob's %d",
			c.Blob, c.Off, c.Stored(), c.InBlob())
	case c.InQuilt() && (c.Off != 0 || c.Patch.Start == 0 || c.Patch.Start >= c.Patch.End || c.Stored() >= c.InBlob()):
		return corrupt("patch [%d, %d) of quilt %s at %d, %d of its %d bytes", c.Patch.Start, c.Patch.End, c.Blob, c.Off, c.Stored(), c.InBlob())
	}
	return nil
}

func checkXattr(x *Xattr) error {
	if why := checkName(x.Name); why != "" {
		return corrupt("attribute %q of inode %d: %s", x.Name, x.Ino, why)
	}
	if len(x.Name)+len(x.Value) > maxXattrBytes {
		return corrupt("attribute %q of inode %d has %d bytes (over %d)", x.Name, x.Ino, len(x.Value), maxXattrBytes)
	}
	return nil
}

// Validate checks that t is a tree this package could have written:
//   - inode 1 is a directory, the root; inode numbers are unique;
//   - every entry is in a directory, names an inode other than the root,
//     has a valid name (not empty, . or .., no / or NUL, at most 255
//     bytes) that is unique in its directory;
//   - every directory but the root is named by exactly one entry, in the
//     directory its Parent says, and following parents reaches the root;
//   - link counts are what the entries make them: a directory's is 2 plus
//     its subdirectories, another inode's the entries naming it (at least 1);
//   - a regular file's chunks are ranges of their blobs that add up to its
//     size; other inodes have none;
//   - attributes belong to inodes, with valid names, unique per inode, and
//     at most 64 KiB per inode;
//   - counts and sizes are within the bounds above.
//
// Its errors wrap ErrCorrupt and say which inode or entry is wrong.
func (t *Tree) Validate() error {
	if len(t.Inodes) > maxInodes || len(t.Entries) > maxEntries || len(t.Xattrs) > maxXattrs {
		return corrupt("%d inodes, %d entries and %d attributes (at most %d, %d and %d)",
			len(t.Inodes), len(t.Entries), len(t.Xattrs), maxInodes, maxEntries, maxXattrs)
	}
	inodes := make(map[uint64]*Inode, len(t.Inodes))
	chunks := 0
	for i := range t.Inodes {
		in := &t.Inodes[i]
		if err := checkInode(in); err != nil {
			return err
		}
		if inodes[in.Ino] != nil {
			return corrupt("inode %d twice", in.Ino)
		}
		inodes[in.Ino] = in
		if chunks += len(in.Chunks); chunks > maxChunks {
			return corrupt("over %d chunks", maxChunks)
		}
	}
	root := inodes[RootIno]
	if root == nil || !root.IsDir() {
		return corrupt("no root directory (inode 1)")
	}
	if root.Parent != 0 {
		return corrupt("the root has parent %d", root.Parent)
	}

	type key struct {
		dir  uint64
		name string
	}
	names := make(map[key]bool, len(t.Entries))
	links := make(map[uint64]int, len(t.Inodes))   // entries naming each inode
	subdirs := make(map[uint64]int, len(t.Inodes)) // subdirectories of each directory
	for _, e := range t.Entries {
		dir, child := inodes[e.Parent], inodes[e.Ino]
		switch {
		case dir == nil:
			return corrupt("entry %q is in %d, which does not exist", e.Name, e.Parent)
		case !dir.IsDir():
			return corrupt("entry %q is in %d, which is not a directory", e.Name, e.Parent)
		case child == nil:
			return corrupt("entry %q in %d names %d, which does not exist", e.Name, e.Parent, e.Ino)
		case e.Ino == RootIno:
			return corrupt("entry %q in %d names the root", e.Name, e.Parent)
		}
		if why := checkEntryName(e.Name); why != "" {
			return corrupt("entry %q in %d: %s", e.Name, e.Parent, why)
		}
		if names[key{e.Parent, e.Name}] {
			return corrupt("entry %q twice in %d", e.Name, e.Parent)
		}
		names[key{e.Parent, e.Name}] = true
		links[e.Ino]++
		if child.IsDir() {
			if links[e.Ino] > 1 {
				return corrupt("directory %d is named twice (entry %q in %d)", e.Ino, e.Name, e.Parent)
			}
			if child.Parent != e.Parent {
				return corrupt("directory %d is named %q in %d but its parent is %d", e.Ino, e.Name, e.Parent, child.Parent)
			}
			subdirs[e.Parent]++
		}
	}

	for i := range t.Inodes {
		in := &t.Inodes[i]
		switch {
		case in.IsDir() && in.Ino != RootIno && links[in.Ino] == 0:
			return corrupt("directory %d is named by no entry", in.Ino)
		case in.IsDir() && uint64(in.Nlink) != 2+uint64(subdirs[in.Ino]):
			return corrupt("directory %d has %d links, but 2 + %d subdirectories", in.Ino, in.Nlink, subdirs[in.Ino])
		case !in.IsDir() && (links[in.Ino] == 0 || uint64(in.Nlink) != uint64(links[in.Ino])):
			return corrupt("inode %d has %d links, but %d entries name it", in.Ino, in.Nlink, links[in.Ino])
		}
	}
	if err := checkParents(t.Inodes, inodes); err != nil {
		return err
	}

	type xkey struct {
		ino  uint64
		name string
	}
	xnames := make(map[xkey]bool, len(t.Xattrs))
	xbytes := map[uint64]int{}
	for i := range t.Xattrs {
		x := &t.Xattrs[i]
		if inodes[x.Ino] == nil {
			return corrupt("attribute %q of inode %d, which does not exist", x.Name, x.Ino)
		}
		if err := checkXattr(x); err != nil {
			return err
		}
		if xnames[xkey{x.Ino, x.Name}] {
			return corrupt("attribute %q twice on inode %d", x.Name, x.Ino)
		}
		xnames[xkey{x.Ino, x.Name}] = true
		if xbytes[x.Ino] += len(x.Name) + len(x.Value); xbytes[x.Ino] > maxXattrBytes {
			return corrupt("the attributes of inode %d take over %d bytes", x.Ino, maxXattrBytes)
		}
	}
	return nil
}

// checkParents checks that following directories' parents from any of them
// reaches the root: no loops. Each directory is walked once.
func checkParents(list []Inode, inodes map[uint64]*Inode) error {
	const (
		unknown = iota
		walking
		reaches
	)
	state := map[uint64]int{RootIno: reaches}
	var path []uint64
	for i := range list {
		if !list[i].IsDir() {
			continue
		}
		ino := list[i].Ino
		path = path[:0]
		cur := ino
		for state[cur] == unknown {
			state[cur] = walking
			path = append(path, cur)
			cur = inodes[cur].Parent // a directory's parent is a directory: entries were checked
		}
		if state[cur] == walking {
			return corrupt("the parents of directory %d loop through %d, never reaching the root", ino, cur)
		}
		for _, p := range path {
			state[p] = reaches
		}
	}
	return nil
}
