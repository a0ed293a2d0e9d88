package ledger

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// sigPolicy says how a transaction's BLS signatures are checked.
type sigPolicy struct {
	// skip is set on replay: the signatures were checked before the record
	// was written.
	skip bool
	// pre is the result of checking the certificate outside the lock, valid
	// while the committee it was checked against is current.
	pre *preverified
}

// preverified is a certificate's BLS check against one epoch's committee.
type preverified struct {
	epoch chain.Epoch
	err   error
}

// preverify checks a certificate's aggregate signature against the keys of
// the committee of epoch, which the caller read before taking the ledger's
// lock: pairings are slow and need not hold up other transactions.
func preverify(epoch chain.Epoch, keys []bls.PublicKey, w wireCert) *preverified {
	cert, err := w.certificate()
	if err == nil {
		err = cert.Verify(keys)
	}
	return &preverified{epoch: epoch, err: err}
}

// checkCertificate verifies a certificate's signers and signature against
// the current committee: distinct members in ascending order whose shards
// are enough, and an aggregate signature that verifies.
func (s *state) checkCertificate(cert messages.Certificate, sigs sigPolicy, enough func(int) bool, need string) error {
	weight := 0
	for i, m := range cert.Signers {
		if m < 0 || m >= len(s.committee.Members) || (i > 0 && m <= cert.Signers[i-1]) {
			return fmt.Errorf("%w: signers must be distinct members (0 to %d) in ascending order, got %v", chain.ErrInvalidCertificate, len(s.committee.Members)-1, cert.Signers)
		}
		weight += s.committee.Weight(m)
	}
	if !enough(weight) {
		return fmt.Errorf("%w: signers hold %d of %d shards, %s", chain.ErrInvalidCertificate, weight, s.nShards, need)
	}
	if sigs.skip {
		return nil
	}
	var err error
	if sigs.pre != nil && sigs.pre.epoch == s.epoch {
		err = sigs.pre.err
	} else {
		err = cert.Verify(s.keys)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", chain.ErrInvalidCertificate, err)
	}
	return nil
}
