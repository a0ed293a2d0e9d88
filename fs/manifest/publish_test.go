package manifest_test

import (
	"context"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/fs/manifest"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/localnet"
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
	n, err := localnet.Start(ctx, localnet.Config{Dir: t.TempDir(), Nodes: 4, NShards: 10})
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
	published, err := a.Published()
	if err != nil {
		t.Fatal(err)
	}
	stale := *published
	stale.Version, stale.Hash = 2, nil
	if err := a.SetPublished(&stale); err != nil {
		t.Fatal(err)
	}
	if err := pub(a).PublishNow(ctx); err != nil {
		t.Fatalf("publish after the local note was lost: %v", err)
	}
	if rec, _ = ch.FsRecord(ctx, owner, "home"); rec.Version != 3 {
		t.Fatalf("record version %d after republishing the same tree, want 3 still", rec.Version)
	}
	if now, _ := a.Published(); now.Version != 3 {
		t.Fatalf("local note at version %d, want 3", now.Version)
	}
}
