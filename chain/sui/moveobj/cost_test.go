package moveobj

import (
	"errors"
	"strconv"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

func TestStorageUnits(t *testing.T) {
	for size, want := range map[uint64]uint64{0: 0, 1: 1, BytesPerUnit - 1: 1, BytesPerUnit: 1, BytesPerUnit + 1: 2, 1<<64 - 1: 1 << 44} {
		if got := StorageUnits(size); got != want {
			t.Errorf("StorageUnits(%d) = %d, want %d", size, got, want)
		}
	}
}

// The SDK's encodedBlobLength and WalrusClient.storageCost arithmetic give
// the same lengths and costs for each size and shard count.
func TestCostsMatchSDK(t *testing.T) {
	const storagePrice, writePrice, epochs = 11_000, 20_000, 53
	type costReq struct {
		Size         uint64 `json:"size"`
		NShards      uint16 `json:"nShards"`
		StoragePrice uint64 `json:"storagePrice"`
		WritePrice   uint64 `json:"writePrice"`
		Epochs       uint32 `json:"epochs"`
	}
	var reqs []costReq
	for _, n := range []uint16{4, 10, 100, 1000} {
		for _, size := range []uint64{0, 1, BytesPerUnit - 1, BytesPerUnit, BytesPerUnit + 1, 100 * BytesPerUnit} {
			if _, err := EncodedBlobLength(size, n); errors.Is(err, encoding.ErrBlobTooLarge) {
				continue // beyond what n shards can encode; Move aborts too
			}
			reqs = append(reqs, costReq{size, n, storagePrice, writePrice, epochs})
		}
	}
	if len(reqs) != 19 { // 4 shards encode at most 393204 bytes, 10 shards 1834952
		t.Fatalf("only %d cases", len(reqs))
	}
	var resp struct {
		Costs []struct {
			EncodedLength, StorageCost, WriteCost string
		} `json:"costs"`
	}
	runSDK(t, map[string]any{"costs": reqs}, &resp)
	for i, r := range reqs {
		encoded, err := EncodedBlobLength(r.Size, r.NShards)
		if err != nil {
			t.Fatal(err)
		}
		sys := SystemStateInnerV1{Committee: BlsCommittee{NShards: r.NShards}, StoragePricePerUnitSize: storagePrice, WritePricePerUnitSize: writePrice}
		storage, write, err := sys.BlobCosts(r.Size, epochs)
		if err != nil {
			t.Fatal(err)
		}
		sdk := resp.Costs[i]
		if u(encoded) != sdk.EncodedLength || u(storage) != sdk.StorageCost || u(write) != sdk.WriteCost {
			t.Errorf("size %d, %d shards: ours (%d, %d, %d), SDK (%s, %s, %s)", r.Size, r.NShards,
				encoded, storage, write, sdk.EncodedLength, sdk.StorageCost, sdk.WriteCost)
		}
	}
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func TestCostOverflow(t *testing.T) {
	if _, err := StorageCost(1<<50, 1<<30, 1<<10); !errors.Is(err, ErrCostOverflow) {
		t.Errorf("storage cost overflow: %v", err)
	}
	if _, err := WriteCost(1<<63, 3*BytesPerUnit); !errors.Is(err, ErrCostOverflow) {
		t.Errorf("write cost overflow: %v", err)
	}
	if c, err := StorageCost(1<<20, 1<<30, 1<<10); err != nil || c != 1<<40 {
		t.Errorf("largest fitting cost: %d, %v", c, err)
	}
	if _, err := EncodedBlobLength(1, 3); err == nil {
		t.Error("3 shards accepted")
	}
}
