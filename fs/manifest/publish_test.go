package manifest_test

import (
	"context"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

func openMeta(t *testing.T) *meta.Store {
	t.Helper()
	m, err := meta.Open(t.TempDir(), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestPublishResolvesConflicts: two machines with the same account publish
// the same tree name in turn; each finds the record moved on and publishes
// on top of it rather than failing forever, and a machine whose local note
// of the last publish was lost takes the chain's record as it is.
func TestPublishResolvesConflicts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := embedded.Start(ctx, embedded.Config{Dir: t.TempDir(), Nodes: 4, NShards: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	owner := chain.Address{0x77}
	ch := n.Chain(owner)
	blobs := n.Client(owner, client.Options{})
	pub := func(m *meta.Store) *manifest.Publisher {
		return &manifest.Publisher{Meta: m, Blobs: blobs, Chain: ch, Owner: owner, Name: "home", Epochs: 5}
	}
	a, b := openMeta(t), openMeta(t)
	mkfile := func(m *meta.Store, name string) {
		if _, err := m.Create(meta.RootIno, name, meta.Inode{Mode: 0o100644}); err != nil {
			t.Fatal(err)
		}
	}
	mkfile(a, "from-a")
	if err := pub(a).PublishNow(ctx); err != nil {
		t.Fatal(err)
	}
	mkfile(b, "from-b")
	if err := pub(b).PublishNow(ctx); err != nil {
		t.Fatalf("the second machine's first publish: %v", err)
	}
	rec, err := ch.FsRecord(ctx, owner, "home")
	if err != nil || rec.Version != 2 {
		t.Fatalf("record %+v (%v), want version 2 from the second machine", rec, err)
	}
	mkfile(a, "again")
	if err := pub(a).PublishNow(ctx); err != nil {
		t.Fatalf("the first machine publishing after the second: %v", err)
	}
	if rec, _ = ch.FsRecord(ctx, owner, "home"); rec.Version != 3 {
		t.Fatalf("record version %d, want 3", rec.Version)
	}

	// The first machine loses its note of the last publish: its next
	// publish of the same tree finds its own manifest recorded.
	published, err := a.Book().Published()
	if err != nil {
		t.Fatal(err)
	}
	stale := *published
	stale.Version, stale.Hash = 2, nil
	if err := a.Book().SetPublished(&stale); err != nil {
		t.Fatal(err)
	}
	if err := pub(a).PublishNow(ctx); err != nil {
		t.Fatalf("publish after the local note was lost: %v", err)
	}
	if rec, _ = ch.FsRecord(ctx, owner, "home"); rec.Version != 3 {
		t.Fatalf("record version %d after republishing the same tree, want 3 still", rec.Version)
	}
	if now, _ := a.Book().Published(); now.Version != 3 {
		t.Fatalf("local note at version %d, want 3", now.Version)
	}
}

// TestPublishDoesNotWaitForStuckFiles: a file whose upload has not
// certified does not hold back the manifest: it goes in at its last
// certified content (or not at all, never certified), and the status says
// how many files wait.
func TestPublishDoesNotWaitForStuckFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := embedded.Start(ctx, embedded.Config{Dir: t.TempDir(), Nodes: 4, NShards: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	owner := chain.Address{0x78}
	blobs := n.Client(owner, client.Options{})
	m := openMeta(t)
	p := &manifest.Publisher{Meta: m, Blobs: blobs, Chain: n.Chain(owner), Owner: owner, Name: "home", Epochs: 5}

	// "old": certified once with content "v1", then written again and stuck.
	res, err := blobs.Store(ctx, []byte("v1"), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	old, err := m.Create(meta.RootIno, "old", meta.Inode{Mode: 0o100644})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update(old.Ino, func(x *meta.Inode) error { x.Version, x.Size = 1, 2; return nil }); err != nil {
		t.Fatal(err)
	}
	e, err := m.Enqueue(old.Ino, "old")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.Certified(old.Ino, e.Version, []meta.Chunk{{Blob: res.BlobID, Size: 2}}, [][32]byte{{1}}); !ok || err != nil {
		t.Fatalf("certify: %v %v", ok, err)
	}
	if _, err := m.Update(old.Ino, func(x *meta.Inode) error { x.Version, x.Size, x.Local = 2, 5, true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Enqueue(old.Ino, "old"); err != nil {
		t.Fatal(err)
	}
	// "new": written, never certified.
	fresh, err := m.Create(meta.RootIno, "new", meta.Inode{Mode: 0o100644})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update(fresh.Ino, func(x *meta.Inode) error { x.Version, x.Size, x.Local = 1, 3, true; return nil }); err != nil {
		t.Fatal(err)
	}

	if err := p.PublishNow(ctx); err != nil {
		t.Fatalf("publish with files waiting: %v", err)
	}
	if st := p.Status(); st.Published == nil || st.Behind != 2 {
		t.Fatalf("status %+v: want a manifest published with 2 files behind", st)
	}
	tree, err := manifest.Fetch(ctx, blobs, mustParse(t, p.Status().Published.Manifest), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range tree.Entries {
		names = append(names, e.Name)
	}
	if len(tree.Entries) != 1 || tree.Entries[0].Name != "old" {
		t.Fatalf("manifest entries %v, want only the once-certified file", names)
	}
	for _, in := range tree.Inodes {
		if in.Ino == old.Ino && (in.Size != 2 || in.Version != 1 || len(in.Chunks) != 1) {
			t.Fatalf("the waiting file is in the manifest as %+v, want its certified version 1 of 2 bytes", in)
		}
	}
}

func mustParse(t *testing.T, s string) encoding.BlobID {
	t.Helper()
	id, err := encoding.ParseBlobID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
