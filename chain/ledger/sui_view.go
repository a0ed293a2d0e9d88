package ledger

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// The ledger's state seen as Sui objects in Walrus's Move layouts, for the
// Sui face: the shared System and Staking objects and their inner states
// (dynamic fields keyed by version), one StakingPool per committee member,
// Blob and Storage objects, blob attributes, and coins.

// SuiObject is one object as Sui's gRPC API serves it.
type SuiObject struct {
	ID       chain.ObjectID
	Version  uint64
	Digest   [32]byte
	Owner    SuiOwner
	Type     moveobj.StructTag
	Contents []byte  // the Move struct's BCS
	Balance  *uint64 // coins only
}

// SuiDeployment names the Walrus deployment the face presents.
type SuiDeployment struct {
	ChainID        string
	WalrusPackage  chain.ObjectID // call target and type origin
	WALPackage     chain.ObjectID
	System         chain.ObjectID
	Staking        chain.ObjectID
	GasPrice       uint64 // reference gas price, MIST
	StoragePrice   uint64 // FROST per MiB per epoch
	WritePrice     uint64 // FROST per MiB
	Epoch          chain.Epoch
	EpochStarted   time.Time
	NShards        int
	MaxEpochsAhead uint32
	Checkpoint     uint64 // transactions applied so far
}

// WALType is the deployment's WAL coin type.
func (d SuiDeployment) WALType() moveobj.StructTag { return moveobj.WALType(d.WALPackage) }

// SuiDeployment returns the deployment's IDs, prices and epoch.
func (l *Ledger) SuiDeployment() SuiDeployment {
	l.mu.RLock()
	defer l.mu.RUnlock()
	s := l.st
	return SuiDeployment{
		ChainID: s.chainID, WalrusPackage: s.sui.walrusPackage, WALPackage: s.sui.walPackage,
		System: s.sui.system, Staking: s.sui.staking,
		GasPrice: s.sui.gasPrice, StoragePrice: s.sui.storagePrice, WritePrice: s.sui.writePrice,
		Epoch: s.epoch, EpochStarted: s.epochStarted, NShards: s.nShards, MaxEpochsAhead: s.maxEpochsAhead,
		Checkpoint: s.seq,
	}
}

// SuiObjects returns the objects with the given IDs, nil for those that do
// not exist, in the order asked.
func (l *Ledger) SuiObjects(ctx context.Context, ids []chain.ObjectID) ([]*SuiObject, error) {
	out := make([]*SuiObject, len(ids))
	err := l.read(ctx, func(s *state) error {
		for i, id := range ids {
			out[i] = s.suiObject(id)
		}
		return nil
	})
	return out, err
}

// SuiOwnedObjects returns up to limit objects owned by owner whose type
// matches filter (nil: any), in ID order after the ID after (nil: from the
// start), and whether more follow.
func (l *Ledger) SuiOwnedObjects(ctx context.Context, owner chain.Address, filter func(moveobj.StructTag) bool, after *chain.ObjectID, limit int) ([]*SuiObject, bool, error) {
	var out []*SuiObject
	more := false
	err := l.read(ctx, func(s *state) error {
		var ids []chain.ObjectID
		for id, c := range s.sui.coins {
			if c.owner == owner {
				ids = append(ids, id)
			}
		}
		for id, b := range s.blobs {
			if b.Owner == owner {
				ids = append(ids, id)
			}
		}
		for id, st := range s.storages {
			if st.owner == owner {
				ids = append(ids, id)
			}
		}
		slices.SortFunc(ids, compareIDs)
		for _, id := range ids {
			if after != nil && compareIDs(id, *after) <= 0 {
				continue
			}
			o := s.suiObject(id)
			if filter != nil && !filter(o.Type) {
				continue
			}
			if len(out) == limit {
				more = true
				break
			}
			out = append(out, o)
		}
		return nil
	})
	return out, more, err
}

// SuiBalance sums owner's coins of one currency (a struct tag such as
// 0x2::sui::SUI) and counts them.
func (l *Ledger) SuiBalance(ctx context.Context, owner chain.Address, currency moveobj.StructTag) (total uint64, coins int, err error) {
	err = l.read(ctx, func(s *state) error {
		for _, c := range s.sui.coins {
			if c.owner == owner && s.coinTag(c.typ).String() == currency.String() {
				total += c.balance
				coins++
			}
		}
		return nil
	})
	return total, coins, err
}

