package ledger

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/block-vision/sui-go-sdk/models"
	ptb "github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
)

// TestReserveCostOverflowAborts buys an absurd amount of storage whose price
// does not fit in a u64: Move aborts with an arithmetic error, and the
// ledger must too rather than charge a wrapped-around price.
func TestReserveCostOverflowAborts(t *testing.T) {
	key, err := suikey.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	g, _ := testGenesis(t)
	g.Sui = &SuiGenesis{Grants: []Grant{{Owner: key.Address(), SUI: 10e9, WAL: 10e9}}}
	l, err := Create(t.TempDir(), g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	d := l.SuiDeployment()
	owned, _, err := l.SuiOwnedObjects(ctx, key.Address(), nil, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	var gas, wal *SuiObject
	for _, o := range owned {
		if o.Type.String() == moveobj.CoinType(moveobj.SUIType()).String() {
			gas = o
		} else if o.Type.String() == moveobj.CoinType(d.WALType()).String() {
			wal = o
		}
	}
	if gas == nil || wal == nil {
		t.Fatalf("granted coins not found: %v", owned)
	}
	ref := func(o *SuiObject) ptb.SuiObjectRef {
		return ptb.SuiObjectRef{ObjectId: models.SuiAddressBytes(o.ID), Version: o.Version, Digest: models.ObjectDigestBytes(o.Digest[:])}
	}
	u64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	in := func(i uint16) *ptb.Argument { return &ptb.Argument{Input: &i} }
	zero := uint16(0)
	sender := models.SuiAddressBytes(key.Address())
	price, budget := d.GasPrice, uint64(1e9)
	walRef, gasRef := ref(wal), ref(gas)
	td := &ptb.TransactionData{V1: &ptb.TransactionDataV1{
		Kind: &ptb.TransactionKind{ProgrammableTransaction: &ptb.ProgrammableTransaction{
			Inputs: []*ptb.CallArg{
				{Object: &ptb.ObjectArg{SharedObject: &ptb.SharedObjectRef{ObjectId: models.SuiAddressBytes(d.System), InitialSharedVersion: 1, Mutable: true}}},
				{Pure: &ptb.Pure{Bytes: u64(1 << 62)}},
				{Pure: &ptb.Pure{Bytes: binary.LittleEndian.AppendUint32(nil, 53)}},
				{Object: &ptb.ObjectArg{ImmOrOwnedObject: &walRef}},
				{Pure: &ptb.Pure{Bytes: sender[:]}},
			},
			Commands: []*ptb.Command{
				{MoveCall: &ptb.ProgrammableMoveCall{Package: models.SuiAddressBytes(d.WalrusPackage), Module: "system", Function: "reserve_space",
					Arguments: []*ptb.Argument{in(0), in(1), in(2), in(3)}}},
				{TransferObjects: &ptb.TransferObjects{Objects: []*ptb.Argument{{Result: &zero}}, Address: in(4)}},
			},
		}},
		Sender:  &sender,
		GasData: &ptb.GasData{Payment: &[]ptb.SuiObjectRef{gasRef}, Owner: &sender, Price: &price, Budget: &budget},
	}}
	txBytes, err := suitx.Encode(td)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := l.ExecuteSui(ctx, txBytes, [][]byte{key.SignTransaction(txBytes)})
	if err != nil {
		t.Fatal(err)
	}
	if exec.Failure == nil || exec.Failure.Kind != "MovePrimitiveRuntimeError" {
		t.Fatalf("reserve of 2^62 bytes for 53 epochs: failure %+v, want an arithmetic error", exec.Failure)
	}
	left, _, err := l.SuiBalance(ctx, key.Address(), d.WALType())
	if err != nil || left != 10e9 {
		t.Fatalf("WAL after the aborted reserve: %d (%v), want all 10e9 FROST", left, err)
	}
	if st, err := l.As(chain.Address(key.Address())).BlobStatus(ctx, [32]byte{}); err != nil || st.Exists {
		t.Fatalf("blob status: %+v, %v", st, err)
	}
}
