package ledger

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// prepareReserve buys storage for [current epoch, current + epochs). Storage
// is free: the ledger keeps no coins.
func (s *state) prepareReserve(t *txn) (commitFunc, error) {
	in := t.rec.Reserve
	if in.Size == 0 {
		return nil, fmt.Errorf("%w: storage of 0 bytes", chain.ErrInvalidArgument)
	}
	if in.Epochs == 0 || in.Epochs > s.maxEpochsAhead {
		return nil, fmt.Errorf("%w: %d epochs ahead, allowed 1 to %d", chain.ErrInvalidArgument, in.Epochs, s.maxEpochsAhead)
	}
	return func() result {
		st := chain.Storage{ID: t.newObjectID(), StartEpoch: s.epoch, EndEpoch: s.epoch + in.Epochs, Size: in.Size}
		s.storages[st.ID] = &storageObject{Storage: st, owner: t.sender}
		return result{storage: st}
	}, nil
}

// prepareRegister registers a blob against a storage resource of the
// sender's, which it consumes, as Move's register_blob does.
func (s *state) prepareRegister(t *txn) (commitFunc, error) {
	in := t.rec.Register
	st, ok := s.storages[chain.ObjectID(in.Storage)]
	if !ok {
		return nil, fmt.Errorf("%w: no storage resource %s", chain.ErrNotFound, in.Storage)
	}
	if st.owner != t.sender {
		return nil, fmt.Errorf("%w: storage resource %s belongs to %s", chain.ErrNotOwner, in.Storage, FormatAddress(st.owner))
	}
	if in.EncodingType != encoding.EncodingRS2 {
		return nil, fmt.Errorf("%w: encoding type %d, only RS2 (%d) is supported", chain.ErrInvalidArgument, in.EncodingType, encoding.EncodingRS2)
	}
	if want := encoding.DeriveBlobID(in.EncodingType, in.Size, in.Root); want != in.BlobID {
		return nil, fmt.Errorf("%w: blob ID %s, root hash and size give %s", chain.ErrInvalidBlobID, in.BlobID, want)
	}
	if ev, ok := s.invalid[in.BlobID]; ok {
		return nil, fmt.Errorf("%w: %s, in transaction %s", chain.ErrBlobInvalid, in.BlobID, ev.TxDigest)
	}
	if st.StartEpoch > s.epoch || s.expired(st.EndEpoch) {
		return nil, fmt.Errorf("%w: storage %s covers epochs [%d, %d), current epoch is %d", chain.ErrStorageExpired, in.Storage, st.StartEpoch, st.EndEpoch, s.epoch)
	}
	p, err := encoding.NewParams(s.nShards, in.Size)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", chain.ErrInvalidArgument, err)
	}
	if need := p.EncodedLength(); need > st.Size {
		return nil, fmt.Errorf("%w: %d bytes encode to %d, storage %s holds %d", chain.ErrStorageTooSmall, in.Size, need, in.Storage, st.Size)
	}
	return func() result {
		delete(s.storages, st.ID)
		b := &blobObject{Blob: chain.Blob{
			ID:              t.newObjectID(),
			Owner:           t.sender,
			RegisteredEpoch: s.epoch,
			BlobID:          in.BlobID,
			Size:            in.Size,
			EncodingType:    in.EncodingType,
			Storage:         st.Storage,
			Deletable:       in.Deletable,
		}}
		b.statusEvent = s.emit(t, chain.Event{
			Kind:         chain.EventBlobRegistered,
			Epoch:        s.epoch,
			BlobID:       b.BlobID,
			Size:         b.Size,
			EncodingType: b.EncodingType,
			EndEpoch:     b.Storage.EndEpoch,
			Deletable:    b.Deletable,
			ObjectID:     b.ID,
		})
		s.addBlob(b)
		return result{blob: b.Blob}
	}, nil
}
