package ledger

import (
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// blobStatus sums up the live objects of a blob ID as a storage node's
// status endpoint does. Objects whose end epoch has passed count for
// nothing. Among permanent objects a certified one wins over uncertified
// ones, then the one that lives longest (the first registered on a tie).
// InitialCertifiedEpoch is the earliest certification among live objects.
func (s *state) blobStatus(id encoding.BlobID) chain.BlobStatus {
	var st chain.BlobStatus
	if ev, ok := s.invalid[id]; ok {
		st.Invalid = &ev
	}
	for _, oid := range s.byBlobID[id] {
		b := s.blobs[oid]
		if s.expired(b.Storage.EndEpoch) {
			continue
		}
		st.Exists = true
		certified := b.CertifiedEpoch != nil
		if certified && (st.InitialCertifiedEpoch == nil || *b.CertifiedEpoch < *st.InitialCertifiedEpoch) {
			e := *b.CertifiedEpoch
			st.InitialCertifiedEpoch = &e
		}
		if b.Deletable {
			st.DeletableTotal++
			if certified {
				st.DeletableCertified++
			}
			continue
		}
		p := chain.PermanentStatus{EndEpoch: b.Storage.EndEpoch, IsCertified: certified, StatusEvent: b.statusEvent}
		if st.Permanent == nil || betterPermanent(p, *st.Permanent) {
			st.Permanent = &p
		}
	}
	return st
}

func betterPermanent(a, b chain.PermanentStatus) bool {
	if a.IsCertified != b.IsCertified {
		return a.IsCertified
	}
	return a.EndEpoch > b.EndEpoch
}
