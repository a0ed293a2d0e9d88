package walrusptb

import (
	"bytes"
	"errors"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"math"
	"strings"
	"testing"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
)

// The register PTB of /work/shared/oracle/sui (n_shards 1000, 1000 bytes, 3
// epochs, storage price 100000, write price 20000) was priced by the SDK at
// these amounts.
func TestCostsOfSharedOracle(t *testing.T) {
	r := Register{NShards: 1000, Size: 1000, Epochs: 3, Prices: Prices{Storage: 100_000, Write: 20_000}}
	encoded, storage, write, err := r.Costs()
	if err != nil {
		t.Fatal(err)
	}
	if encoded != 66_034_000 || storage != 18_900_000 || write != 1_260_000 {
		t.Fatalf("costs %d, %d, %d; the SDK's are 66034000, 18900000, 1260000", encoded, storage, write)
	}
}

func TestCostOverflowIsAnError(t *testing.T) {
	if _, err := StorageCost(1<<63, 2*moveobj.BytesPerUnit, 1); err == nil {
		t.Error("storage cost overflowing in price × units passed")
	}
	if _, err := StorageCost(1<<32, moveobj.BytesPerUnit, math.MaxUint32); err != nil {
		t.Errorf("storage cost just below 2^64: %v", err)
	}
	if _, err := StorageCost(1<<33, moveobj.BytesPerUnit, math.MaxUint32); err == nil {
		t.Error("storage cost overflowing in × epochs passed")
	}
	if _, err := WriteCost(math.MaxUint64, 2*moveobj.BytesPerUnit); err == nil {
		t.Error("write cost overflow passed")
	}
}

func TestSignersBitmap(t *testing.T) {
	got, err := SignersBitmap([]int{0, 3, 8, 9, 16}, 17)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0b0000_1001, 0b0000_0011, 0b0000_0001}; !bytes.Equal(got, want) {
		t.Errorf("bitmap %08b, want %08b", got, want)
	}
	if _, err := SignersBitmap([]int{17}, 17); !errors.Is(err, chain.ErrInvalidArgument) {
		t.Errorf("signer beyond the committee: %v", err)
	}
	if _, err := SignersBitmap([]int{-1}, 17); !errors.Is(err, chain.ErrInvalidArgument) {
		t.Errorf("negative signer: %v", err)
	}
}

