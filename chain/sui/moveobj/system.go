package moveobj

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// SystemStateInnerV1 is system_state_inner::SystemStateInnerV1, the System
// object's state: the BLS committee that certifies blobs, capacity and
// prices (per MiB unit, see StorageCost), and the per-epoch accounting.
type SystemStateInnerV1 struct {
	Committee                   BlsCommittee
	TotalCapacitySize           uint64
	UsedCapacitySize            uint64
	StoragePricePerUnitSize     uint64
	WritePricePerUnitSize       uint64
	FutureAccounting            FutureAccountingRingBuffer
	EventBlobCertificationState EventBlobCertificationState
	DenyListSizes               ExtendedField
}

// BlsCommittee is bls_aggregate::BlsCommittee. Members are in the staking
// committee's order, which certificate signer bitmaps index.
type BlsCommittee struct {
	Members            []BlsCommitteeMember
	NShards            uint16
	Epoch              uint32
	TotalAggregatedKey []byte // Element<G1>: the sum of the members' keys
}

// BlsCommitteeMember is bls_aggregate::BlsCommitteeMember. Weight is the
// number of shards the node holds.
type BlsCommitteeMember struct {
	PublicKey []byte // Element<UncompressedG1>, 96 bytes on chain
	Weight    uint16
	NodeID    chain.ObjectID
}

// FutureAccountingRingBuffer is storage_accounting::FutureAccountingRingBuffer;
// Length is how many epochs ahead storage can be bought.
type FutureAccountingRingBuffer struct {
	CurrentIndex uint32
	Length       uint32
	RingBuffer   []FutureAccounting
}

// FutureAccounting is one epoch's entry of the ring buffer.
type FutureAccounting struct {
	Epoch               uint32
	UsedCapacity        uint64
	RewardsToDistribute uint64 // Balance<WAL>
}

// EventBlobCertificationState is event_blob::EventBlobCertificationState.
type EventBlobCertificationState struct {
	LatestCertifiedBlob    *EventBlob
	AggregateWeightPerBlob []EventBlobWeight // VecMap<EventBlob, u16>
}

// EventBlob is event_blob::EventBlob.
type EventBlob struct {
	BlobID                         encoding.BlobID // u256
	EndingCheckpointSequenceNumber uint64
}

// EventBlobWeight is one entry of AggregateWeightPerBlob.
type EventBlobWeight struct {
	Blob   EventBlob
	Weight uint16
}

func writeSystemStateInner(w *bcs.Writer, s SystemStateInnerV1) {
	c := s.Committee
	writeVec(w, c.Members, func(w *bcs.Writer, m BlsCommitteeMember) {
		w.Vec(m.PublicKey)
		w.U16(m.Weight)
		writeID(w, m.NodeID)
	})
	w.U16(c.NShards)
	w.U32(c.Epoch)
	w.Vec(c.TotalAggregatedKey)

	w.U64(s.TotalCapacitySize)
	w.U64(s.UsedCapacitySize)
	w.U64(s.StoragePricePerUnitSize)
	w.U64(s.WritePricePerUnitSize)

	fa := s.FutureAccounting
	w.U32(fa.CurrentIndex)
	w.U32(fa.Length)
	writeVec(w, fa.RingBuffer, func(w *bcs.Writer, a FutureAccounting) {
		w.U32(a.Epoch)
		w.U64(a.UsedCapacity)
		w.U64(a.RewardsToDistribute)
	})

	e := s.EventBlobCertificationState
	writeOption(w, e.LatestCertifiedBlob, writeEventBlob)
	writeVec(w, e.AggregateWeightPerBlob, func(w *bcs.Writer, bw EventBlobWeight) {
		writeEventBlob(w, bw.Blob)
		w.U16(bw.Weight)
	})

	writeExtendedField(w, s.DenyListSizes)
}

func writeEventBlob(w *bcs.Writer, b EventBlob) {
	writeID(w, b.BlobID)
	w.U64(b.EndingCheckpointSequenceNumber)
}

func readEventBlob(r *bcs.Reader) (b EventBlob, err error) {
	if b.BlobID, err = readBlobID(r); err != nil {
		return b, err
	}
	b.EndingCheckpointSequenceNumber, err = r.U64()
	return b, err
}

func readBlsCommitteeMember(r *bcs.Reader) (m BlsCommitteeMember, err error) {
	if m.PublicKey, err = readBytes(r); err != nil {
		return m, err
	}
	if m.Weight, err = r.U16(); err != nil {
		return m, err
	}
	m.NodeID, err = readID(r)
	return m, err
}

func readBlsCommittee(r *bcs.Reader) (c BlsCommittee, err error) {
	// A member is at least a 1-byte key length, a u16 and an ID.
	if c.Members, err = readVec(r, 1+2+32, readBlsCommitteeMember); err != nil {
		return c, fmt.Errorf("members: %w", err)
	}
	if c.NShards, err = r.U16(); err != nil {
		return c, err
	}
	if c.Epoch, err = r.U32(); err != nil {
		return c, err
	}
	c.TotalAggregatedKey, err = readBytes(r)
	return c, err
}

func readFutureAccounting(r *bcs.Reader) (a FutureAccounting, err error) {
	if a.Epoch, err = r.U32(); err != nil {
		return a, err
	}
	if a.UsedCapacity, err = r.U64(); err != nil {
		return a, err
	}
	a.RewardsToDistribute, err = r.U64()
	return a, err
}

func readEventBlobWeight(r *bcs.Reader) (bw EventBlobWeight, err error) {
	if bw.Blob, err = readEventBlob(r); err != nil {
		return bw, err
	}
	bw.Weight, err = r.U16()
	return bw, err
}

func readSystemStateInner(r *bcs.Reader) (s SystemStateInnerV1, err error) {
	if s.Committee, err = readBlsCommittee(r); err != nil {
		return s, fmt.Errorf("committee: %w", err)
	}
	for _, p := range []*uint64{&s.TotalCapacitySize, &s.UsedCapacitySize, &s.StoragePricePerUnitSize, &s.WritePricePerUnitSize} {
		if *p, err = r.U64(); err != nil {
			return s, err
		}
	}
	fa := &s.FutureAccounting
	if fa.CurrentIndex, err = r.U32(); err != nil {
		return s, err
	}
	if fa.Length, err = r.U32(); err != nil {
		return s, err
	}
	if fa.RingBuffer, err = readVec(r, 4+8+8, readFutureAccounting); err != nil {
		return s, fmt.Errorf("future_accounting: %w", err)
	}
	e := &s.EventBlobCertificationState
	if e.LatestCertifiedBlob, err = readOption(r, readEventBlob); err != nil {
		return s, fmt.Errorf("latest_certified_blob: %w", err)
	}
	if e.AggregateWeightPerBlob, err = readVec(r, 32+8+2, readEventBlobWeight); err != nil {
		return s, fmt.Errorf("aggregate_weight_per_blob: %w", err)
	}
	s.DenyListSizes, err = readExtendedField(r)
	return s, err
}

// MarshalBCS returns the Move value.
func (s SystemStateInnerV1) MarshalBCS() []byte {
	return marshal(256+len(s.Committee.Members)*(100+2+32), func(w *bcs.Writer) { writeSystemStateInner(w, s) })
}

// DecodeSystemStateInnerV1 decodes a SystemStateInnerV1 value.
func DecodeSystemStateInnerV1(b []byte) (SystemStateInnerV1, error) {
	return decode("SystemStateInnerV1", b, readSystemStateInner)
}