// suiObject renders one object, or nil.
func (s *state) suiObject(id chain.ObjectID) *SuiObject {
	p := s.sui.walrusPackage
	shared := SuiOwner{Kind: OwnerShared, Version: sharedInitialVersion}
	obj := func(version uint64, owner SuiOwner, typ moveobj.StructTag, contents []byte) *SuiObject {
		return &SuiObject{ID: id, Version: version, Digest: objectDigest(id, version), Owner: owner, Type: typ, Contents: contents}
	}
	switch id {
	case s.sui.system:
		return obj(s.sui.systemVersion, shared, moveobj.SystemType(p),
			moveobj.System{ID: id, Version: innerVersion, PackageID: p}.MarshalBCS())
	case s.sui.staking:
		return obj(s.sui.stakingVersion, shared, moveobj.StakingType(p),
			moveobj.Staking{ID: id, Version: innerVersion, PackageID: p}.MarshalBCS())
	case moveobj.InnerStateFieldID(s.sui.system, innerVersion):
		f := moveobj.NewSystemInnerField(s.sui.system, innerVersion, s.systemInner())
		return obj(s.sui.systemVersion, SuiOwner{Kind: OwnerObject, Address: chain.Address(s.sui.system)}, moveobj.SystemInnerFieldType(p), f.MarshalBCS())
	case moveobj.InnerStateFieldID(s.sui.staking, innerVersion):
		f := moveobj.NewStakingInnerField(s.sui.staking, innerVersion, s.stakingInner())
		return obj(s.sui.stakingVersion, SuiOwner{Kind: OwnerObject, Address: chain.Address(s.sui.staking)}, moveobj.StakingInnerFieldType(p), f.MarshalBCS())
	}
	if c, ok := s.sui.coins[id]; ok {
		o := obj(c.version, SuiOwner{Kind: OwnerAddress, Address: c.owner}, moveobj.CoinType(s.coinTag(c.typ)),
			moveobj.Coin{ID: id, Balance: c.balance}.MarshalBCS())
		bal := c.balance
		o.Balance = &bal
		return o
	}
	if b, ok := s.blobs[id]; ok {
		return obj(b.version, SuiOwner{Kind: OwnerAddress, Address: b.Owner}, moveobj.BlobType(p), blobContents(&b.Blob))
	}
	if st, ok := s.storages[id]; ok {
		return obj(st.version, SuiOwner{Kind: OwnerAddress, Address: st.owner}, moveobj.StorageType(p), storageContents(st.Storage).MarshalBCS())
	}
	if blob, ok := s.sui.attrFields[id]; ok {
		a := s.sui.attrs[blob]
		m := make(moveobj.Metadata, len(a.pairs))
		for i, kv := range a.pairs {
			m[i] = moveobj.Attribute{Key: kv.Key, Value: kv.Value}
		}
		return obj(a.version, SuiOwner{Kind: OwnerObject, Address: chain.Address(blob)}, moveobj.MetadataFieldType(p),
			moveobj.NewMetadataField(blob, m).MarshalBCS())
	}
	if m, ok := s.poolNode(id); ok {
		return obj(s.sui.stakingVersion, SuiOwner{Kind: OwnerObject, Address: chain.Address(s.subID("pools"))}, moveobj.StakingPoolType(p), s.stakingPool(m).MarshalBCS())
	}
	return nil
}

// poolNode returns the node of a staking pool: every registered node with
// staking, the committee's members in ledgers from before it.
func (s *state) poolNode(id chain.ObjectID) (chain.Node, bool) {
	if s.staking != nil {
		if p, ok := s.staking.pools[id]; ok {
			return p.node, true
		}
		return chain.Node{}, false
	}
	for _, m := range s.committee.Members {
		if m.ID == id {
			return m, true
		}
	}
	return chain.Node{}, false
}

// innerVersion is the version of System's and Staking's inner state, the key
// of their dynamic fields.
const innerVersion = 1

func storageContents(st chain.Storage) moveobj.Storage {
	return moveobj.Storage{ID: st.ID, StartEpoch: st.StartEpoch, EndEpoch: st.EndEpoch, StorageSize: st.Size}
}

func blobContents(b *chain.Blob) []byte {
	return moveobj.Blob{
		ID: b.ID, RegisteredEpoch: b.RegisteredEpoch, BlobID: b.BlobID, Size: b.Size,
		EncodingType: b.EncodingType, CertifiedEpoch: b.CertifiedEpoch,
		Storage: storageContents(b.Storage), Deletable: b.Deletable,
	}.MarshalBCS()
}

// subID names one of the deployment's inner objects (tables, extended
// fields), which no client reads but every layout holds.
func (s *state) subID(what string) chain.ObjectID { return deploymentID(s.chainID, what) }

// committeeCapacity is what the System reports as total capacity: plenty.
const committeeCapacity = 1 << 50

