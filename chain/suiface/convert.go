package suiface

import (
	"strings"
	"time"
	"unicode"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/mr-tron/base58"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
)

func hexID(id [32]byte) string { return ledger.FormatObjectID(chain.ObjectID(id)) }

func digestString(d [32]byte) string { return base58.Encode(d[:]) }

func owner(o ledger.SuiOwner) *v2.Owner {
	kind := v2.Owner_OwnerKind(o.Kind)
	out := &v2.Owner{Kind: &kind}
	switch o.Kind {
	case ledger.OwnerAddress, ledger.OwnerObject:
		out.Address = proto.String(hexID(o.Address))
	case ledger.OwnerShared:
		out.Version = proto.Uint64(o.Version)
	}
	return out
}

// object converts a ledger object; the face fills every field it has
// whatever the read mask, which clients ignore beyond what they asked.
func object(o *ledger.SuiObject) *v2.Object {
	out := &v2.Object{
		ObjectId:   proto.String(hexID(o.ID)),
		Version:    proto.Uint64(o.Version),
		Digest:     proto.String(digestString(o.Digest)),
		Owner:      owner(o.Owner),
		ObjectType: proto.String(o.Type.String()),
		Contents:   &v2.Bcs{Name: proto.String(o.Type.Name), Value: o.Contents},
		Balance:    o.Balance,
	}
	return out
}

// executed converts a transaction's effects to the ExecutedTransaction Sui
// returns from ExecuteTransaction and GetTransaction.
func executed(exec *ledger.SuiExecution) (*v2.ExecutedTransaction, error) {
	tx, err := suitx.ProtoFromBCS(exec.TxBytes)
	if err != nil {
		return nil, err
	}
	digest := digestString(exec.Digest)
	out := &v2.ExecutedTransaction{
		Digest:      proto.String(digest),
		Transaction: tx,
		Effects:     effects(exec),
		Checkpoint:  proto.Uint64(exec.Checkpoint),
		Timestamp:   timestamppb.New(time.UnixMilli(exec.TimestampMs)),
	}
	for _, sig := range exec.Signatures {
		out.Signatures = append(out.Signatures, &v2.UserSignature{Bcs: &v2.Bcs{Value: sig}})
	}
	return out, nil
}

func effects(exec *ledger.SuiExecution) *v2.TransactionEffects {
	digest := digestString(exec.Digest)
	e := &v2.TransactionEffects{
		Version:           proto.Int32(2),
		Status:            executionStatus(exec.Failure),
		Epoch:             proto.Uint64(uint64(exec.Epoch)),
		TransactionDigest: proto.String(digest),
		LamportVersion:    proto.Uint64(exec.Lamport),
		GasUsed: &v2.GasCostSummary{
			ComputationCost:         proto.Uint64(exec.Gas.Computation),
			StorageCost:             proto.Uint64(exec.Gas.Storage),
			StorageRebate:           proto.Uint64(exec.Gas.Rebate),
			NonRefundableStorageFee: proto.Uint64(0),
		},
	}
	for _, c := range exec.Changes {
		co := changedObject(c)
		e.ChangedObjects = append(e.ChangedObjects, co)
		if c.ID == exec.GasObject {
			e.GasObject = co
		}
	}
	return e
}

func changedObject(c ledger.SuiChange) *v2.ChangedObject {
	co := &v2.ChangedObject{ObjectId: proto.String(hexID(c.ID)), ObjectType: proto.String(c.Type)}
	in, out := v2.ChangedObject_INPUT_OBJECT_STATE_DOES_NOT_EXIST, v2.ChangedObject_OUTPUT_OBJECT_STATE_DOES_NOT_EXIST
	if c.InputVersion != 0 {
		in = v2.ChangedObject_INPUT_OBJECT_STATE_EXISTS
		co.InputVersion = proto.Uint64(c.InputVersion)
		co.InputDigest = proto.String(digestString(c.InputDigest))
		co.InputOwner = owner(c.InputOwner)
	}
	if c.OutputVersion != 0 {
		out = v2.ChangedObject_OUTPUT_OBJECT_STATE_OBJECT_WRITE
		co.OutputVersion = proto.Uint64(c.OutputVersion)
		co.OutputDigest = proto.String(digestString(c.OutputDigest))
		co.OutputOwner = owner(c.OutputOwner)
	}
	co.InputState, co.OutputState = &in, &out
	op := v2.ChangedObject_NONE
	switch c.Op {
	case ledger.ChangeCreated:
		op = v2.ChangedObject_CREATED
	case ledger.ChangeDeleted:
		op = v2.ChangedObject_DELETED
	}
	co.IdOperation = &op
	return co
}

func executionStatus(f *ledger.SuiFailure) *v2.ExecutionStatus {
	if f == nil {
		return &v2.ExecutionStatus{Success: proto.Bool(true)}
	}
	kind := v2.ExecutionError_ExecutionErrorKind(v2.ExecutionError_ExecutionErrorKind_value[screamingSnake(f.Kind)])
	e := &v2.ExecutionError{Description: proto.String(f.Message), Kind: &kind}
	if f.Command >= 0 {
		e.Command = proto.Uint64(uint64(f.Command))
	}
	if a := f.Abort; a != nil {
		e.ErrorDetails = &v2.ExecutionError_Abort{Abort: &v2.MoveAbort{
			AbortCode: proto.Uint64(a.Code),
			Location: &v2.MoveLocation{
				Package:      proto.String(hexID(a.Package)),
				Module:       proto.String(a.Module),
				FunctionName: proto.String(a.Function),
				Instruction:  proto.Uint32(0),
			},
		}}
	}
	return &v2.ExecutionStatus{Success: proto.Bool(false), Error: e}
}

// screamingSnake turns Sui's failure names (MoveAbort) into the proto enum's
// (MOVE_ABORT).
func screamingSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
