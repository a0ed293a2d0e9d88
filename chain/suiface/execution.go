package suiface

import (
	"context"
	"errors"
	"slices"

	"github.com/block-vision/sui-go-sdk/models"
	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	ptb "github.com/block-vision/sui-go-sdk/transaction"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
)

type executionService struct {
	v2.UnimplementedTransactionExecutionServiceServer
	f *Face
}

// maxSignatures bounds the signatures of one transaction (the sender's and
// a sponsor's on Sui).
const maxSignatures = 2

func (s *executionService) ExecuteTransaction(ctx context.Context, req *v2.ExecuteTransactionRequest) (*v2.ExecuteTransactionResponse, error) {
	tx := req.GetTransaction()
	if tx == nil || tx.Bcs == nil || len(tx.Bcs.Value) == 0 {
		return nil, status.Error(codes.InvalidArgument, "transaction.bcs is required: the signed TransactionData bytes")
	}
	if len(req.Signatures) == 0 || len(req.Signatures) > maxSignatures {
		return nil, status.Errorf(codes.InvalidArgument, "%d signatures; 1 or 2 are expected", len(req.Signatures))
	}
	sigs := make([][]byte, len(req.Signatures))
	for i, sig := range req.Signatures {
		if sig.GetBcs() == nil || len(sig.GetBcs().Value) == 0 {
			return nil, status.Errorf(codes.InvalidArgument, "signature %d: bcs is required (flag ‖ signature ‖ public key)", i)
		}
		sigs[i] = sig.GetBcs().Value
	}
	exec, err := s.f.l.ExecuteSui(ctx, tx.Bcs.Value, sigs)
	if err != nil {
		return nil, txError(err)
	}
	out, err := executed(exec)
	if err != nil {
		return nil, internal(err)
	}
	return &v2.ExecuteTransactionResponse{Transaction: out}, nil
}

// txError maps a ledger error about a transaction to its gRPC status.
func txError(err error) error {
	if errors.Is(err, ledger.ErrTxRejected) {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return internal(err)
}

// SimulateTransaction dry-runs a transaction. Given as structured data with
// unresolved inputs, as the TypeScript SDK sends it, it is resolved first:
// object references and shared-object mutability from the ledger, the
// reference gas price, a budget from a dry run, and gas coins chosen from
// the sender's; the reply carries the resolved transaction, which clients
// then sign.
func (s *executionService) SimulateTransaction(ctx context.Context, req *v2.SimulateTransactionRequest) (*v2.SimulateTransactionResponse, error) {
	td, err := suitx.FromProto(req.GetTransaction())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "transaction: %v", err)
	}
	v := td.V1
	if v == nil || v.Sender == nil || v.Kind == nil || v.Kind.ProgrammableTransaction == nil {
		return nil, status.Error(codes.InvalidArgument, "transaction: a programmable transaction with a sender is required")
	}
	if err := s.resolveInputs(ctx, v); err != nil {
		return nil, err
	}
	if err := s.resolveGas(ctx, td, req.GetDoGasSelection()); err != nil {
		return nil, err
	}
	exec, err := s.f.l.DryRunSui(ctx, td)
	if err != nil {
		return nil, txError(err)
	}
	b, err := suitx.Encode(td)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "transaction: %v", err)
	}
	exec.Digest, exec.TxBytes = suikey.TransactionDigest(b), b
	out, err := executed(exec)
	if err != nil {
		return nil, internal(err)
	}
	out.Checkpoint, out.Timestamp = nil, nil
	return &v2.SimulateTransactionResponse{Transaction: out}, nil
}

