package suitx

import (
	"errors"
	"fmt"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// ErrUnresolved means Encode was given a transaction that cannot be signed
// yet: an unresolved input, or gas data without price, budget, payment or
// owner.
var ErrUnresolved = errors.New("suitx: transaction not resolved")

// Encode writes tx as Sui's TransactionData BCS, the bytes that are signed
// and hashed into the transaction digest. Every enum in tx must set exactly
// one variant; a nil Expiration means None.
func Encode(tx *transaction.TransactionData) ([]byte, error) {
	if tx == nil || tx.V1 == nil {
		return nil, errors.New("suitx: encode: no V1 transaction data")
	}
	w := bcs.NewWriter(512)
	w.ULEB128(0) // TransactionData::V1
	if err := writeTransactionDataV1(w, tx.V1); err != nil {
		return nil, fmt.Errorf("suitx: encode: %w", err)
	}
	return w.Bytes(), nil
}

func writeTransactionDataV1(w *bcs.Writer, v1 *transaction.TransactionDataV1) error {
	k := v1.Kind
	if k == nil || k.ProgrammableTransaction == nil || k.ChangeEpoch != nil || k.Genesis != nil || k.ConsensusCommitPrologue != nil {
		return fmt.Errorf("%w: only a programmable transaction kind can be encoded", ErrUnsupported)
	}
	w.ULEB128(0) // TransactionKind::ProgrammableTransaction
	if err := writeProgrammable(w, k.ProgrammableTransaction); err != nil {
		return err
	}
	if v1.Sender == nil {
		return fmt.Errorf("%w: no sender", ErrUnresolved)
	}
	w.Fixed(v1.Sender[:])
	if err := writeGasData(w, v1.GasData); err != nil {
		return fmt.Errorf("gas data: %w", err)
	}
	return writeExpiration(w, v1.Expiration)
}

func writeProgrammable(w *bcs.Writer, ptb *transaction.ProgrammableTransaction) error {
	w.ULEB128(uint64(len(ptb.Inputs)))
	for i, in := range ptb.Inputs {
		if err := writeCallArg(w, in); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	w.ULEB128(uint64(len(ptb.Commands)))
	for i, c := range ptb.Commands {
		if err := writeCommand(w, c); err != nil {
			return fmt.Errorf("command %d: %w", i, err)
		}
	}
	return nil
}

func writeCallArg(w *bcs.Writer, in *transaction.CallArg) error {
	switch {
	case in == nil:
		return errors.New("nil call arg")
	case in.UnresolvedObject != nil || in.UnresolvedPure != nil:
		return ErrUnresolved
	case in.Pure != nil && in.Object == nil:
		w.ULEB128(0)
		w.Vec(in.Pure.Bytes)
		return nil
	case in.Object != nil && in.Pure == nil:
		w.ULEB128(1)
		return writeObjectArg(w, in.Object)
	}
	return errors.New("call arg must set exactly one of Pure and Object")
}

func writeObjectArg(w *bcs.Writer, o *transaction.ObjectArg) error {
	if countSet(o.ImmOrOwnedObject != nil, o.SharedObject != nil, o.Receiving != nil) != 1 {
		return errors.New("object arg must set exactly one variant")
	}
	switch {
	case o.ImmOrOwnedObject != nil:
		w.ULEB128(0)
		return writeObjectRef(w, o.ImmOrOwnedObject)
	case o.SharedObject != nil:
		w.ULEB128(1)
		w.Fixed(o.SharedObject.ObjectId[:])
		w.U64(o.SharedObject.InitialSharedVersion)
		w.Bool(o.SharedObject.Mutable)
		return nil
	default:
		w.ULEB128(2)
		return writeObjectRef(w, o.Receiving)
	}
}

func writeCommand(w *bcs.Writer, c *transaction.Command) error {
	if c == nil || countSet(c.MoveCall != nil, c.TransferObjects != nil, c.SplitCoins != nil,
		c.MergeCoins != nil, c.Publish != nil, c.MakeMoveVec != nil, c.Upgrade != nil) != 1 {
		return errors.New("command must set exactly one variant")
	}
	switch {
	case c.MoveCall != nil:
		w.ULEB128(0)
		return writeMoveCall(w, c.MoveCall)
	case c.TransferObjects != nil:
		w.ULEB128(1)
		if err := writeArguments(w, c.TransferObjects.Objects); err != nil {
			return fmt.Errorf("transfer objects: %w", err)
		}
		return writeArgument(w, c.TransferObjects.Address)
	case c.SplitCoins != nil:
		w.ULEB128(2)
		if err := writeArgument(w, c.SplitCoins.Coin); err != nil {
			return fmt.Errorf("split coins: %w", err)
		}
		return writeArguments(w, c.SplitCoins.Amount)
	case c.MergeCoins != nil:
		w.ULEB128(3)
		if err := writeArgument(w, c.MergeCoins.Destination); err != nil {
			return fmt.Errorf("merge coins: %w", err)
		}
		return writeArguments(w, c.MergeCoins.Sources)
	case c.Publish != nil:
		w.ULEB128(4)
		writePackageContents(w, c.Publish.Modules, c.Publish.Dependencies)
		return nil
	case c.MakeMoveVec != nil:
		w.ULEB128(5)
		return writeMakeMoveVec(w, c.MakeMoveVec)
	default:
		w.ULEB128(6)
		up := c.Upgrade
		writePackageContents(w, up.Modules, up.Dependencies)
		w.Fixed(up.Package[:])
		return writeArgument(w, up.Ticket)
	}
}

func writeMoveCall(w *bcs.Writer, call *transaction.ProgrammableMoveCall) error {
	if !moveobj.IsIdentifier(call.Module) || !moveobj.IsIdentifier(call.Function) {
		return fmt.Errorf("move call %q::%q: invalid identifier", call.Module, call.Function)
	}
	w.Fixed(call.Package[:])
	w.Vec([]byte(call.Module))
	w.Vec([]byte(call.Function))
	w.ULEB128(uint64(len(call.TypeArguments)))
	for i, t := range call.TypeArguments {
		if err := writeTypeTag(w, t); err != nil {
			return fmt.Errorf("type argument %d: %w", i, err)
		}
	}
	return writeArguments(w, call.Arguments)
}

func writeMakeMoveVec(w *bcs.Writer, vec *transaction.MakeMoveVec) error {
	if vec.Type == nil {
		w.Bool(false)
	} else {
		tag, err := parseType(*vec.Type)
		if err != nil {
			return fmt.Errorf("make move vec: %w", err)
		}
		w.Bool(true)
		if err := writeTypeTag(w, tag); err != nil {
			return err
		}
	}
	return writeArguments(w, vec.Elements)
}

func writePackageContents(w *bcs.Writer, modules [][]byte, deps []models.SuiAddressBytes) {
	w.ULEB128(uint64(len(modules)))
	for _, m := range modules {
		w.Vec(m)
	}
	w.ULEB128(uint64(len(deps)))
	for _, d := range deps {
		w.Fixed(d[:])
	}
}

func writeArguments(w *bcs.Writer, args []*transaction.Argument) error {
	w.ULEB128(uint64(len(args)))
	for i, a := range args {
		if err := writeArgument(w, a); err != nil {
			return fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return nil
}

func writeArgument(w *bcs.Writer, a *transaction.Argument) error {
	if a == nil || countSet(a.GasCoin != nil, a.Input != nil, a.Result != nil, a.NestedResult != nil) != 1 {
		return errors.New("argument must set exactly one variant")
	}
	switch {
	case a.GasCoin != nil:
		w.ULEB128(0)
	case a.Input != nil:
		w.ULEB128(1)
		w.U16(*a.Input)
	case a.Result != nil:
		w.ULEB128(2)
		w.U16(*a.Result)
	default:
		w.ULEB128(3)
		w.U16(a.NestedResult.Index)
		w.U16(a.NestedResult.ResultIndex)
	}
	return nil
}

func writeGasData(w *bcs.Writer, g *transaction.GasData) error {
	if g == nil || !g.IsAllSet() {
		return fmt.Errorf("%w: gas payment, owner, price and budget must all be set", ErrUnresolved)
	}
	w.ULEB128(uint64(len(*g.Payment)))
	for i := range *g.Payment {
		if err := writeObjectRef(w, &(*g.Payment)[i]); err != nil {
			return fmt.Errorf("payment %d: %w", i, err)
		}
	}
	w.Fixed(g.Owner[:])
	w.U64(*g.Price)
	w.U64(*g.Budget)
	return nil
}

func writeExpiration(w *bcs.Writer, e *transaction.TransactionExpiration) error {
	switch {
	case e == nil || (e.None != nil && e.Epoch == nil):
		w.ULEB128(0)
	case e.Epoch != nil && e.None == nil:
		w.ULEB128(1)
		w.U64(*e.Epoch)
	default:
		return errors.New("expiration must set exactly one of None and Epoch")
	}
	return nil
}

func writeObjectRef(w *bcs.Writer, ref *transaction.SuiObjectRef) error {
	if len(ref.Digest) != digestSize {
		return fmt.Errorf("object %s: digest of %d bytes, want %d", formatAddress(ref.ObjectId), len(ref.Digest), digestSize)
	}
	w.Fixed(ref.ObjectId[:])
	w.U64(ref.Version)
	w.Vec(ref.Digest)
	return nil
}

// countSet counts the true values: how many variants of an enum are set.
func countSet(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}
