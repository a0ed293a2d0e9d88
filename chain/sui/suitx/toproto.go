package suitx

import (
	"errors"
	"fmt"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/mr-tron/base58"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
)

// bcsName is the name the gRPC API gives TransactionData BCS in Bcs.name.
const bcsName = "TransactionData"

// ProtoFromBCS turns signed TransactionData bytes into the proto Transaction
// that ExecuteTransaction, GetTransaction and SimulateTransaction replies
// carry: the structured fields of ToProto, plus bcs {name "TransactionData",
// value} and the base58 transaction digest. The bytes are untrusted.
func ProtoFromBCS(b []byte) (*v2.Transaction, error) {
	tx, err := Decode(b)
	if err != nil {
		return nil, err
	}
	p, err := ToProto(tx)
	if err != nil {
		return nil, err
	}
	digest := suikey.TransactionDigest(b)
	p.Bcs = &v2.Bcs{Name: ptr(bcsName), Value: append([]byte{}, b...)}
	p.Digest = ptr(base58.Encode(digest[:]))
	return p, nil
}

// ToProto converts tx to the structured proto Transaction as the
// TypeScript SDK's transactionDataToGrpcTransaction builds it: version 1,
// sender, gas payment (its owner defaulting to the sender, price and budget
// only when set), expiration, and the programmable transaction's inputs and
// commands. Unresolved object inputs become inputs with only an object ID,
// as the SDK sends them to SimulateTransaction. Unlike the SDK it also sets
// kind.kind to PROGRAMMABLE_TRANSACTION, as Sui does. It sets neither bcs
// nor digest (see ProtoFromBCS).
func ToProto(tx *transaction.TransactionData) (*v2.Transaction, error) {
	if tx == nil || tx.V1 == nil || tx.V1.Kind == nil || tx.V1.Kind.ProgrammableTransaction == nil {
		return nil, fmt.Errorf("%w: only V1 programmable transactions convert to proto", ErrUnsupported)
	}
	v1 := tx.V1
	ptb := v1.Kind.ProgrammableTransaction
	p := &v2.Transaction{
		Version: ptr(int32(1)),
		Kind: &v2.TransactionKind{
			Kind: v2.TransactionKind_PROGRAMMABLE_TRANSACTION.Enum(),
			Data: &v2.TransactionKind_ProgrammableTransaction{ProgrammableTransaction: &v2.ProgrammableTransaction{
				Inputs:   make([]*v2.Input, len(ptb.Inputs)),
				Commands: make([]*v2.Command, len(ptb.Commands)),
			}},
		},
	}
	out := p.Kind.GetProgrammableTransaction()
	var err error
	for i, in := range ptb.Inputs {
		if out.Inputs[i], err = inputToProto(in); err != nil {
			return nil, fmt.Errorf("suitx: input %d: %w", i, err)
		}
	}
	for i, c := range ptb.Commands {
		if out.Commands[i], err = commandToProto(c); err != nil {
			return nil, fmt.Errorf("suitx: command %d: %w", i, err)
		}
	}
	if v1.Sender != nil {
		p.Sender = ptr(formatAddress(*v1.Sender))
	}
	p.GasPayment = gasToProto(v1.GasData, p.Sender)
	if p.Expiration, err = expirationToProto(v1.Expiration); err != nil {
		return nil, fmt.Errorf("suitx: %w", err)
	}
	return p, nil
}

func gasToProto(g *transaction.GasData, sender *string) *v2.GasPayment {
	gp := &v2.GasPayment{Owner: sender}
	if g == nil {
		return gp
	}
	if g.Payment != nil {
		for _, ref := range *g.Payment {
			gp.Objects = append(gp.Objects, &v2.ObjectReference{
				ObjectId: ptr(formatAddress(ref.ObjectId)),
				Version:  ptr(ref.Version),
				Digest:   ptr(base58.Encode(ref.Digest)),
			})
		}
	}
	if g.Owner != nil {
		gp.Owner = ptr(formatAddress(*g.Owner))
	}
	if g.Price != nil {
		gp.Price = ptr(*g.Price)
	}
	if g.Budget != nil {
		gp.Budget = ptr(*g.Budget)
	}
	return gp
}

