package ledger

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// prepareReserve buys storage for [current epoch, current + epochs). Storage
// bought through this record is free; Sui transactions pay for it in WAL.
func (s *state) prepareReserve(t *txn) (commitFunc, error) {
	in := t.rec.Reserve
	if err := s.checkReserve(in.Size, in.Epochs); err != nil {
		return nil, err
	}
	return func() result {
		st := s.newStorage(t, in.Size, in.Epochs)
		s.storages[st.ID] = &storageObject{Storage: st, owner: t.sender, version: s.lamport()}
		return result{storage: st}
	}, nil
}

// checkReserve applies reserve_space's rules.
func (s *state) checkReserve(size uint64, epochs uint32) error {
	if size == 0 {
		return fmt.Errorf("%w: storage of 0 bytes", chain.ErrInvalidArgument)
	}
	if epochs == 0 || epochs > s.maxEpochsAhead {
		return fmt.Errorf("%w: %d epochs ahead, allowed 1 to %d", chain.ErrInvalidArgument, epochs, s.maxEpochsAhead)
	}
	return nil
}

// newStorage makes a storage resource for [current, current + epochs).
func (s *state) newStorage(t *txn, size uint64, epochs uint32) chain.Storage {
	return chain.Storage{ID: t.newObjectID(), StartEpoch: s.epoch, EndEpoch: s.epoch + epochs, Size: size}
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
	if err := s.checkRegister(st.Storage, in); err != nil {
		return nil, err
	}
	return func() result {
		delete(s.storages, st.ID)
		b := s.registerBlob(t, t.sender, st.Storage, in)
		return result{blob: b.Blob}
	}, nil
}

// checkRegister applies register_blob's rules to a blob registered against
// storage st.
func (s *state) checkRegister(st chain.Storage, in *registerTx) error {
	if err := chain.CheckBlobIdentity(in.BlobID, in.Root, in.Size, in.EncodingType); err != nil {
		return err
	}
	if ev, ok := s.invalid[in.BlobID]; ok {
		return fmt.Errorf("%w: %s, in transaction %s", chain.ErrBlobInvalid, in.BlobID, ev.TxDigest)
	}
	if st.StartEpoch > s.epoch || s.expired(st.EndEpoch) {
		return fmt.Errorf("%w: storage %s covers epochs [%d, %d), current epoch is %d", chain.ErrStorageExpired, FormatObjectID(st.ID), st.StartEpoch, st.EndEpoch, s.epoch)
	}
	p, err := encoding.NewParams(s.nShards, in.Size)
	if err != nil {
		return fmt.Errorf("%w: %w", chain.ErrInvalidArgument, err)
	}
	if need := p.EncodedLength(); need > st.Size {
		return fmt.Errorf("%w: %d bytes encode to %d, storage %s holds %d", chain.ErrStorageTooSmall, in.Size, need, FormatObjectID(st.ID), st.Size)
	}
	return nil
}

// registerBlob installs a blob object of owner's on storage st and emits
// BlobRegistered; checkRegister has passed.
func (s *state) registerBlob(t *txn, owner chain.Address, st chain.Storage, in *registerTx) *blobObject {
	b := &blobObject{Blob: chain.Blob{
		ID:              t.newObjectID(),
		Owner:           owner,
		RegisteredEpoch: s.epoch,
		BlobID:          in.BlobID,
		Size:            in.Size,
		EncodingType:    in.EncodingType,
		Storage:         st,
		Deletable:       in.Deletable,
	}, version: s.lamport()}
	b.statusEvent = s.emit(t, registeredEvent(s.epoch, b))
	s.addBlob(b)
	return b
}

// registeredEvent is the BlobRegistered event of a new blob object.
func registeredEvent(epoch chain.Epoch, b *blobObject) chain.Event {
	return chain.Event{
		Kind:         chain.EventBlobRegistered,
		Epoch:        epoch,
		BlobID:       b.BlobID,
		Size:         b.Size,
		EncodingType: b.EncodingType,
		EndEpoch:     b.Storage.EndEpoch,
		Deletable:    b.Deletable,
		ObjectID:     b.ID,
	}
}
