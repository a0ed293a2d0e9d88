package moveobj

import (
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// runSDK writes req as JSON, runs testdata/sdk.mjs on it under node with the
// official SDK, and decodes its answer into resp.
func runSDK(t *testing.T, req, resp any) {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "request.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := officialsdk.Run(t, time.Minute, "testdata/sdk.mjs", path)
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("SDK answer %s: %v", out, err)
	}
}

// The SDK's JSON shapes of BCS values: u8/u16/u32 as numbers; u64 and u256
// as decimal strings; addresses as 0x and 64 hex digits; vector<u8> as an
// array of numbers; Option as null or the value; enums as {Variant:
// payload, $kind: Variant} with true for no payload; VecMap as {contents:
// [{key, value}]}; tuple structs as arrays.
type obj = map[string]any

func jID(id [32]byte) string             { return "0x" + hex.EncodeToString(id[:]) }
func jU64(v uint64) string               { return strconv.FormatUint(v, 10) }
func jElement(b []byte) obj              { return obj{"bytes": jBytes(b)} }
func jBalance(v uint64) obj              { return obj{"value": jU64(v)} }
func jEnum(kind string, payload any) obj { return obj{kind: payload, "$kind": kind} }

// jU256 prints 32 little-endian bytes as the SDK prints a u256.
func jU256(b [32]byte) string {
	be := slices.Clone(b[:])
	slices.Reverse(be)
	return new(big.Int).SetBytes(be).String()
}

func jBytes(b []byte) []any {
	out := []any{}
	for _, c := range b {
		out = append(out, int(c))
	}
	return out
}

