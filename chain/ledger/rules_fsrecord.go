package ledger

import (
	"fmt"
	"unicode/utf8"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// MaxFsNameBytes is the longest filesystem record name.
const MaxFsNameBytes = 128

// checkFsName refuses names that PublishManifest could never have stored.
func checkFsName(name string) error {
	if len(name) == 0 || len(name) > MaxFsNameBytes {
		return fmt.Errorf("%w: filesystem name of %d bytes, allowed 1 to %d", chain.ErrInvalidArgument, len(name), MaxFsNameBytes)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: filesystem name %q is not UTF-8", chain.ErrInvalidArgument, name)
	}
	return nil
}

// preparePublish creates or updates the sender's filesystem record, a
// compare and swap on its version so that two writers cannot both build on
// the same version. The manifest must be readable now: a live object of its
// blob ID is certified, and the ID was never marked invalid.
func (s *state) preparePublish(t *txn) (commitFunc, error) {
	in := t.rec.Publish
	if err := checkFsName(in.Name); err != nil {
		return nil, err
	}
	if err := s.checkManifest(in.Manifest); err != nil {
		return nil, err
	}
	key := fsKey{owner: t.sender, name: in.Name}
	cur, exists := s.fs[key]
	if cur.Version != in.PrevVersion {
		// A missing record has version 0, so this also refuses creating one
		// that exists and updating one that does not.
		return nil, fmt.Errorf("%w: filesystem record %q of %s is at version %d, not %d", chain.ErrConflict, in.Name, FormatAddress(t.sender), cur.Version, in.PrevVersion)
	}
	return func() result {
		rec := cur
		if !exists {
			rec = chain.FsRecord{ID: t.newObjectID(), Owner: t.sender, Name: in.Name}
		}
		rec.Manifest = in.Manifest
		rec.Version = in.PrevVersion + 1
		rec.UpdatedEpoch = s.epoch
		s.fs[key] = rec
		return result{fs: rec}
	}, nil
}

// checkManifest accepts a blob ID that a live certified object, permanent
// or deletable, registers.
func (s *state) checkManifest(id encoding.BlobID) error {
	st := s.blobStatus(id)
	if st.Invalid != nil {
		return fmt.Errorf("%w: manifest %s was marked invalid in transaction %s", chain.ErrInvalidArgument, id, st.Invalid.TxDigest)
	}
	if st.DeletableCertified == 0 && (st.Permanent == nil || !st.Permanent.IsCertified) {
		return fmt.Errorf("%w: manifest %s is not certified by any unexpired blob object", chain.ErrInvalidArgument, id)
	}
	return nil
}
