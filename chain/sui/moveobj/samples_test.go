package moveobj

import (
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

type marshaler interface{ MarshalBCS() []byte }

// A codec is what the tests know about one layout: its decoder and its
// value in the SDK's JSON shape.
type codec struct {
	decode func([]byte) (marshaler, error)
	sdk    func(marshaler) any
}

func codecOf[T marshaler](decode func([]byte) (T, error), sdk func(T) any) codec {
	return codec{
		decode: func(b []byte) (marshaler, error) {
			v, err := decode(b)
			if err != nil {
				return nil, err
			}
			return v, nil
		},
		sdk: func(v marshaler) any { return sdk(v.(T)) },
	}
}

// codecs are keyed by the struct names testdata/sdk.mjs knows.
var codecs = map[string]codec{
	"System":             codecOf(DecodeVersioned, sdkVersioned),
	"Staking":            codecOf(DecodeVersioned, sdkVersioned),
	"SystemStateInnerV1": codecOf(DecodeSystemStateInnerV1, sdkSystemInner),
	"StakingInnerV1":     codecOf(DecodeStakingInnerV1, sdkStakingInner),
	"StakingPool":        codecOf(DecodeStakingPool, sdkPool),
	"Blob":               codecOf(DecodeBlob, sdkBlob),
	"Storage":            codecOf(DecodeStorage, sdkStorage),
	"Metadata":           codecOf(DecodeMetadata, sdkMetadata),
	"Coin":               codecOf(DecodeCoin, sdkCoin),
	"SystemInnerField": codecOf(DecodeSystemInnerField, func(f SystemInnerField) any {
		return obj{"id": jID(f.ID), "name": jU64(f.Name), "value": sdkSystemInner(f.Value)}
	}),
	"StakingInnerField": codecOf(DecodeStakingInnerField, func(f StakingInnerField) any {
		return obj{"id": jID(f.ID), "name": jU64(f.Name), "value": sdkStakingInner(f.Value)}
	}),
	"MetadataField": codecOf(DecodeMetadataField, func(f MetadataField) any {
		return obj{"id": jID(f.ID), "name": jBytes(f.Name), "value": sdkMetadata(f.Value)}
	}),
}

type sample struct {
	name, layout string // layout: a key of codecs
	value        marshaler
}

// testID returns an ID whose bytes count up from n, so that a field read
// from the wrong offset shows.
func testID(n byte) (id chain.ObjectID) {
	for i := range id {
		id[i] = n + byte(i)
	}
	return id
}

func ptr[T any](v T) *T { return &v }

func testKey(n byte, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = n ^ byte(i*7)
	}
	return b
}

func sampleSystemInner() SystemStateInnerV1 {
	return SystemStateInnerV1{
		Committee: BlsCommittee{
			Members: []BlsCommitteeMember{
				{PublicKey: testKey(1, 96), Weight: 3, NodeID: testID(0x10)},
				{PublicKey: testKey(2, 96), Weight: 1, NodeID: testID(0x20)},
			},
			NShards: 4, Epoch: 7, TotalAggregatedKey: testKey(3, 48),
		},
		TotalCapacitySize:       1 << 40,
		UsedCapacitySize:        12345,
		StoragePricePerUnitSize: 11000,
		WritePricePerUnitSize:   20000,
		FutureAccounting: FutureAccountingRingBuffer{CurrentIndex: 1, Length: 53, RingBuffer: []FutureAccounting{
			{Epoch: 7, UsedCapacity: 99, RewardsToDistribute: 1 << 50},
			{Epoch: 8, UsedCapacity: 0, RewardsToDistribute: 5},
		}},
		EventBlobCertificationState: EventBlobCertificationState{
			LatestCertifiedBlob: &EventBlob{BlobID: encoding.BlobID(testID(0x80)), EndingCheckpointSequenceNumber: 1 << 33},
			AggregateWeightPerBlob: []EventBlobWeight{
				{Blob: EventBlob{BlobID: encoding.BlobID(testID(0x90)), EndingCheckpointSequenceNumber: 4}, Weight: 2},
			},
		},
		DenyListSizes: ExtendedField{ID: testID(0x30)},
	}
}

func sampleStakingInner() StakingInnerV1 {
	return StakingInnerV1{
		NShards: 4, EpochDuration: 14 * 24 * 3600 * 1000, FirstEpochStart: 1_700_000_000_000,
		Pools: Table{ID: testID(0x40), Size: 2}, Epoch: 7, ActiveSet: ExtendedField{ID: testID(0x41)},
		NextCommittee: &Committee{{NodeID: testID(0x20), Shards: []uint16{0, 1, 2, 3}}},
		Committee: Committee{
			{NodeID: testID(0x10), Shards: []uint16{0, 2, 3}},
			{NodeID: testID(0x20), Shards: []uint16{1}},
		},
		PreviousCommittee:   Committee{},
		NextEpochParams:     &EpochParams{TotalCapacitySize: 1 << 41, StoragePricePerUnitSize: 12000, WritePricePerUnitSize: 21000},
		EpochState:          EpochState{Kind: EpochChangeDone, Timestamp: 1_700_000_123_456},
		NextEpochPublicKeys: ExtendedField{ID: testID(0x42)},
	}
}

