package ledger_test

import (
	"context"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// Each test here breaks one Move rule at a time and expects its sentinel,
// with no event emitted; then it shows the same call passing once the rule
// holds, so that the rejection came from that rule.

func TestReserveRules(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a := h.as(alice)
		h.rejects(t, chain.ErrInvalidArgument, "0 bytes", func(ctx context.Context) error {
			_, err := a.ReserveStorage(ctx, 0, 1)
			return err
		})
		h.rejects(t, chain.ErrInvalidArgument, "0 epochs", func(ctx context.Context) error {
			_, err := a.ReserveStorage(ctx, 1, 0)
			return err
		})
		h.rejects(t, chain.ErrInvalidArgument, "too many epochs", func(ctx context.Context) error {
			_, err := a.ReserveStorage(ctx, 1, 54)
			return err
		})
		if _, err := a.ReserveStorage(testContext(t), 1, 53); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRegisterRules(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		ctx := testContext(t)
		a := h.as(alice)
		const size = 5000
		id, root := ledgertest.Blob(size, "register")
		need := ledgertest.EncodedLength(t, testShards, size)
		st, err := a.ReserveStorage(ctx, need, 2)
		if err != nil {
			t.Fatal(err)
		}
		register := func(c chain.Chain, storage chain.ObjectID, id encoding.BlobID, size uint64, typ byte) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := c.RegisterBlob(ctx, storage, id, root, size, typ, false)
				return err
			}
		}
		other, _ := ledgertest.Blob(size, "another")
		h.rejects(t, chain.ErrInvalidBlobID, "wrong blob ID", register(a, st.ID, other, size, encoding.EncodingRS2))
		h.rejects(t, chain.ErrInvalidBlobID, "wrong size", register(a, st.ID, id, size+1, encoding.EncodingRS2))
		h.rejects(t, chain.ErrInvalidArgument, "RaptorQ", register(a, st.ID, encoding.DeriveBlobID(0, size, root), size, 0))
		h.rejects(t, chain.ErrNotFound, "no such storage", register(a, chain.ObjectID{1}, id, size, encoding.EncodingRS2))
		h.rejects(t, chain.ErrNotOwner, "Bob's use of Alice's storage", register(h.as(bob), st.ID, id, size, encoding.EncodingRS2))

		small, err := a.ReserveStorage(ctx, need-1, 2)
		if err != nil {
			t.Fatal(err)
		}
		h.rejects(t, chain.ErrStorageTooSmall, "storage 1 byte short", register(a, small.ID, id, size, encoding.EncodingRS2))
		max, _ := encoding.MaxBlobSize(testShards)
		huge, hugeRoot := ledgertest.Blob(max+1, "huge")
		h.rejects(t, chain.ErrInvalidArgument, "blob too large to encode", func(ctx context.Context) error {
			_, err := a.RegisterBlob(ctx, st.ID, huge, hugeRoot, max+1, encoding.EncodingRS2, false)
			return err
		})

		short, err := a.ReserveStorage(ctx, need, 1)
		if err != nil {
			t.Fatal(err)
		}
		h.advance(t, 1)
		h.rejects(t, chain.ErrStorageExpired, "storage of epoch 0 in epoch 1", register(a, short.ID, id, size, encoding.EncodingRS2))

		// The storage survived every failed attempt.
		if err := register(a, st.ID, id, size, encoding.EncodingRS2)(ctx); err != nil {
			t.Fatal(err)
		}
		h.rejects(t, chain.ErrNotFound, "storage used twice", register(a, st.ID, id, size, encoding.EncodingRS2))
	})
}

