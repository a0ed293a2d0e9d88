package moveobj

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// StakingInnerV1 is staking_inner::StakingInnerV1, the Staking object's
// state: the shard assignment of the current, previous and next committee,
// epoch timing, and where epoch change stands.
type StakingInnerV1 struct {
	NShards             uint16
	EpochDuration       uint64 // ms
	FirstEpochStart     uint64 // ms since the Unix epoch
	Pools               Table  // ObjectTable<ID, StakingPool>
	Epoch               uint32
	ActiveSet           ExtendedField
	NextCommittee       *Committee
	Committee           Committee
	PreviousCommittee   Committee
	NextEpochParams     *EpochParams
	EpochState          EpochState
	NextEpochPublicKeys ExtendedField
}

// Committee is committee::Committee, a VecMap<ID, vector<u16>> from node ID
// to the shards it holds. Its order is the committee's node order (sorted by
// node ID on chain); the SDK numbers nodes by it.
type Committee []NodeShards

// NodeShards is one entry of a Committee.
type NodeShards struct {
	NodeID chain.ObjectID
	Shards []uint16
}

// EpochParams is epoch_parameters::EpochParams, voted for the next epoch.
type EpochParams struct {
	TotalCapacitySize       uint64
	StoragePricePerUnitSize uint64
	WritePricePerUnitSize   uint64
}

// EpochStateKind is the variant of staking_inner::EpochState, numbered as
// its BCS tag.
type EpochStateKind uint8

const (
	// EpochChangeSync: nodes are syncing to the new epoch; SyncedWeight is the
	// weight of those done.
	EpochChangeSync EpochStateKind = 0
	// EpochChangeDone: the epoch change completed at Timestamp (ms).
	EpochChangeDone EpochStateKind = 1
	// NextParamsSelected: the next epoch's parameters are chosen; Timestamp
	// (ms) is when the current epoch started.
	NextParamsSelected EpochStateKind = 2
)

// EpochState is staking_inner::EpochState; which payload field is meaningful
// depends on Kind.
type EpochState struct {
	Kind         EpochStateKind
	SyncedWeight uint16 // EpochChangeSync
	Timestamp    uint64 // EpochChangeDone, NextParamsSelected
}

func writeCommittee(w *bcs.Writer, c Committee) {
	writeVec(w, c, func(w *bcs.Writer, e NodeShards) {
		writeID(w, e.NodeID)
		writeVec(w, e.Shards, writeU16)
	})
}

func readCommittee(r *bcs.Reader) (Committee, error) {
	return readVec(r, 32+1, func(r *bcs.Reader) (e NodeShards, err error) {
		if e.NodeID, err = readID(r); err != nil {
			return e, err
		}
		e.Shards, err = readVec(r, 2, readU16)
		return e, err
	})
}

func writeEpochParams(w *bcs.Writer, p EpochParams) {
	w.U64(p.TotalCapacitySize)
	w.U64(p.StoragePricePerUnitSize)
	w.U64(p.WritePricePerUnitSize)
}

func readEpochParams(r *bcs.Reader) (p EpochParams, err error) {
	for _, f := range []*uint64{&p.TotalCapacitySize, &p.StoragePricePerUnitSize, &p.WritePricePerUnitSize} {
		if *f, err = r.U64(); err != nil {
			return p, err
		}
	}
	return p, nil
}

func writeEpochState(w *bcs.Writer, s EpochState) {
	w.ULEB128(uint64(s.Kind))
	switch s.Kind {
	case EpochChangeSync:
		w.U16(s.SyncedWeight)
	case EpochChangeDone, NextParamsSelected:
		w.U64(s.Timestamp)
	}
}

func readEpochState(r *bcs.Reader) (s EpochState, err error) {
	tag, err := readEnumTag(r, "EpochState", 3)
	if err != nil {
		return s, err
	}
	s.Kind = EpochStateKind(tag)
	if s.Kind == EpochChangeSync {
		s.SyncedWeight, err = r.U16()
	} else {
		s.Timestamp, err = r.U64()
	}
	return s, err
}

func writeStakingInner(w *bcs.Writer, s StakingInnerV1) {
	w.U16(s.NShards)
	w.U64(s.EpochDuration)
	w.U64(s.FirstEpochStart)
	writeTable(w, s.Pools)
	w.U32(s.Epoch)
	writeExtendedField(w, s.ActiveSet)
	writeOption(w, s.NextCommittee, writeCommittee)
	writeCommittee(w, s.Committee)
	writeCommittee(w, s.PreviousCommittee)
	writeOption(w, s.NextEpochParams, writeEpochParams)
	writeEpochState(w, s.EpochState)
	writeExtendedField(w, s.NextEpochPublicKeys)
}

func readStakingInner(r *bcs.Reader) (s StakingInnerV1, err error) {
	if s.NShards, err = r.U16(); err != nil {
		return s, err
	}
	if s.EpochDuration, err = r.U64(); err != nil {
		return s, err
	}
	if s.FirstEpochStart, err = r.U64(); err != nil {
		return s, err
	}
	if s.Pools, err = readTable(r); err != nil {
		return s, err
	}
	if s.Epoch, err = r.U32(); err != nil {
		return s, err
	}
	if s.ActiveSet, err = readExtendedField(r); err != nil {
		return s, err
	}
	if s.NextCommittee, err = readOption(r, readCommittee); err != nil {
		return s, fmt.Errorf("next_committee: %w", err)
	}
	if s.Committee, err = readCommittee(r); err != nil {
		return s, fmt.Errorf("committee: %w", err)
	}
	if s.PreviousCommittee, err = readCommittee(r); err != nil {
		return s, fmt.Errorf("previous_committee: %w", err)
	}
	if s.NextEpochParams, err = readOption(r, readEpochParams); err != nil {
		return s, fmt.Errorf("next_epoch_params: %w", err)
	}
	if s.EpochState, err = readEpochState(r); err != nil {
		return s, fmt.Errorf("epoch_state: %w", err)
	}
	s.NextEpochPublicKeys, err = readExtendedField(r)
	return s, err
}

// MarshalBCS returns the Move value.
func (s StakingInnerV1) MarshalBCS() []byte {
	return marshal(256+len(s.Committee)*(32+8), func(w *bcs.Writer) { writeStakingInner(w, s) })
}

// DecodeStakingInnerV1 decodes a StakingInnerV1 value.
func DecodeStakingInnerV1(b []byte) (StakingInnerV1, error) {
	return decode("StakingInnerV1", b, readStakingInner)
}
