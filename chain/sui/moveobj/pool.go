package moveobj

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// StakingPool is staking_pool::StakingPool, one storage node's pool; its
// object ID is the node ID. The SDK reads only NodeInfo's node ID, network
// address and public key, but parses every field.
type StakingPool struct {
	ID                    chain.ObjectID
	State                 PoolState
	VotingParams          VotingParams
	NodeInfo              StorageNodeInfo
	ActivationEpoch       uint32
	LatestEpoch           uint32
	WalBalance            uint64
	NumShares             uint64
	PendingSharesWithdraw PendingValues
	PreActiveWithdrawals  PendingValues
	PendingCommissionRate PendingValues
	CommissionRate        uint16
	ExchangeRates         Table // Table<u32, PoolExchangeRate>
	PendingStake          PendingValues
	RewardsPool           uint64 // Balance<WAL>
	Commission            uint64 // Balance<WAL>
	CommissionReceiver    Authorized
	GovernanceAuthorized  Authorized
	ExtraFields           Table // a Bag
}

// PoolStateKind is the variant of staking_pool::PoolState, numbered as its
// BCS tag.
type PoolStateKind uint8

const (
	PoolActive      PoolStateKind = 0
	PoolWithdrawing PoolStateKind = 1 // until WithdrawingEpoch
	PoolWithdrawn   PoolStateKind = 2
)

// PoolState is staking_pool::PoolState.
type PoolState struct {
	Kind             PoolStateKind
	WithdrawingEpoch uint32 // PoolWithdrawing
}

// VotingParams is staking_pool::VotingParams, the node's votes for the next
// epoch's prices and its capacity.
type VotingParams struct {
	StoragePrice uint64
	WritePrice   uint64
	NodeCapacity uint64
}

// StorageNodeInfo is storage_node::StorageNodeInfo. NetworkAddress is
// host:port without a scheme.
type StorageNodeInfo struct {
	Name               string
	NodeID             chain.ObjectID
	NetworkAddress     string
	PublicKey          []byte // Element<UncompressedG1>
	NextEpochPublicKey []byte // Option<Element>: nil is None
	NetworkPublicKey   []byte
	Metadata           ExtendedField
}

// PendingValues is pending_values::PendingValues, a VecMap<u32, u64> from
// epoch to amount.
type PendingValues []EpochAmount

// EpochAmount is one entry of PendingValues.
type EpochAmount struct {
	Epoch  uint32
	Amount uint64
}

// AuthorizedKind is the variant of auth::Authorized, numbered as its BCS tag.
type AuthorizedKind uint8

const (
	AuthorizedAddress  AuthorizedKind = 0 // ID is an account address
	AuthorizedObjectID AuthorizedKind = 1 // ID is an object ID
)

// Authorized is auth::Authorized: who may act, an address or an object.
type Authorized struct {
	Kind AuthorizedKind
	ID   [32]byte
}

func writePendingValues(w *bcs.Writer, p PendingValues) {
	writeVec(w, p, func(w *bcs.Writer, e EpochAmount) {
		w.U32(e.Epoch)
		w.U64(e.Amount)
	})
}

func readPendingValues(r *bcs.Reader) (PendingValues, error) {
	return readVec(r, 4+8, func(r *bcs.Reader) (e EpochAmount, err error) {
		if e.Epoch, err = r.U32(); err != nil {
			return e, err
		}
		e.Amount, err = r.U64()
		return e, err
	})
}

func writeAuthorized(w *bcs.Writer, a Authorized) {
	w.ULEB128(uint64(a.Kind))
	if a.Kind == AuthorizedAddress || a.Kind == AuthorizedObjectID {
		writeID(w, a.ID)
	}
}

func readAuthorized(r *bcs.Reader) (a Authorized, err error) {
	tag, err := readEnumTag(r, "Authorized", 2)
	if err != nil {
		return a, err
	}
	a.Kind = AuthorizedKind(tag)
	a.ID, err = readID(r)
	return a, err
}

func writeStorageNodeInfo(w *bcs.Writer, n StorageNodeInfo) {
	writeString(w, n.Name)
	writeID(w, n.NodeID)
	writeString(w, n.NetworkAddress)
	w.Vec(n.PublicKey)
	if n.NextEpochPublicKey == nil {
		w.U8(0)
	} else {
		w.U8(1)
		w.Vec(n.NextEpochPublicKey)
	}
	w.Vec(n.NetworkPublicKey)
	writeExtendedField(w, n.Metadata)
}