func expirationToProto(e *transaction.TransactionExpiration) (*v2.TransactionExpiration, error) {
	switch {
	case e == nil || (e.None != nil && e.Epoch == nil):
		return &v2.TransactionExpiration{Kind: v2.TransactionExpiration_NONE.Enum()}, nil
	case e.Epoch != nil && e.None == nil:
		return &v2.TransactionExpiration{Kind: v2.TransactionExpiration_EPOCH.Enum(), Epoch: ptr(*e.Epoch)}, nil
	}
	return nil, errors.New("expiration must set exactly one of None and Epoch")
}

func inputToProto(in *transaction.CallArg) (*v2.Input, error) {
	switch {
	case in == nil:
		return nil, errors.New("nil call arg")
	case in.UnresolvedPure != nil:
		return nil, fmt.Errorf("%w: unresolved pure value", ErrUnresolved)
	case in.UnresolvedObject != nil:
		return &v2.Input{ObjectId: ptr(formatAddress(in.UnresolvedObject.ObjectId))}, nil
	case in.Pure != nil:
		return &v2.Input{Kind: v2.Input_PURE.Enum(), Pure: append([]byte{}, in.Pure.Bytes...)}, nil
	case in.Object == nil:
		return nil, errors.New("call arg sets no variant")
	}
	o := in.Object
	switch {
	case o.ImmOrOwnedObject != nil:
		return objectRefInput(v2.Input_IMMUTABLE_OR_OWNED, o.ImmOrOwnedObject), nil
	case o.SharedObject != nil:
		s := o.SharedObject
		return &v2.Input{
			Kind:     v2.Input_SHARED.Enum(),
			ObjectId: ptr(formatAddress(s.ObjectId)),
			Version:  ptr(s.InitialSharedVersion),
			Mutable:  ptr(s.Mutable),
		}, nil
	case o.Receiving != nil:
		return objectRefInput(v2.Input_RECEIVING, o.Receiving), nil
	}
	return nil, errors.New("object arg sets no variant")
}

func objectRefInput(kind v2.Input_InputKind, ref *transaction.SuiObjectRef) *v2.Input {
	return &v2.Input{
		Kind:     kind.Enum(),
		ObjectId: ptr(formatAddress(ref.ObjectId)),
		Version:  ptr(ref.Version),
		Digest:   ptr(base58.Encode(ref.Digest)),
	}
}