func (s *state) systemInner() moveobj.SystemStateInnerV1 {
	members := make([]moveobj.BlsCommitteeMember, len(s.committee.Members))
	for i, m := range s.committee.Members {
		members[i] = moveobj.BlsCommitteeMember{PublicKey: uncompressedKey(m.PublicKey), Weight: uint16(len(m.Shards)), NodeID: m.ID}
	}
	agg, err := bls.AggregatePublicKeys(s.keys)
	var aggKey []byte
	if err == nil {
		aggKey = agg[:]
	}
	ring := make([]moveobj.FutureAccounting, s.maxEpochsAhead)
	for i := range ring {
		ring[i].Epoch = s.epoch + uint32(i)
	}
	var used uint64
	for _, b := range s.blobs {
		if !s.expired(b.Storage.EndEpoch) {
			used += b.Storage.Size
		}
	}
	return moveobj.SystemStateInnerV1{
		Committee: moveobj.BlsCommittee{
			Members: members, NShards: uint16(s.nShards), Epoch: s.epoch, TotalAggregatedKey: aggKey,
		},
		TotalCapacitySize:       committeeCapacity,
		UsedCapacitySize:        used,
		StoragePricePerUnitSize: s.sui.storagePrice,
		WritePricePerUnitSize:   s.sui.writePrice,
		FutureAccounting:        moveobj.FutureAccountingRingBuffer{Length: s.maxEpochsAhead, RingBuffer: ring},
		DenyListSizes:           moveobj.ExtendedField{ID: s.subID("deny_list_sizes")},
	}
}

func (s *state) stakingInner() moveobj.StakingInnerV1 {
	moveCommittee := func(members []chain.Node) moveobj.Committee {
		out := make(moveobj.Committee, len(members))
		for i, m := range members {
			out[i] = moveobj.NodeShards{NodeID: m.ID, Shards: slices.Clone(m.Shards)}
		}
		return out
	}
	started := uint64(s.epochStarted.UnixMilli())
	inner := moveobj.StakingInnerV1{
		NShards:             uint16(s.nShards),
		EpochDuration:       uint64(s.epochDuration.Milliseconds()),
		FirstEpochStart:     started,
		Pools:               moveobj.Table{ID: s.subID("pools"), Size: uint64(len(s.committee.Members))},
		Epoch:               s.epoch,
		ActiveSet:           moveobj.ExtendedField{ID: s.subID("active_set")},
		Committee:           moveCommittee(s.committee.Members),
		EpochState:          moveobj.EpochState{Kind: moveobj.EpochChangeDone, Timestamp: started},
		NextEpochPublicKeys: moveobj.ExtendedField{ID: s.subID("next_epoch_public_keys")},
	}
	if st := s.staking; st != nil {
		inner.Pools.Size = uint64(len(st.pools))
		at := uint64(st.phaseAt.UnixMilli())
		switch st.phase {
		case phaseSync:
			inner.EpochState = moveobj.EpochState{Kind: moveobj.EpochChangeSync, SyncedWeight: uint16(st.syncWeight)}
		case phaseDone:
			inner.EpochState = moveobj.EpochState{Kind: moveobj.EpochChangeDone, Timestamp: at}
		case phaseSelected:
			inner.EpochState = moveobj.EpochState{Kind: moveobj.NextParamsSelected, Timestamp: at}
			next := moveCommittee(st.next)
			inner.NextCommittee = &next
		}
		if st.previous != nil {
			inner.PreviousCommittee = moveCommittee(st.previous.Members)
		}
	}
	return inner
}

func (s *state) stakingPool(m chain.Node) moveobj.StakingPool {
	return moveobj.StakingPool{
		ID:           m.ID,
		VotingParams: moveobj.VotingParams{StoragePrice: s.sui.storagePrice, WritePrice: s.sui.writePrice, NodeCapacity: committeeCapacity},
		NodeInfo: moveobj.StorageNodeInfo{
			Name: m.Name, NodeID: m.ID, NetworkAddress: m.Address,
			PublicKey: uncompressedKey(m.PublicKey), NetworkPublicKey: bytes.Clone(m.NetworkPublicKey),
			Metadata: moveobj.ExtendedField{ID: deploymentID(s.chainID, "node_metadata/"+FormatObjectID(m.ID))},
		},
		ExchangeRates: moveobj.Table{ID: deploymentID(s.chainID, "exchange_rates/"+FormatObjectID(m.ID))},
		ExtraFields:   moveobj.Table{ID: deploymentID(s.chainID, "extra_fields/"+FormatObjectID(m.ID))},
	}
}

// uncompressedKey is a BLS key as Walrus's Move stores it: the uncompressed
// 96-byte G1 point.
func uncompressedKey(pk bls.PublicKey) []byte {
	u, err := pk.Uncompressed()
	if err != nil { // keys were checked when the committee was set
		return pk[:]
	}
	return u[:]
}