func TestCertifyRules(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a := h.as(alice)
		perm := h.store(t, a, 3000, "certify", 3, false)
		del := h.store(t, a, 3000, "certify", 3, true)
		quorum := h.com.Quorum()
		certify := func(c chain.Chain, b chain.Blob, cert messages.Certificate) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := c.CertifyBlob(ctx, b.ID, cert)
				return err
			}
		}
		confirm := func(signers []int, conf messages.StorageConfirmation) messages.Certificate {
			return h.com.Confirm(t, signers, conf)
		}
		good := confirmation(perm, 0)

		if w := h.com.Weight([]int{0, 1, 2}); w != 8 {
			t.Fatalf("weight of members 0-2 is %d", w)
		}
		h.rejects(t, chain.ErrInvalidCertificate, "8 of 12 shards", certify(a, perm, confirm([]int{0, 1, 2}, good)))
		h.rejects(t, chain.ErrInvalidCertificate, "3 members holding 6 shards", certify(a, perm, confirm([]int{2, 3, 4}, good)))
		h.rejects(t, chain.ErrInvalidCertificate, "next epoch", certify(a, perm, confirm(quorum, confirmation(perm, 1))))
		h.rejects(t, chain.ErrInvalidCertificate, "another blob", certify(a, perm, confirm(quorum, messages.StorageConfirmation{BlobID: encoding.BlobID{9}})))
		h.rejects(t, chain.ErrInvalidCertificate, "deletable confirmation for a permanent blob", certify(a, perm, confirm(quorum, messages.StorageConfirmation{BlobID: perm.BlobID, Deletable: true, ObjectID: perm.ID})))
		h.rejects(t, chain.ErrInvalidCertificate, "permanent confirmation for a deletable blob", certify(a, del, confirm(quorum, messages.StorageConfirmation{BlobID: del.BlobID})))
		h.rejects(t, chain.ErrInvalidCertificate, "confirmation for another deletable object", certify(a, del, confirm(quorum, messages.StorageConfirmation{BlobID: del.BlobID, Deletable: true, ObjectID: perm.ID})))

		relabelled := confirm([]int{0, 1, 2, 3}, good)
		relabelled.Signers = []int{1, 2, 3, 4} // weight 9, but other keys signed
		h.rejects(t, chain.ErrInvalidCertificate, "signature by other members", certify(a, perm, relabelled))
		unordered := confirm(quorum, good)
		unordered.Signers = []int{1, 0, 2, 3}
		h.rejects(t, chain.ErrInvalidCertificate, "signers out of order", certify(a, perm, unordered))
		outside := confirm(quorum, good)
		outside.Signers = append(outside.Signers[:3:3], testNodes)
		h.rejects(t, chain.ErrInvalidCertificate, "signer outside the committee", certify(a, perm, outside))
		h.rejects(t, chain.ErrInvalidCertificate, "invalid-blob message", certify(a, perm, h.com.Sign(t, quorum, messages.InvalidBlobID{BlobID: perm.BlobID}.Marshal())))
		garbage := confirm(quorum, good)
		garbage.Signature[5] ^= 0xff
		h.rejects(t, chain.ErrInvalidCertificate, "malformed signature", certify(a, perm, garbage))

		h.rejects(t, chain.ErrNotOwner, "Bob certifying Alice's blob", certify(h.as(bob), perm, confirm(quorum, good)))
		h.rejects(t, chain.ErrNotFound, "no such blob", certify(a, chain.Blob{ID: chain.ObjectID{7}}, confirm(quorum, good)))

		if _, err := a.CertifyBlob(testContext(t), perm.ID, confirm(quorum, good)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CertifyBlob(testContext(t), del.ID, confirm(h.com.Quorum(), confirmation(del, 0))); err != nil {
			t.Fatal(err)
		}
		h.rejects(t, chain.ErrAlreadyCertified, "certified twice", certify(a, perm, confirm(quorum, good)))

		// A certificate of an epoch that has passed.
		late := h.store(t, a, 3000, "late", 3, false)
		old := confirm(quorum, confirmation(late, 0))
		short := h.store(t, a, 3000, "short", 1, false)
		h.advance(t, 1)
		h.rejects(t, chain.ErrInvalidCertificate, "certificate of the previous epoch", certify(a, late, old))
		h.rejects(t, chain.ErrExpired, "blob whose storage ended", certify(a, short, confirm(quorum, confirmation(short, 1))))
		if _, err := a.CertifyBlob(testContext(t), late.ID, confirm(quorum, confirmation(late, 1))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDeleteAndExtendRules(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		a := h.as(alice)
		perm := h.certify(t, a, h.store(t, a, 100, "manage", 2, false))
		del := h.store(t, a, 100, "manage", 2, true)
		short := h.certify(t, a, h.store(t, a, 100, "short", 1, true))
		deleteBlob := func(c chain.Chain, b chain.Blob) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := c.DeleteBlob(ctx, b.ID)
				return err
			}
		}
		extend := func(c chain.Chain, b chain.Blob, epochs uint32) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := c.ExtendBlob(ctx, b.ID, epochs)
				return err
			}
		}
		h.rejects(t, chain.ErrNotDeletable, "deleting a permanent blob", deleteBlob(a, perm))
		h.rejects(t, chain.ErrNotOwner, "Bob deleting Alice's blob", deleteBlob(h.as(bob), del))
		h.rejects(t, chain.ErrNotFound, "deleting nothing", deleteBlob(a, chain.Blob{ID: chain.ObjectID{3}}))

		h.rejects(t, chain.ErrInvalidArgument, "extending an uncertified blob", extend(a, del, 1))
		h.rejects(t, chain.ErrInvalidArgument, "extending by 0", extend(a, perm, 0))
		h.rejects(t, chain.ErrInvalidArgument, "extending past max epochs ahead", extend(a, perm, 52))
		h.rejects(t, chain.ErrNotOwner, "Bob extending Alice's blob", extend(h.as(bob), perm, 1))
		if err := extend(a, perm, 51)(testContext(t)); err != nil {
			t.Fatalf("extend to 53 epochs ahead: %v", err)
		}

		h.advance(t, 1)
		h.rejects(t, chain.ErrExpired, "deleting an expired blob", deleteBlob(a, short))
		h.rejects(t, chain.ErrExpired, "extending an expired blob", extend(a, short, 1))
		if err := deleteBlob(a, del)(testContext(t)); err != nil {
			t.Fatalf("delete an uncertified deletable blob: %v", err)
		}
	})
}

