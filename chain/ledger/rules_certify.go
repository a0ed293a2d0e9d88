package ledger

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// prepareCertify certifies a registered blob of the sender's with a
// certificate over its storage confirmation, as Move's certify_blob does.
func (s *state) prepareCertify(t *txn, sigs sigPolicy) (commitFunc, error) {
	in := t.rec.Certify
	b, err := s.ownedBlob(t.sender, chain.ObjectID(in.Blob))
	if err != nil {
		return nil, err
	}
	cert, err := in.Cert.certificate()
	if err != nil {
		return nil, err
	}
	if err := s.checkCertify(b, cert, sigs); err != nil {
		return nil, err
	}
	return func() result {
		s.certifyBlob(t, b)
		return result{blob: b.cloneBlob()}
	}, nil
}

// checkCertify applies certify_blob's rules.
func (s *state) checkCertify(b *blobObject, cert messages.Certificate, sigs sigPolicy) error {
	id := FormatObjectID(b.ID)
	if ev, ok := s.invalid[b.BlobID]; ok {
		return fmt.Errorf("%w: %s, in transaction %s", chain.ErrBlobInvalid, b.BlobID, ev.TxDigest)
	}
	if b.CertifiedEpoch != nil {
		return fmt.Errorf("%w: blob object %s in epoch %d", chain.ErrAlreadyCertified, id, *b.CertifiedEpoch)
	}
	if s.expired(b.Storage.EndEpoch) {
		return fmt.Errorf("%w: blob object %s ended with epoch %d, current epoch is %d", chain.ErrExpired, id, b.Storage.EndEpoch, s.epoch)
	}
	conf, err := messages.ParseStorageConfirmation(cert.Message)
	if err != nil {
		return fmt.Errorf("%w: %w", chain.ErrInvalidCertificate, err)
	}
	switch {
	case conf.Epoch != s.epoch:
		return fmt.Errorf("%w: confirmation of epoch %d, current epoch is %d", chain.ErrInvalidCertificate, conf.Epoch, s.epoch)
	case conf.BlobID != b.BlobID:
		return fmt.Errorf("%w: confirmation of blob ID %s, blob object %s has %s", chain.ErrInvalidCertificate, conf.BlobID, id, b.BlobID)
	case conf.Deletable != b.Deletable:
		return fmt.Errorf("%w: confirmation for deletable=%t, blob object %s has deletable=%t", chain.ErrInvalidCertificate, conf.Deletable, id, b.Deletable)
	case conf.Deletable && conf.ObjectID != b.ID:
		return fmt.Errorf("%w: confirmation for blob object %s, not %s", chain.ErrInvalidCertificate, FormatObjectID(conf.ObjectID), id)
	}
	return s.checkCertificate(cert, sigs, s.committee.IsQuorum, "a quorum needs 3·w ≥ 2·n+1")
}

// certifyBlob marks b certified in the current epoch and emits
// BlobCertified; checkCertify has passed.
func (s *state) certifyBlob(t *txn, b *blobObject) {
	epoch := s.epoch
	b.CertifiedEpoch = &epoch
	b.version = s.lamport()
	b.statusEvent = s.emit(t, certifiedEvent(s.epoch, b, false))
}

// prepareInvalidate marks a blob ID invalid with a certificate of validity
// weight over an InvalidBlobID message. Anyone may send it.
func (s *state) prepareInvalidate(t *txn, sigs sigPolicy) (commitFunc, error) {
	cert, err := t.rec.Invalidate.Cert.certificate()
	if err != nil {
		return nil, err
	}
	m, err := messages.ParseInvalidBlobID(cert.Message)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", chain.ErrInvalidCertificate, err)
	}
	if m.Epoch != s.epoch {
		return nil, fmt.Errorf("%w: invalid-blob attestation of epoch %d, current epoch is %d", chain.ErrInvalidCertificate, m.Epoch, s.epoch)
	}
	if ev, ok := s.invalid[m.BlobID]; ok {
		return nil, fmt.Errorf("%w: %s already, in transaction %s", chain.ErrBlobInvalid, m.BlobID, ev.TxDigest)
	}
	if err := s.checkCertificate(cert, sigs, s.committee.IsValidity, "invalidation needs 3·w ≥ n+1"); err != nil {
		return nil, err
	}
	return func() result {
		s.invalid[m.BlobID] = s.emit(t, chain.Event{Kind: chain.EventInvalidBlobID, Epoch: s.epoch, BlobID: m.BlobID})
		return result{}
	}, nil
}

// cloneBlob returns the blob with its own copy of CertifiedEpoch.
func (b *blobObject) cloneBlob() chain.Blob {
	out := b.Blob
	if b.CertifiedEpoch != nil {
		e := *b.CertifiedEpoch
		out.CertifiedEpoch = &e
	}
	return out
}

// certifiedEvent is the BlobCertified event of a certification or, with
// extension set, of an extension.
func certifiedEvent(epoch chain.Epoch, b *blobObject, extension bool) chain.Event {
	return chain.Event{
		Kind:        chain.EventBlobCertified,
		Epoch:       epoch,
		BlobID:      b.BlobID,
		EndEpoch:    b.Storage.EndEpoch,
		Deletable:   b.Deletable,
		ObjectID:    b.ID,
		IsExtension: extension,
	}
}