func samplePool() StakingPool {
	return StakingPool{
		ID:           testID(0x10),
		State:        PoolState{Kind: PoolWithdrawing, WithdrawingEpoch: 9},
		VotingParams: VotingParams{StoragePrice: 100, WritePrice: 200, NodeCapacity: 1 << 45},
		NodeInfo: StorageNodeInfo{
			Name: "node-α", NodeID: testID(0x10), NetworkAddress: "127.0.0.1:9185",
			PublicKey: testKey(1, 96), NextEpochPublicKey: testKey(4, 96),
			NetworkPublicKey: testKey(5, 33), Metadata: ExtendedField{ID: testID(0x50)},
		},
		ActivationEpoch: 1, LatestEpoch: 7, WalBalance: 1 << 52, NumShares: 1 << 51,
		PendingSharesWithdraw: PendingValues{{Epoch: 8, Amount: 10}},
		PreActiveWithdrawals:  PendingValues{},
		PendingCommissionRate: PendingValues{{Epoch: 9, Amount: 500}, {Epoch: 10, Amount: 600}},
		CommissionRate:        250,
		ExchangeRates:         Table{ID: testID(0x51), Size: 7},
		PendingStake:          PendingValues{{Epoch: 8, Amount: 1 << 40}},
		RewardsPool:           77, Commission: 88,
		CommissionReceiver:   Authorized{Kind: AuthorizedAddress, ID: testID(0x60)},
		GovernanceAuthorized: Authorized{Kind: AuthorizedObjectID, ID: testID(0x61)},
		ExtraFields:          Table{ID: testID(0x52), Size: 0},
	}
}

func sampleBlob() Blob {
	return Blob{
		ID: testID(0xa0), RegisteredEpoch: 5, BlobID: encoding.BlobID(testID(0xb0)), Size: 1<<32 + 5,
		EncodingType: encoding.EncodingRS2, CertifiedEpoch: ptr[uint32](6),
		Storage:   Storage{ID: testID(0xc0), StartEpoch: 5, EndEpoch: 58, StorageSize: 66_034_000},
		Deletable: true,
	}
}

var sampleMetadata = Metadata{{Key: "content-type", Value: "text/plain"}, {Key: "ключ", Value: "値 ✓"}, {Key: "", Value: ""}}

// samples cover every layout, each Option both ways and each enum variant.
func samples() []sample {
	sys := sampleSystemInner()
	sysNone := sampleSystemInner()
	sysNone.Committee.Members = nil
	sysNone.EventBlobCertificationState = EventBlobCertificationState{}
	sysNone.FutureAccounting.RingBuffer = nil

	stk := sampleStakingInner()
	stkSync := sampleStakingInner()
	stkSync.NextCommittee, stkSync.NextEpochParams = nil, nil
	stkSync.EpochState = EpochState{Kind: EpochChangeSync, SyncedWeight: 3}
	stkParams := sampleStakingInner()
	stkParams.EpochState = EpochState{Kind: NextParamsSelected, Timestamp: 42}

	pool := samplePool()
	poolActive := samplePool()
	poolActive.State = PoolState{Kind: PoolActive}
	poolActive.NodeInfo.NextEpochPublicKey = nil
	poolActive.NodeInfo.NetworkPublicKey = nil
	poolWithdrawn := samplePool()
	poolWithdrawn.State = PoolState{Kind: PoolWithdrawn}
	poolWithdrawn.NodeInfo.NextEpochPublicKey = []byte{} // Some(empty)

	blob := sampleBlob()
	uncertified := sampleBlob()
	uncertified.CertifiedEpoch, uncertified.Deletable = nil, false

	return []sample{
		{"System", "System", System{ID: testID(1), Version: 1, PackageID: testID(2)}},
		{"System upgrading", "System", System{ID: testID(1), Version: 2, PackageID: testID(2), NewPackageID: ptr(testID(3))}},
		{"Staking", "Staking", Staking{ID: testID(4), Version: 1 << 40, PackageID: testID(2)}},
		{"SystemStateInnerV1", "SystemStateInnerV1", sys},
		{"SystemStateInnerV1 empty", "SystemStateInnerV1", sysNone},
		{"StakingInnerV1 done", "StakingInnerV1", stk},
		{"StakingInnerV1 sync", "StakingInnerV1", stkSync},
		{"StakingInnerV1 params", "StakingInnerV1", stkParams},
		{"StakingPool withdrawing", "StakingPool", pool},
		{"StakingPool active", "StakingPool", poolActive},
		{"StakingPool withdrawn", "StakingPool", poolWithdrawn},
		{"Blob certified", "Blob", blob},
		{"Blob registered", "Blob", uncertified},
		{"Storage", "Storage", blob.Storage},
		{"Metadata", "Metadata", sampleMetadata},
		{"Metadata empty", "Metadata", Metadata{}},
		{"Coin", "Coin", Coin{ID: testID(0xd0), Balance: 1<<64 - 1}},
		{"System inner field", "SystemInnerField", NewSystemInnerField(testID(1), 1, sys)},
		{"Staking inner field", "StakingInnerField", NewStakingInnerField(testID(4), 1, stkSync)},
		{"Metadata field", "MetadataField", NewMetadataField(testID(0xa0), sampleMetadata)},
	}
}