func TestInvalidateRules(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		ctx := testContext(t)
		a := h.as(alice)
		registered := h.store(t, a, 700, "invalid", 3, false)
		id := registered.BlobID
		msg := messages.InvalidBlobID{BlobID: id}.Marshal()
		invalidate := func(cert messages.Certificate) func(context.Context) error {
			return func(ctx context.Context) error { return h.as(bob).InvalidateBlobID(ctx, cert) }
		}
		if w := h.com.Weight([]int{2, 3}); w != 4 {
			t.Fatalf("weight of members 2, 3 is %d", w)
		}
		h.rejects(t, chain.ErrInvalidCertificate, "4 of 12 shards", invalidate(h.com.Sign(t, []int{2, 3}, msg)))
		h.rejects(t, chain.ErrInvalidCertificate, "next epoch", invalidate(h.com.Sign(t, []int{0, 2}, messages.InvalidBlobID{Epoch: 1, BlobID: id}.Marshal())))
		h.rejects(t, chain.ErrInvalidCertificate, "a storage confirmation", invalidate(h.com.Confirm(t, []int{0, 1, 2, 3}, confirmation(registered, 0))))

		before := h.l.NextCursor()
		if err := invalidate(h.com.Sign(t, []int{0, 2}, msg))(ctx); err != nil {
			t.Fatalf("invalidate with 5 of 12 shards: %v", err)
		}
		evs := readEvents(t, a, before, h.l.NextCursor())
		if len(evs) != 1 || evs[0].Kind != chain.EventInvalidBlobID || evs[0].BlobID != id || evs[0].Epoch != 0 {
			t.Fatalf("events %+v", evs)
		}
		if st := h.status(t, id); st.Invalid == nil || *st.Invalid != evs[0].ID || !st.Exists {
			t.Fatalf("status %+v", st)
		}
		h.rejects(t, chain.ErrBlobInvalid, "invalidated twice", invalidate(h.com.Sign(t, []int{0, 2}, msg)))
		h.rejects(t, chain.ErrBlobInvalid, "certifying an invalid blob", func(ctx context.Context) error {
			_, err := a.CertifyBlob(ctx, registered.ID, h.com.Confirm(t, h.com.Quorum(), confirmation(registered, 0)))
			return err
		})
		h.rejects(t, chain.ErrBlobInvalid, "registering an invalid blob", func(ctx context.Context) error {
			_, root := ledgertest.Blob(700, "invalid")
			st, err := a.ReserveStorage(ctx, ledgertest.EncodedLength(t, testShards, 700), 1)
			if err != nil {
				return err
			}
			_, err = a.RegisterBlob(ctx, st.ID, id, root, 700, encoding.EncodingRS2, false)
			return err
		})
	})
}