// resolveInputs turns inputs named only by object ID into references: shared
// objects with their initial version and the mutability their uses need,
// owned ones at their current version and digest.
func (s *executionService) resolveInputs(ctx context.Context, v *ptb.TransactionDataV1) error {
	pt := v.Kind.ProgrammableTransaction
	var ids []chain.ObjectID
	var at []int
	for i, in := range pt.Inputs {
		if in != nil && in.UnresolvedObject != nil {
			ids = append(ids, chain.ObjectID(in.UnresolvedObject.ObjectId))
			at = append(at, i)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	objs, err := s.f.l.SuiObjects(ctx, ids)
	if err != nil {
		return internal(err)
	}
	mutable := mutableInputs(pt)
	for j, o := range objs {
		i := at[j]
		if o == nil {
			return status.Errorf(codes.InvalidArgument, "input %d: object %s not found", i, hexID(ids[j]))
		}
		id := models.SuiAddressBytes(o.ID)
		switch o.Owner.Kind {
		case ledger.OwnerShared:
			pt.Inputs[i] = &ptb.CallArg{Object: &ptb.ObjectArg{SharedObject: &ptb.SharedObjectRef{
				ObjectId: id, InitialSharedVersion: o.Owner.Version, Mutable: mutable[i],
			}}}
		case ledger.OwnerAddress, ledger.OwnerImmutable:
			pt.Inputs[i] = &ptb.CallArg{Object: &ptb.ObjectArg{ImmOrOwnedObject: &ptb.SuiObjectRef{
				ObjectId: id, Version: o.Version, Digest: models.ObjectDigestBytes(o.Digest[:]),
			}}}
		default:
			return status.Errorf(codes.InvalidArgument, "input %d: object %s is owned by another object and cannot be an input", i, hexID(ids[j]))
		}
	}
	return nil
}

// immutableUses lists the Walrus calls that take the System by shared
// reference; every other use of a shared input needs it mutable, as Sui's
// resolver decides from the function signatures.
var immutableUses = map[string]bool{
	"system::certify_blob":       true,
	"system::delete_blob":        true,
	"system::invalidate_blob_id": true,
}

// mutableInputs says which inputs some command takes mutably or by value.
func mutableInputs(pt *ptb.ProgrammableTransaction) map[int]bool {
	out := make(map[int]bool)
	mark := func(a *ptb.Argument, mutable bool) {
		if a != nil && a.Input != nil && mutable {
			out[int(*a.Input)] = true
		}
	}
	for _, c := range pt.Commands {
		switch {
		case c == nil:
		case c.MoveCall != nil:
			imm := immutableUses[c.MoveCall.Module+"::"+c.MoveCall.Function]
			for i, a := range c.MoveCall.Arguments {
				mark(a, !(imm && i == 0))
			}
		case c.SplitCoins != nil:
			mark(c.SplitCoins.Coin, true)
		case c.MergeCoins != nil:
			mark(c.MergeCoins.Destination, true)
			for _, a := range c.MergeCoins.Sources {
				mark(a, true)
			}
		case c.TransferObjects != nil:
			for _, a := range c.TransferObjects.Objects {
				mark(a, true)
			}
		}
	}
	return out
}

// maxGasCoins bounds the coins one transaction pays gas with.
const maxGasCoins = 256

// resolveGas fills what the gas data lacks: owner, the reference price, a
// budget estimated by a dry run, and (with selection asked) coins of the
// sender's that cover it.
func (s *executionService) resolveGas(ctx context.Context, td *ptb.TransactionData, selection bool) error {
	v := td.V1
	d := s.f.l.SuiDeployment()
	if v.GasData == nil {
		v.GasData = &ptb.GasData{}
	}
	g := v.GasData
	if g.Owner == nil {
		owner := *v.Sender
		g.Owner = &owner
	}
	if g.Price == nil {
		price := d.GasPrice
		g.Price = &price
	}
	if g.Payment != nil && len(*g.Payment) > 0 && g.Budget != nil {
		return nil
	}
	if g.Payment != nil && len(*g.Payment) > 0 && !selection {
		return s.estimateBudget(ctx, td, *g.Payment)
	}
	if !selection {
		return status.Error(codes.InvalidArgument, "gas payment is missing and do_gas_selection is not set")
	}
	coins, err := s.gasCandidates(ctx, chain.Address(*g.Owner), v.Kind.ProgrammableTransaction)
	if err != nil {
		return err
	}
	if len(coins) == 0 {
		return status.Errorf(codes.FailedPrecondition, "the sender %s has no SUI coins to pay gas with", hexID(*g.Owner))
	}
	refs := make([]ptb.SuiObjectRef, len(coins))
	for i, c := range coins {
		refs[i] = ref(c)
	}
	if g.Budget == nil {
		if err := s.estimateBudget(ctx, td, refs); err != nil {
			return err
		}
	}
	// Largest coins first, until the budget is covered.
	var picked []ptb.SuiObjectRef
	var total uint64
	for i, c := range coins {
		if total >= *g.Budget {
			break
		}
		picked = append(picked, refs[i])
		total += *c.Balance
	}
	if total < *g.Budget {
		return status.Errorf(codes.FailedPrecondition, "the sender's SUI coins hold %d MIST, less than the gas budget of %d", total, *g.Budget)
	}
	g.Payment = &picked
	return nil
}

func ref(o *ledger.SuiObject) ptb.SuiObjectRef {
	return ptb.SuiObjectRef{ObjectId: models.SuiAddressBytes(o.ID), Version: o.Version, Digest: models.ObjectDigestBytes(o.Digest[:])}
}

// gasCandidates lists the owner's SUI coins that are not inputs, largest
// first.
func (s *executionService) gasCandidates(ctx context.Context, owner chain.Address, pt *ptb.ProgrammableTransaction) ([]*ledger.SuiObject, error) {
	sui := moveobj.CoinType(moveobj.SUIType()).String()
	coins, _, err := s.f.l.SuiOwnedObjects(ctx, owner, func(t moveobj.StructTag) bool { return t.String() == sui }, nil, 1<<20)
	if err != nil {
		return nil, internal(err)
	}
	used := make(map[chain.ObjectID]bool)
	for _, in := range pt.Inputs {
		if in != nil && in.Object != nil && in.Object.ImmOrOwnedObject != nil {
			used[chain.ObjectID(in.Object.ImmOrOwnedObject.ObjectId)] = true
		}
	}
	coins = slices.DeleteFunc(coins, func(o *ledger.SuiObject) bool { return used[o.ID] })
	slices.SortStableFunc(coins, func(a, b *ledger.SuiObject) int {
		switch {
		case *a.Balance > *b.Balance:
			return -1
		case *a.Balance < *b.Balance:
			return 1
		}
		return 0
	})
	if len(coins) > maxGasCoins {
		coins = coins[:maxGasCoins]
	}
	return coins, nil
}

// estimateBudget dry-runs the transaction paying with payment and sets the
// budget as Sui's simulation does: computation plus net storage, plus a
// thousand gas units of slack.
func (s *executionService) estimateBudget(ctx context.Context, td *ptb.TransactionData, payment []ptb.SuiObjectRef) error {
	g := td.V1.GasData
	trial := *td.V1
	tg := *g
	tg.Payment = &payment
	maxBudget := uint64(50e9)
	tg.Budget = &maxBudget
	trial.GasData = &tg
	exec, err := s.f.l.DryRunSui(ctx, &ptb.TransactionData{V1: &trial})
	if err != nil {
		return txError(err)
	}
	budget := exec.Gas.Computation + exec.Gas.Storage + 1000**g.Price
	g.Budget = &budget
	return nil
}