func TestParseStructTag(t *testing.T) {
	tag, err := ParseStructTag("0x2::sui::SUI")
	if err != nil {
		t.Fatal(err)
	}
	if tag.Address != (chain.ObjectID{31: 2}) || tag.Module != "sui" || tag.Name != "SUI" {
		t.Errorf("parsed %+v", tag)
	}
	if s := testContract.WAL.String(); s != "0x"+strings.Repeat("e1", 32)+"::wal::WAL" {
		t.Errorf("String() = %s", s)
	}
	if back, err := ParseStructTag(testContract.WAL.String()); err != nil || back != testContract.WAL {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{"0x2::coin::Coin<0x2::sui::SUI>", "0x2::sui", "0xzz::a::b", "0x2::::SUI", "::a::b"} {
		if _, err := ParseStructTag(bad); err == nil {
			t.Errorf("ParseStructTag(%q) passed", bad)
		}
	}
}

// A client builds once with a placeholder budget to simulate, then again with
// the real one: only the budget may change.
func TestRebuildChangesOnlyTheBudget(t *testing.T) {
	flow := registerCase("r", 1000, 1000, 3, true, coinsOf(0xc0, 1<<40), []Attribute{set("k", "v")}).flow
	placeholder, err := Bytes(testSender, GasData{Payment: testGas.Payment, Price: 1000, Budget: 50_000_000_000}, flow)
	if err != nil {
		t.Fatal(err)
	}
	final, err := Bytes(testSender, GasData{Payment: testGas.Payment, Price: 1000, Budget: 3_141_592}, flow)
	if err != nil {
		t.Fatal(err)
	}
	// TransactionData ends with budget u64 and expiration None (0x00).
	n := len(final)
	if len(placeholder) != n || !bytes.Equal(placeholder[:n-9], final[:n-9]) || final[n-1] != 0 {
		t.Fatal("rebuilding with another budget changed more than the budget")
	}
	if got := final[n-9 : n-1]; !bytes.Equal(got, []byte{0xd8, 0xef, 0x2f, 0, 0, 0, 0, 0}) {
		t.Errorf("budget bytes %x", got)
	}
}

func commandsOf(t *testing.T, f Flow) []*transaction.Command {
	t.Helper()
	p, err := Programmable(f)
	if err != nil {
		t.Fatal(err)
	}
	return p.Commands
}

// The oracle cases pass only if these shapes are what the SDK builds; these
// checks make sure the cases exercise them.
func TestPaymentShapes(t *testing.T) {
	var many []uint64
	for range 502 {
		many = append(many, 1)
	}
	wal := Extend{Contract: testContract, StoragePrice: 1, Blob: ref(0xb1, 1), StorageSize: 1, Epochs: 1, WAL: coinsOf(0xc0, many...)}
	cmds := commandsOf(t, wal)
	if cmds[0].MergeCoins == nil || len(cmds[0].MergeCoins.Sources) != 500 || cmds[1].MergeCoins == nil || len(cmds[1].MergeCoins.Sources) != 1 {
		t.Fatal("502 coins are not merged 500 then 1")
	}
	if cmds[2].SplitCoins == nil || cmds[3].MoveCall == nil || cmds[3].MoveCall.Function != "extend_blob" {
		t.Fatal("split and extend_blob do not follow the merges")
	}
	wal.WAL = coinsOf(0xc0, 1)
	cmds = commandsOf(t, wal)
	if len(cmds) != 4 || cmds[1].MoveCall.Function != "destroy_zero" || cmds[1].MoveCall.Arguments[0].Input == nil {
		t.Fatal("a coin holding exactly the cost is not destroyed after the split")
	}
	wal.WAL = coinsOf(0xc0, 2)
	if cmds = commandsOf(t, wal); len(cmds) != 3 {
		t.Fatal("a coin holding more than the cost is destroyed")
	}
	split := cmds[0].SplitCoins
	if split == nil || cmds[1].MoveCall.Arguments[3].NestedResult == nil {
		t.Fatal("extend_blob does not pay with NestedResult(split, 0)")
	}
}

func TestRejectedInputs(t *testing.T) {
	register := registerCase("r", 1000, 1000, 3, true, coinsOf(0xc0, 1), nil).flow.(Register)
	extend := Extend{Contract: testContract, StoragePrice: 1, Blob: ref(0xb1, 1), StorageSize: 1, Epochs: 1, WAL: coinsOf(0xc0, 1)}
	for name, f := range map[string]Flow{
		"too little WAL": register,
		"no WAL coins":   func() Flow { r := register; r.WAL = nil; return r }(),
		"zero epochs":    func() Flow { r := register; r.Epochs = 0; r.WAL = coinsOf(0xc0, 1<<40); return r }(),
		"bad n_shards":   func() Flow { r := register; r.NShards = 0; r.WAL = coinsOf(0xc0, 1<<40); return r }(),
		"duplicate attribute": func() Flow {
			r := register
			r.WAL, r.Attributes = coinsOf(0xc0, 1<<40), []Attribute{set("a", "1"), remove("a")}
			return r
		}(),
		"WAL balances overflow": func() Flow { e := extend; e.WAL = coinsOf(0xc0, math.MaxUint64, 1); return e }(),
		"extend zero epochs":    func() Flow { e := extend; e.Epochs = 0; return e }(),
	} {
		if _, err := Bytes(testSender, testGas, f); err == nil {
			t.Errorf("%s: built", name)
		} else if !strings.HasPrefix(err.Error(), "walrusptb: ") {
			t.Errorf("%s: error without context: %v", name, err)
		}
	}
	if _, err := Bytes(testSender, testGas, extend); err != nil {
		t.Errorf("valid extend: %v", err)
	}
}
