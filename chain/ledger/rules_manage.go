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
	if !b.Deletable {
		return nil, fmt.Errorf("%w: blob object %s is permanent", chain.ErrNotDeletable, in.Blob)
	}
	if s.expired(b.Storage.EndEpoch) {
		return nil, fmt.Errorf("%w: blob object %s ended with epoch %d, current epoch is %d", chain.ErrExpired, in.Blob, b.Storage.EndEpoch, s.epoch)
	}
	return func() result {
		s.removeBlob(b)
		s.emit(t, chain.Event{
			Kind:         chain.EventBlobDeleted,
			Epoch:        s.epoch,
			BlobID:       b.BlobID,
			EndEpoch:     b.Storage.EndEpoch,
			ObjectID:     b.ID,
			WasCertified: b.CertifiedEpoch != nil,
		})
		s.storages[b.Storage.ID] = &storageObject{Storage: b.Storage, owner: t.sender}
		return result{storage: b.Storage}
	}, nil
}

// prepareExtend moves the end epoch of a certified, unexpired blob of the
// sender's later by epochs, as Move's extend_blob does.
func (s *state) prepareExtend(t *txn) (commitFunc, error) {
	in := t.rec.Extend
	b, err := s.ownedBlob(t.sender, chain.ObjectID(in.Blob))
	if err != nil {
		return nil, err
	}
	if s.expired(b.Storage.EndEpoch) {
		return nil, fmt.Errorf("%w: blob object %s ended with epoch %d, current epoch is %d", chain.ErrExpired, in.Blob, b.Storage.EndEpoch, s.epoch)
	}
	if b.CertifiedEpoch == nil {
		return nil, fmt.Errorf("%w: blob object %s is not certified", chain.ErrInvalidArgument, in.Blob)
	}
	end := uint64(b.Storage.EndEpoch) + uint64(in.Epochs)
	if in.Epochs == 0 || end-uint64(s.epoch) > uint64(s.maxEpochsAhead) {
		return nil, fmt.Errorf("%w: extending by %d epochs to end epoch %d, allowed up to %d", chain.ErrInvalidArgument, in.Epochs, end, uint64(s.epoch)+uint64(s.maxEpochsAhead))
	}
	return func() result {
		b.Storage.EndEpoch = chain.Epoch(end)
		b.statusEvent = s.emit(t, chain.Event{
			Kind:        chain.EventBlobCertified,
			Epoch:       s.epoch,
			BlobID:      b.BlobID,
			EndEpoch:    b.Storage.EndEpoch,
			Deletable:   b.Deletable,
			ObjectID:    b.ID,
			IsExtension: true,
		})
		return result{blob: b.cloneBlob()}
	}, nil
}