func jList[T any](xs []T, f func(T) any) []any {
	out := []any{}
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func jOption[T any](p *T, f func(T) any) any {
	if p == nil {
		return nil
	}
	return f(*p)
}

func jEntry(k, v any) any { return obj{"key": k, "value": v} }

func sdkVersioned(v Versioned) any {
	return obj{"id": jID(v.ID), "version": jU64(v.Version), "package_id": jID(v.PackageID),
		"new_package_id": jOption(v.NewPackageID, func(id chain.ObjectID) any { return jID(id) })}
}

func sdkStorage(s Storage) any {
	return obj{"id": jID(s.ID), "start_epoch": s.StartEpoch, "end_epoch": s.EndEpoch, "storage_size": jU64(s.StorageSize)}
}

func sdkBlob(b Blob) any {
	return obj{"id": jID(b.ID), "registered_epoch": b.RegisteredEpoch, "blob_id": jU256(b.BlobID),
		"size": jU64(b.Size), "encoding_type": b.EncodingType,
		"certified_epoch": jOption(b.CertifiedEpoch, func(e uint32) any { return e }),
		"storage":         sdkStorage(b.Storage), "deletable": b.Deletable}
}

func sdkMetadata(m Metadata) any {
	return obj{"metadata": obj{"contents": jList(m, func(a Attribute) any { return jEntry(a.Key, a.Value) })}}
}

func sdkCoin(c Coin) any { return obj{"id": jID(c.ID), "balance": jBalance(c.Balance)} }

func sdkEventBlob(b EventBlob) any {
	return obj{"blob_id": jU256(b.BlobID), "ending_checkpoint_sequence_number": jU64(b.EndingCheckpointSequenceNumber)}
}

func sdkSystemInner(s SystemStateInnerV1) any {
	c, fa, e := s.Committee, s.FutureAccounting, s.EventBlobCertificationState
	return obj{
		"committee": obj{
			"members": jList(c.Members, func(m BlsCommitteeMember) any {
				return obj{"public_key": jElement(m.PublicKey), "weight": m.Weight, "node_id": jID(m.NodeID)}
			}),
			"n_shards": c.NShards, "epoch": c.Epoch, "total_aggregated_key": jElement(c.TotalAggregatedKey),
		},
		"total_capacity_size":         jU64(s.TotalCapacitySize),
		"used_capacity_size":          jU64(s.UsedCapacitySize),
		"storage_price_per_unit_size": jU64(s.StoragePricePerUnitSize),
		"write_price_per_unit_size":   jU64(s.WritePricePerUnitSize),
		"future_accounting": obj{
			"current_index": fa.CurrentIndex, "length": fa.Length,
			"ring_buffer": jList(fa.RingBuffer, func(a FutureAccounting) any {
				return obj{"epoch": a.Epoch, "used_capacity": jU64(a.UsedCapacity), "rewards_to_distribute": jBalance(a.RewardsToDistribute)}
			}),
		},
		"event_blob_certification_state": obj{
			"latest_certified_blob": jOption(e.LatestCertifiedBlob, sdkEventBlob),
			"aggregate_weight_per_blob": obj{"contents": jList(e.AggregateWeightPerBlob, func(w EventBlobWeight) any {
				return jEntry(sdkEventBlob(w.Blob), w.Weight)
			})},
		},
		"deny_list_sizes": obj{"id": jID(s.DenyListSizes.ID)},
	}
}

func sdkCommittee(c Committee) any {
	return []any{obj{"contents": jList(c, func(e NodeShards) any {
		return jEntry(jID(e.NodeID), jList(e.Shards, func(s uint16) any { return s }))
	})}}
}

func sdkTable(t Table) any { return obj{"id": jID(t.ID), "size": jU64(t.Size)} }

func sdkStakingInner(s StakingInnerV1) any {
	var state any
	switch s.EpochState.Kind {
	case EpochChangeSync:
		state = jEnum("EpochChangeSync", s.EpochState.SyncedWeight)
	case EpochChangeDone:
		state = jEnum("EpochChangeDone", jU64(s.EpochState.Timestamp))
	case NextParamsSelected:
		state = jEnum("NextParamsSelected", jU64(s.EpochState.Timestamp))
	}
	return obj{
		"n_shards": s.NShards, "epoch_duration": jU64(s.EpochDuration), "first_epoch_start": jU64(s.FirstEpochStart),
		"pools": sdkTable(s.Pools), "epoch": s.Epoch, "active_set": obj{"id": jID(s.ActiveSet.ID)},
		"next_committee":     jOption(s.NextCommittee, sdkCommittee),
		"committee":          sdkCommittee(s.Committee),
		"previous_committee": sdkCommittee(s.PreviousCommittee),
		"next_epoch_params": jOption(s.NextEpochParams, func(p EpochParams) any {
			return obj{"total_capacity_size": jU64(p.TotalCapacitySize),
				"storage_price_per_unit_size": jU64(p.StoragePricePerUnitSize),
				"write_price_per_unit_size":   jU64(p.WritePricePerUnitSize)}
		}),
		"epoch_state":            state,
		"next_epoch_public_keys": obj{"id": jID(s.NextEpochPublicKeys.ID)},
	}
}

func sdkPending(p PendingValues) any {
	return []any{obj{"contents": jList(p, func(e EpochAmount) any { return jEntry(e.Epoch, jU64(e.Amount)) })}}
}

func sdkAuthorized(a Authorized) any {
	if a.Kind == AuthorizedAddress {
		return jEnum("Address", jID(a.ID))
	}
	return jEnum("ObjectID", jID(a.ID))
}

func sdkPool(p StakingPool) any {
	var state any
	switch p.State.Kind {
	case PoolActive:
		state = jEnum("Active", true)
	case PoolWithdrawing:
		state = jEnum("Withdrawing", p.State.WithdrawingEpoch)
	case PoolWithdrawn:
		state = jEnum("Withdrawn", true)
	}
	n := p.NodeInfo
	var next any
	if n.NextEpochPublicKey != nil {
		next = jElement(n.NextEpochPublicKey)
	}
	return obj{
		"id": jID(p.ID), "state": state,
		"voting_params": obj{"storage_price": jU64(p.VotingParams.StoragePrice),
			"write_price": jU64(p.VotingParams.WritePrice), "node_capacity": jU64(p.VotingParams.NodeCapacity)},
		"node_info": obj{"name": n.Name, "node_id": jID(n.NodeID), "network_address": n.NetworkAddress,
			"public_key": jElement(n.PublicKey), "next_epoch_public_key": next,
			"network_public_key": jBytes(n.NetworkPublicKey), "metadata": obj{"id": jID(n.Metadata.ID)}},
		"activation_epoch": p.ActivationEpoch, "latest_epoch": p.LatestEpoch,
		"wal_balance": jU64(p.WalBalance), "num_shares": jU64(p.NumShares),
		"pending_shares_withdraw": sdkPending(p.PendingSharesWithdraw),
		"pre_active_withdrawals":  sdkPending(p.PreActiveWithdrawals),
		"pending_commission_rate": sdkPending(p.PendingCommissionRate),
		"commission_rate":         p.CommissionRate,
		"exchange_rates":          sdkTable(p.ExchangeRates),
		"pending_stake":           sdkPending(p.PendingStake),
		"rewards_pool":            jBalance(p.RewardsPool),
		"commission":              jBalance(p.Commission),
		"commission_receiver":     sdkAuthorized(p.CommissionReceiver),
		"governance_authorized":   sdkAuthorized(p.GovernanceAuthorized),
		"extra_fields":            sdkTable(p.ExtraFields),
	}
}