func readStorageNodeInfo(r *bcs.Reader) (n StorageNodeInfo, err error) {
	if n.Name, err = readString(r); err != nil {
		return n, fmt.Errorf("name: %w", err)
	}
	if n.NodeID, err = readID(r); err != nil {
		return n, err
	}
	if n.NetworkAddress, err = readString(r); err != nil {
		return n, fmt.Errorf("network_address: %w", err)
	}
	if n.PublicKey, err = readBytes(r); err != nil {
		return n, err
	}
	next, err := readOption(r, readBytes)
	if err != nil {
		return n, fmt.Errorf("next_epoch_public_key: %w", err)
	}
	if next != nil {
		n.NextEpochPublicKey = *next // non-nil even when empty
	}
	if n.NetworkPublicKey, err = readBytes(r); err != nil {
		return n, err
	}
	n.Metadata, err = readExtendedField(r)
	return n, err
}

func writeStakingPool(w *bcs.Writer, p StakingPool) {
	writeID(w, p.ID)
	w.ULEB128(uint64(p.State.Kind))
	if p.State.Kind == PoolWithdrawing {
		w.U32(p.State.WithdrawingEpoch)
	}
	w.U64(p.VotingParams.StoragePrice)
	w.U64(p.VotingParams.WritePrice)
	w.U64(p.VotingParams.NodeCapacity)
	writeStorageNodeInfo(w, p.NodeInfo)
	w.U32(p.ActivationEpoch)
	w.U32(p.LatestEpoch)
	w.U64(p.WalBalance)
	w.U64(p.NumShares)
	writePendingValues(w, p.PendingSharesWithdraw)
	writePendingValues(w, p.PreActiveWithdrawals)
	writePendingValues(w, p.PendingCommissionRate)
	w.U16(p.CommissionRate)
	writeTable(w, p.ExchangeRates)
	writePendingValues(w, p.PendingStake)
	w.U64(p.RewardsPool)
	w.U64(p.Commission)
	writeAuthorized(w, p.CommissionReceiver)
	writeAuthorized(w, p.GovernanceAuthorized)
	writeTable(w, p.ExtraFields)
}

func readPoolState(r *bcs.Reader) (s PoolState, err error) {
	tag, err := readEnumTag(r, "PoolState", 3)
	if err != nil {
		return s, err
	}
	s.Kind = PoolStateKind(tag)
	if s.Kind == PoolWithdrawing {
		s.WithdrawingEpoch, err = r.U32()
	}
	return s, err
}

func readStakingPool(r *bcs.Reader) (p StakingPool, err error) {
	if p.ID, err = readID(r); err != nil {
		return p, err
	}
	if p.State, err = readPoolState(r); err != nil {
		return p, fmt.Errorf("state: %w", err)
	}
	v := &p.VotingParams
	for _, f := range []*uint64{&v.StoragePrice, &v.WritePrice, &v.NodeCapacity} {
		if *f, err = r.U64(); err != nil {
			return p, err
		}
	}
	if p.NodeInfo, err = readStorageNodeInfo(r); err != nil {
		return p, fmt.Errorf("node_info: %w", err)
	}
	if p.ActivationEpoch, err = r.U32(); err != nil {
		return p, err
	}
	if p.LatestEpoch, err = r.U32(); err != nil {
		return p, err
	}
	if p.WalBalance, err = r.U64(); err != nil {
		return p, err
	}
	if p.NumShares, err = r.U64(); err != nil {
		return p, err
	}
	for _, f := range []*PendingValues{&p.PendingSharesWithdraw, &p.PreActiveWithdrawals, &p.PendingCommissionRate} {
		if *f, err = readPendingValues(r); err != nil {
			return p, err
		}
	}
	if p.CommissionRate, err = r.U16(); err != nil {
		return p, err
	}
	if p.ExchangeRates, err = readTable(r); err != nil {
		return p, err
	}
	if p.PendingStake, err = readPendingValues(r); err != nil {
		return p, err
	}
	if p.RewardsPool, err = r.U64(); err != nil {
		return p, err
	}
	if p.Commission, err = r.U64(); err != nil {
		return p, err
	}
	if p.CommissionReceiver, err = readAuthorized(r); err != nil {
		return p, fmt.Errorf("commission_receiver: %w", err)
	}
	if p.GovernanceAuthorized, err = readAuthorized(r); err != nil {
		return p, fmt.Errorf("governance_authorized: %w", err)
	}
	p.ExtraFields, err = readTable(r)
	return p, err
}

// MarshalBCS returns the object's Move contents.
func (p StakingPool) MarshalBCS() []byte {
	return marshal(512, func(w *bcs.Writer) { writeStakingPool(w, p) })
}

// DecodeStakingPool decodes a StakingPool object's contents.
func DecodeStakingPool(b []byte) (StakingPool, error) {
	return decode("StakingPool", b, readStakingPool)
}
