package ledger_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestLifecycle walks blobs through their whole life: reserve, register,
// certify with real BLS certificates, a deletable copy under another
// account, extension, deletion with storage reuse, and expiry as epochs pass.
func TestLifecycle(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		ctx := testContext(t)
		a, b := h.as(alice), h.as(bob)

		com, err := a.Committee(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if com.Epoch != 0 || com.NShards != testShards || len(com.Members) != testNodes {
			t.Fatalf("committee: epoch %d, %d shards, %d members", com.Epoch, com.NShards, len(com.Members))
		}
		for i, m := range com.Members {
			want := h.com.Nodes[i].Node
			if m.PublicKey != want.PublicKey || !slices.Equal(m.Shards, want.Shards) || m.Name != want.Name || m.ID == (chain.ObjectID{}) {
				t.Fatalf("member %d: %+v, registered %+v", i, m, want)
			}
		}

		// Alice stores a permanent blob.
		const size = 10_000
		id, root := ledgertest.Blob(size, "lifecycle")
		need := ledgertest.EncodedLength(t, testShards, size)
		st, err := a.ReserveStorage(ctx, need, 3)
		if err != nil {
			t.Fatal(err)
		}
		if st.StartEpoch != 0 || st.EndEpoch != 3 || st.Size != need {
			t.Fatalf("storage %+v", st)
		}
		perm, err := a.RegisterBlob(ctx, st.ID, id, root, size, encoding.EncodingRS2, false)
		if err != nil {
			t.Fatal(err)
		}
		if perm.Owner != alice || perm.BlobID != id || perm.Storage != st || perm.CertifiedEpoch != nil || perm.Deletable || perm.ID == st.ID {
			t.Fatalf("registered %+v", perm)
		}
		if got := h.status(t, id); !got.Exists || got.Permanent == nil || got.Permanent.IsCertified || got.Permanent.EndEpoch != 3 || got.InitialCertifiedEpoch != nil {
			t.Fatalf("status after register: %+v", got)
		}
		perm = h.certify(t, a, perm)
		if perm.CertifiedEpoch == nil || *perm.CertifiedEpoch != 0 {
			t.Fatalf("certified %+v", perm)
		}
		if got, err := a.Blob(ctx, perm.ID); err != nil || !reflect.DeepEqual(got, perm) {
			t.Fatalf("blob object: %+v, %v; want %+v", got, err, perm)
		}
		certEvent := h.allEvents(t)[1]
		want := chain.BlobStatus{Exists: true, Permanent: &chain.PermanentStatus{EndEpoch: 3, IsCertified: true, StatusEvent: certEvent.ID}, InitialCertifiedEpoch: epochPtr(0)}
		if got := h.status(t, id); !reflect.DeepEqual(got, want) {
			t.Fatalf("status after certify: %+v, want %+v", got, want)
		}

		// Bob stores the same blob as a deletable object.
		del := h.certify(t, b, h.store(t, b, size, "lifecycle", 3, true))
		if got := h.status(t, id); got.DeletableTotal != 1 || got.DeletableCertified != 1 || !got.Permanent.IsCertified {
			t.Fatalf("status with deletable copy: %+v", got)
		}

		// Alice extends hers; Bob deletes his and reuses the storage.
		ext, err := a.ExtendBlob(ctx, perm.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if ext.Storage.EndEpoch != 5 || ext.Storage.ID != st.ID {
			t.Fatalf("extended %+v", ext)
		}
		back, err := b.DeleteBlob(ctx, del.ID)
		if err != nil {
			t.Fatal(err)
		}
		if back != del.Storage {
			t.Fatalf("delete returned %+v, blob had %+v", back, del.Storage)
		}
		if _, err := b.Blob(ctx, del.ID); !errors.Is(err, chain.ErrNotFound) {
			t.Fatalf("deleted blob: %v", err)
		}
		if got := h.status(t, id); got.DeletableTotal != 0 || got.Permanent.EndEpoch != 5 {
			t.Fatalf("status after delete: %+v", got)
		}
		again, err := b.RegisterBlob(ctx, back.ID, id, root, size, encoding.EncodingRS2, true)
		if err != nil {
			t.Fatalf("register on returned storage: %v", err)
		}
		if got := h.status(t, id); got.DeletableTotal != 1 || got.DeletableCertified != 0 {
			t.Fatalf("status after reuse: %+v", got)
		}

		// Epochs pass: Bob's copy (end 3) expires, then Alice's (end 5).
		h.advance(t, 3)
		if got := h.status(t, id); !got.Exists || got.DeletableTotal != 0 || got.Permanent.EndEpoch != 5 {
			t.Fatalf("status in epoch 3: %+v", got)
		}
		h.advance(t, 2)
		if got := h.status(t, id); !reflect.DeepEqual(got, chain.BlobStatus{}) {
			t.Fatalf("status after expiry: %+v", got)
		}
		if got, err := a.Blob(ctx, perm.ID); err != nil || got.Storage.EndEpoch != 5 {
			t.Fatalf("expired blob object: %+v, %v", got, err)
		}

		// The stream tells the same story.
		evs := h.allEvents(t)
		kinds := []chain.EventKind{
			chain.EventBlobRegistered, chain.EventBlobCertified, // Alice
			chain.EventBlobRegistered, chain.EventBlobCertified, // Bob
			chain.EventBlobCertified, chain.EventBlobDeleted, chain.EventBlobRegistered,
		}
		for range 5 {
			kinds = append(kinds, chain.EventEpochChangeStart, chain.EventEpochChangeDone)
		}
		if len(evs) != len(kinds) {
			t.Fatalf("%d events, want %d: %+v", len(evs), len(kinds), evs)
		}
		seen := map[chain.EventID]bool{}
		for i, e := range evs {
			if e.Kind != kinds[i] || e.Cursor != chain.Cursor(i) || seen[e.ID] || e.ID.TxDigest == "" {
				t.Fatalf("event %d: %+v, want kind %s", i, e, kinds[i])
			}
			seen[e.ID] = true
		}
		if e := evs[0]; e.BlobID != id || e.Size != size || e.EncodingType != encoding.EncodingRS2 || e.EndEpoch != 3 || e.Deletable || e.ObjectID != perm.ID {
			t.Fatalf("BlobRegistered %+v", e)
		}
		if e := evs[3]; !e.Deletable || e.ObjectID != del.ID || e.IsExtension {
			t.Fatalf("deletable BlobCertified %+v", e)
		}
		if e := evs[4]; !e.IsExtension || e.EndEpoch != 5 || e.ObjectID != perm.ID {
			t.Fatalf("extension %+v", e)
		}
		if e := evs[5]; !e.WasCertified || e.ObjectID != del.ID || e.EndEpoch != 3 {
			t.Fatalf("BlobDeleted %+v", e)
		}
		if e := evs[6]; e.ObjectID != again.ID {
			t.Fatalf("re-registration %+v", e)
		}
		// Each change starts with the administrator's transaction and is
		// done with the sync report that made a quorum.
		for i := 7; i < len(evs); i += 2 {
			epoch := chain.Epoch(1 + (i-7)/2)
			if evs[i].Epoch != epoch || evs[i+1].Epoch != epoch || evs[i].ID.TxDigest == evs[i+1].ID.TxDigest {
				t.Fatalf("epoch change events %+v %+v", evs[i], evs[i+1])
			}
		}
	})
}