func commandToProto(c *transaction.Command) (*v2.Command, error) {
	if c == nil {
		return nil, errors.New("nil command")
	}
	switch {
	case c.MoveCall != nil:
		m := c.MoveCall
		call := &v2.MoveCall{
			Package:       ptr(formatAddress(m.Package)),
			Module:        ptr(m.Module),
			Function:      ptr(m.Function),
			TypeArguments: make([]string, len(m.TypeArguments)),
		}
		for i, t := range m.TypeArguments {
			s, err := formatType(t)
			if err != nil {
				return nil, fmt.Errorf("move call type argument %d: %w", i, err)
			}
			call.TypeArguments[i] = s
		}
		var err error
		if call.Arguments, err = argumentsToProto(m.Arguments); err != nil {
			return nil, fmt.Errorf("move call: %w", err)
		}
		return &v2.Command{Command: &v2.Command_MoveCall{MoveCall: call}}, nil
	case c.TransferObjects != nil:
		objects, err := argumentsToProto(c.TransferObjects.Objects)
		if err != nil {
			return nil, fmt.Errorf("transfer objects: %w", err)
		}
		address, err := argumentToProto(c.TransferObjects.Address)
		if err != nil {
			return nil, fmt.Errorf("transfer objects address: %w", err)
		}
		return &v2.Command{Command: &v2.Command_TransferObjects{TransferObjects: &v2.TransferObjects{Objects: objects, Address: address}}}, nil
	case c.SplitCoins != nil:
		coin, err := argumentToProto(c.SplitCoins.Coin)
		if err != nil {
			return nil, fmt.Errorf("split coins coin: %w", err)
		}
		amounts, err := argumentsToProto(c.SplitCoins.Amount)
		if err != nil {
			return nil, fmt.Errorf("split coins: %w", err)
		}
		return &v2.Command{Command: &v2.Command_SplitCoins{SplitCoins: &v2.SplitCoins{Coin: coin, Amounts: amounts}}}, nil
	case c.MergeCoins != nil:
		coin, err := argumentToProto(c.MergeCoins.Destination)
		if err != nil {
			return nil, fmt.Errorf("merge coins destination: %w", err)
		}
		sources, err := argumentsToProto(c.MergeCoins.Sources)
		if err != nil {
			return nil, fmt.Errorf("merge coins: %w", err)
		}
		return &v2.Command{Command: &v2.Command_MergeCoins{MergeCoins: &v2.MergeCoins{Coin: coin, CoinsToMerge: sources}}}, nil
	case c.Publish != nil:
		return &v2.Command{Command: &v2.Command_Publish{Publish: &v2.Publish{
			Modules:      copyModules(c.Publish.Modules),
			Dependencies: formatAddresses(c.Publish.Dependencies),
		}}}, nil
	case c.MakeMoveVec != nil:
		elements, err := argumentsToProto(c.MakeMoveVec.Elements)
		if err != nil {
			return nil, fmt.Errorf("make move vec: %w", err)
		}
		return &v2.Command{Command: &v2.Command_MakeMoveVector{MakeMoveVector: &v2.MakeMoveVector{
			ElementType: c.MakeMoveVec.Type,
			Elements:    elements,
		}}}, nil
	case c.Upgrade != nil:
		up := c.Upgrade
		ticket, err := argumentToProto(up.Ticket)
		if err != nil {
			return nil, fmt.Errorf("upgrade ticket: %w", err)
		}
		return &v2.Command{Command: &v2.Command_Upgrade{Upgrade: &v2.Upgrade{
			Modules:      copyModules(up.Modules),
			Dependencies: formatAddresses(up.Dependencies),
			Package:      ptr(formatAddress(up.Package)),
			Ticket:       ticket,
		}}}, nil
	}
	return nil, errors.New("command sets no variant")
}

func argumentsToProto(args []*transaction.Argument) ([]*v2.Argument, error) {
	out := make([]*v2.Argument, len(args))
	for i, a := range args {
		var err error
		if out[i], err = argumentToProto(a); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return out, nil
}

func argumentToProto(a *transaction.Argument) (*v2.Argument, error) {
	switch {
	case a == nil:
		return nil, errors.New("nil argument")
	case a.GasCoin != nil:
		return &v2.Argument{Kind: v2.Argument_GAS.Enum()}, nil
	case a.Input != nil:
		return &v2.Argument{Kind: v2.Argument_INPUT.Enum(), Input: ptr(uint32(*a.Input))}, nil
	case a.Result != nil:
		return &v2.Argument{Kind: v2.Argument_RESULT.Enum(), Result: ptr(uint32(*a.Result))}, nil
	case a.NestedResult != nil:
		return &v2.Argument{
			Kind:      v2.Argument_RESULT.Enum(),
			Result:    ptr(uint32(a.NestedResult.Index)),
			Subresult: ptr(uint32(a.NestedResult.ResultIndex)),
		}, nil
	}
	return nil, errors.New("argument sets no variant")
}

func copyModules(modules [][]byte) [][]byte {
	out := make([][]byte, len(modules))
	for i, m := range modules {
		out[i] = append([]byte{}, m...)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
