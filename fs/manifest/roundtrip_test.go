package manifest_test

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// TestPublishedBusyTreeLoads: a busy encrypted tree, uploaded by the real
// uploader to a local network (large files cut into encrypted chunks,
// small files packed, a public directory's files packed in the clear),
// with hard links, moves, a replacing rename, attributes, a symlink, a
// fifo and a removed open file, is published, fetched back with its
// identity, passes the validation of Decode and Load, loads to the same
// tree, and its files read back through the loaded chunks.
func TestPublishedBusyTreeLoads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := embedded.Start(ctx, embedded.Config{Dir: t.TempDir(), Nodes: 4, NShards: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	owner := chain.Address{0x79}
	blobs := n.Client(owner, client.Options{})
	keys, _, err := crypt.CreateKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := openMeta(t)
	files := cache.Files{Dir: t.TempDir()}
	up := cache.NewUploader(m, m.Book(), files, blobs, cache.UploaderOptions{ChunkSize: 64 << 10, NShards: 10, Epochs: 5,
		Seal: keys.Seal, Sum: keys.Sum, MinBackoff: 10 * time.Millisecond})
	upCtx, stopUp := context.WithCancel(ctx)
	defer stopUp()
	go up.Run(upCtx, nil)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mk := func(parent uint64, name string, tmpl meta.Inode) *meta.Inode {
		t.Helper()
		in, err := m.Create(parent, name, tmpl)
		must(err)
		return in
	}
	content := map[string][]byte{}
	// write gives a file content, as close does: data file, size, queue.
	write := func(in *meta.Inode, path string, data []byte) {
		t.Helper()
		must(os.WriteFile(files.Path(in.Ino), data, 0o600))
		_, err := m.Update(in.Ino, func(x *meta.Inode) error {
			x.Version++
			x.Size, x.Local = uint64(len(data)), true
			return nil
		})
		must(err)
		_, err = m.Enqueue(in.Ino, path)
		must(err)
		up.Queued(in.Ino) // as the file system's close does: the uploader reads the queue whole only at start
		content[path] = data
	}
	pattern := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i*7+i/251)
		}
		return b
	}
	file := meta.Inode{Mode: syscall.S_IFREG | 0o644}
	dir := meta.Inode{Mode: syscall.S_IFDIR | 0o755}

	docs := mk(meta.RootIno, "docs", dir)
	pub := mk(meta.RootIno, "pub", meta.Inode{Mode: syscall.S_IFDIR | 0o755, Public: true})
	tmp := mk(meta.RootIno, "tmp", dir)
	sub := mk(tmp.Ino, "sub", dir)
	big := mk(docs.Ino, "big", file)
	write(big, "docs/big", pattern(150<<10, 1)) // 3 encrypted chunks
	for i, name := range []string{"s1", "s2", "s3"} {
		write(mk(docs.Ino, name, file), "docs/"+name, pattern(100+i*50, byte(10+i))) // one encrypted pack
	}
	for i, name := range []string{"p1", "p2"} {
		write(mk(pub.Ino, name, meta.Inode{Mode: syscall.S_IFREG | 0o644, Public: true}), "pub/"+name, pattern(70+i, byte(20+i))) // a clear pack
	}
	mk(meta.RootIno, "empty", file)
	mk(meta.RootIno, "ln", meta.Inode{Mode: syscall.S_IFLNK | 0o777, Target: "docs/big"})
	mk(docs.Ino, "fifo", meta.Inode{Mode: syscall.S_IFIFO | 0o600})
	_, err = m.Link(big.Ino, pub.Ino, "big-link")
	must(err)
	must(m.SetXattr(big.Ino, "user.mime", []byte("application/octet-stream"), 0))
	must(m.SetXattr(docs.Ino, "user.note", []byte("a directory's"), 0))
	_, err = m.Rename(tmp.Ino, "sub", docs.Ino, "moved", 0)
	must(err)
	mk(sub.Ino, "inside", dir)
	_, err = m.Rename(docs.Ino, "s3", docs.Ino, "s1", 0) // s3 replaces s1
	must(err)
	content["docs/s1"] = content["docs/s3"]
	gone := mk(meta.RootIno, "open", file)
	write(gone, "open", []byte("removed while open"))
	_, err = m.Remove(meta.RootIno, "open", false)
	must(err)

	if err := up.Drain(ctx, nil); err != nil {
		t.Fatal(err)
	}
	p := &manifest.Publisher{Meta: m, Blobs: blobs, Chain: n.Chain(owner), Owner: owner, Name: "busy", Epochs: 5, Seal: keys.Seal}
	if err := p.PublishNow(ctx); err != nil {
		t.Fatal(err)
	}
	id := mustParse(t, p.Status().Published.Manifest)
	if _, err := manifest.Fetch(ctx, blobs, id, nil); err == nil {
		t.Fatal("an encrypted manifest fetched without its identity")
	}
	ids := []age.Identity{keys.Identity}
	tree, err := manifest.Fetch(ctx, blobs, id, ids)
	if err != nil {
		t.Fatalf("fetch the busy tree's manifest: %v", err)
	}
	// The tree holds each kind of chunk this test means to cover: a file
	// of several encrypted chunks, and blobs holding several files'
	// chunks, encrypted and clear.
	perBlob := map[encoding.BlobID][]meta.Chunk{}
	for _, in := range tree.Inodes {
		if in.Ino == big.Ino && len(in.Chunks) != 3 {
			t.Fatalf("the large file has %d chunks, want 3", len(in.Chunks))
		}
		for _, c := range in.Chunks {
			perBlob[c.Blob] = append(perBlob[c.Blob], c)
		}
	}
	var encPacks, clearPacks int
	for _, cs := range perBlob {
		if len(cs) >= 2 && cs[0].Encrypted() {
			encPacks++
		}
		if len(cs) >= 2 && !cs[0].Encrypted() {
			clearPacks++
		}
	}
	if encPacks != 1 || clearPacks != 1 {
		t.Fatalf("%d encrypted and %d clear blobs of several files, want one each", encPacks, clearPacks)
	}

	m2 := openMeta(t)
	if err := m2.Load(tree); err != nil {
		t.Fatalf("load of the published busy tree: %v", err)
	}
	want, err := m.Dump()
	if err != nil {
		t.Fatal(err)
	}
	got, err := m2.Dump()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the loaded tree differs:\n%+v\nwant\n%+v", got, want)
	}

	// Files read back through the loaded tree's chunks.
	rd := cache.NewReader(blobs, cache.ReaderOptions{Window: 64 << 10, Identities: ids})
	for path, data := range content {
		if path == "open" || path == "docs/s3" {
			continue
		}
		in, err := lookupPath(m2, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		buf := make([]byte, in.Size)
		if _, err := rd.ReadAt(ctx, in.Chunks, buf, 0); err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if !bytes.Equal(buf, data) {
			t.Fatalf("%s reads back other content", path)
		}
	}
}

func lookupPath(m *meta.Store, path string) (*meta.Inode, error) {
	ino := meta.RootIno
	var in *meta.Inode
	for _, name := range bytes.Split([]byte(path), []byte("/")) {
		var err error
		if in, err = m.Lookup(ino, string(name)); err != nil {
			return nil, err
		}
		ino = in.Ino
	}
	return in, nil
}
