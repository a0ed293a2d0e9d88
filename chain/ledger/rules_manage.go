package ledger

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
)

// prepareDelete deletes a deletable, unexpired blob of the sender's and gives
// its storage back to the sender, as Move's delete_blob does.
func (s *state) prepareDelete(t *txn) (commitFunc, error) {
	in := t.rec.Delete
	b, err := s.ownedBlob(t.sender, chain.ObjectID(in.Blob))
	if err != nil {
		return nil, err
	}
	if err := s.checkDelete(b); err != nil {
		return nil, err
	}
	return func() result {
		s.deleteBlob(t, b)
		s.storages[b.Storage.ID] = &storageObject{Storage: b.Storage, owner: t.sender, version: s.lamport()}
		return result{storage: b.Storage}
	}, nil
}

// checkDelete applies delete_blob's rules.
func (s *state) checkDelete(b *blobObject) error {
	if !b.Deletable {
		return fmt.Errorf("%w: blob object %s is permanent", chain.ErrNotDeletable, FormatObjectID(b.ID))
	}
	if s.expired(b.Storage.EndEpoch) {
		return fmt.Errorf("%w: blob object %s ended with epoch %d, current epoch is %d", chain.ErrExpired, FormatObjectID(b.ID), b.Storage.EndEpoch, s.epoch)
	}
	return nil
}

// deleteBlob removes b and emits BlobDeleted; checkDelete has passed. Its
// storage is the caller's to place.
func (s *state) deleteBlob(t *txn, b *blobObject) {
	s.removeBlob(b)
	s.emit(t, deletedEvent(s.epoch, b))
}

// prepareExtend moves the end epoch of a certified, unexpired blob of the
// sender's later by epochs, as Move's extend_blob does.
func (s *state) prepareExtend(t *txn) (commitFunc, error) {
	in := t.rec.Extend
	b, err := s.ownedBlob(t.sender, chain.ObjectID(in.Blob))
	if err != nil {
		return nil, err
	}
	if err := s.checkExtend(b, in.Epochs); err != nil {
		return nil, err
	}
	return func() result {
		s.extendBlob(t, b, in.Epochs)
		return result{blob: b.cloneBlob()}
	}, nil
}

// checkExtend applies extend_blob's rules.
func (s *state) checkExtend(b *blobObject, epochs uint32) error {
	id := FormatObjectID(b.ID)
	if s.expired(b.Storage.EndEpoch) {
		return fmt.Errorf("%w: blob object %s ended with epoch %d, current epoch is %d", chain.ErrExpired, id, b.Storage.EndEpoch, s.epoch)
	}
	if b.CertifiedEpoch == nil {
		return fmt.Errorf("%w: blob object %s is not certified", chain.ErrInvalidArgument, id)
	}
	end := uint64(b.Storage.EndEpoch) + uint64(epochs)
	if epochs == 0 || end-uint64(s.epoch) > uint64(s.maxEpochsAhead) {
		return fmt.Errorf("%w: extending by %d epochs to end epoch %d, allowed up to %d", chain.ErrInvalidArgument, epochs, end, uint64(s.epoch)+uint64(s.maxEpochsAhead))
	}
	return nil
}

// extendBlob moves b's end epoch and emits BlobCertified as an extension;
// checkExtend has passed.
func (s *state) extendBlob(t *txn, b *blobObject, epochs uint32) {
	b.Storage.EndEpoch += epochs
	b.version = s.lamport()
	b.statusEvent = s.emit(t, certifiedEvent(s.epoch, b, true))
}

// deletedEvent is the BlobDeleted event of a deleted blob object.
func deletedEvent(epoch chain.Epoch, b *blobObject) chain.Event {
	return chain.Event{
		Kind:         chain.EventBlobDeleted,
		Epoch:        epoch,
		BlobID:       b.BlobID,
		EndEpoch:     b.Storage.EndEpoch,
		ObjectID:     b.ID,
		WasCertified: b.CertifiedEpoch != nil,
	}
}
