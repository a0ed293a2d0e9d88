package suitx

import (
	"errors"
	"fmt"
	"math"

	"github.com/block-vision/sui-go-sdk/models"
	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/mr-tron/base58"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
)

// FromProto converts a proto Transaction from a request into the sdk model.
//
// With bcs set (ExecuteTransaction, or a resolved SimulateTransaction) the
// BCS bytes are authoritative: they are what was signed. They are decoded by
// Decode and the structured fields are ignored.
//
// Otherwise the structured fields are read as the TypeScript SDK sends them
// to SimulateTransaction: an object input with an object ID and no kind is
// unresolved and becomes CallArg.UnresolvedObject (its version, digest or
// mutability hints, if any, are dropped: the model cannot hold them); the
// sender, gas owner, price and budget may be absent and stay nil; a present
// gas payment gives a non-nil Payment, possibly empty. Type arguments are
// parsed, short addresses allowed. The result goes to Encode only once
// resolved.
func FromProto(p *v2.Transaction) (*transaction.TransactionData, error) {
	if p == nil {
		return nil, errors.New("suitx: no transaction")
	}
	if p.Bcs != nil && p.Bcs.Value != nil {
		if name := p.Bcs.GetName(); name != "" && name != bcsName {
			return nil, fmt.Errorf("suitx: bcs named %q, want %q", name, bcsName)
		}
		return Decode(p.Bcs.Value)
	}
	if p.Version != nil && *p.Version != 1 {
		return nil, fmt.Errorf("suitx: %w: transaction version %d", ErrUnsupported, *p.Version)
	}
	ptb, err := programmableFromProto(p.Kind)
	if err != nil {
		return nil, fmt.Errorf("suitx: %w", err)
	}
	v1 := &transaction.TransactionDataV1{
		Kind:    &transaction.TransactionKind{ProgrammableTransaction: ptb},
		GasData: &transaction.GasData{},
	}
	if p.Sender != nil {
		sender, err := parseAddress(*p.Sender)
		if err != nil {
			return nil, fmt.Errorf("suitx: sender: %w", err)
		}
		v1.Sender = &sender
	}
	if p.GasPayment != nil {
		if v1.GasData, err = gasFromProto(p.GasPayment); err != nil {
			return nil, fmt.Errorf("suitx: gas payment: %w", err)
		}
	}
	if v1.Expiration, err = expirationFromProto(p.Expiration); err != nil {
		return nil, fmt.Errorf("suitx: expiration: %w", err)
	}
	return &transaction.TransactionData{V1: v1}, nil
}

func programmableFromProto(k *v2.TransactionKind) (*transaction.ProgrammableTransaction, error) {
	if k == nil {
		return nil, errors.New("no transaction kind")
	}
	if kind := k.GetKind(); kind != v2.TransactionKind_KIND_UNKNOWN && kind != v2.TransactionKind_PROGRAMMABLE_TRANSACTION {
		return nil, fmt.Errorf("%w: transaction kind %v", ErrUnsupported, kind)
	}
	in := k.GetProgrammableTransaction()
	if in == nil {
		return nil, fmt.Errorf("%w: transaction kind without a programmable transaction", ErrUnsupported)
	}
	ptb := &transaction.ProgrammableTransaction{
		Inputs:   make([]*transaction.CallArg, len(in.Inputs)),
		Commands: make([]*transaction.Command, len(in.Commands)),
	}
	var err error
	for i, input := range in.Inputs {
		if ptb.Inputs[i], err = inputFromProto(input); err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
	}
	for i, c := range in.Commands {
		if ptb.Commands[i], err = commandFromProto(c); err != nil {
			return nil, fmt.Errorf("command %d: %w", i, err)
		}
	}
	return ptb, nil
}

func inputFromProto(in *v2.Input) (*transaction.CallArg, error) {
	if in == nil {
		return nil, errors.New("nil input")
	}
	if in.Literal != nil {
		return nil, fmt.Errorf("%w: literal input", ErrUnsupported)
	}
	switch in.GetKind() {
	case v2.Input_INPUT_KIND_UNKNOWN:
		if in.ObjectId == nil {
			return nil, errors.New("input has neither a kind nor an object ID")
		}
		id, err := parseAddress(*in.ObjectId)
		if err != nil {
			return nil, fmt.Errorf("object ID: %w", err)
		}
		return &transaction.CallArg{UnresolvedObject: &transaction.UnresolvedObject{ObjectId: id}}, nil
	case v2.Input_PURE:
		return &transaction.CallArg{Pure: &transaction.Pure{Bytes: append([]byte{}, in.Pure...)}}, nil
	case v2.Input_IMMUTABLE_OR_OWNED:
		ref, err := objectRefFromProto(in.ObjectId, in.Version, in.Digest)
		if err != nil {
			return nil, fmt.Errorf("owned object: %w", err)
		}
		return &transaction.CallArg{Object: &transaction.ObjectArg{ImmOrOwnedObject: ref}}, nil
	case v2.Input_SHARED:
		if in.ObjectId == nil || in.Version == nil {
			return nil, errors.New("shared object needs object_id and version")
		}
		id, err := parseAddress(*in.ObjectId)
		if err != nil {
			return nil, fmt.Errorf("shared object ID: %w", err)
		}
		return &transaction.CallArg{Object: &transaction.ObjectArg{SharedObject: &transaction.SharedObjectRef{
			ObjectId:             id,
			InitialSharedVersion: *in.Version,
			Mutable:              in.GetMutable(),
		}}}, nil
	case v2.Input_RECEIVING:
		ref, err := objectRefFromProto(in.ObjectId, in.Version, in.Digest)
		if err != nil {
			return nil, fmt.Errorf("receiving object: %w", err)
		}
		return &transaction.CallArg{Object: &transaction.ObjectArg{Receiving: ref}}, nil
	}
	return nil, fmt.Errorf("%w: input kind %d", ErrUnsupported, in.GetKind())
}

func objectRefFromProto(id *string, version *uint64, digest *string) (*transaction.SuiObjectRef, error) {
	if id == nil || version == nil || digest == nil {
		return nil, errors.New("object reference needs object_id, version and digest")
	}
	var ref transaction.SuiObjectRef
	var err error
	if ref.ObjectId, err = parseAddress(*id); err != nil {
		return nil, err
	}
	ref.Version = *version
	if ref.Digest, err = parseDigest(*digest); err != nil {
		return nil, err
	}
	return &ref, nil
}

// parseDigest decodes a base58 object digest, which must hold 32 bytes.
func parseDigest(s string) (models.ObjectDigestBytes, error) {
	// 32 bytes take at most 44 base58 digits; refuse longer strings before
	// decoding, whose cost grows with the square of the length.
	if len(s) > 44 {
		return nil, fmt.Errorf("digest %.50q too long", s)
	}
	b, err := base58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("digest %q: %w", s, err)
	}
	if len(b) != digestSize {
		return nil, fmt.Errorf("digest %q: %d bytes, want %d", s, len(b), digestSize)
	}
	return b, nil
}

func gasFromProto(g *v2.GasPayment) (*transaction.GasData, error) {
	payment := make([]transaction.SuiObjectRef, len(g.Objects))
	for i, o := range g.Objects {
		if o == nil {
			return nil, fmt.Errorf("object %d: nil", i)
		}
		ref, err := objectRefFromProto(o.ObjectId, o.Version, o.Digest)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		payment[i] = *ref
	}
	gas := &transaction.GasData{Payment: &payment}
	if g.Owner != nil {
		owner, err := parseAddress(*g.Owner)
		if err != nil {
			return nil, fmt.Errorf("owner: %w", err)
		}
		gas.Owner = &owner
	}
	if g.Price != nil {
		gas.Price = ptr(*g.Price)
	}
	if g.Budget != nil {
		gas.Budget = ptr(*g.Budget)
	}
	return gas, nil
}

func expirationFromProto(e *v2.TransactionExpiration) (*transaction.TransactionExpiration, error) {
	if e == nil {
		return nil, nil
	}
	switch e.GetKind() {
	case v2.TransactionExpiration_NONE:
		return nil, nil
	case v2.TransactionExpiration_EPOCH:
		if e.Epoch == nil {
			return nil, errors.New("epoch expiration without epoch")
		}
		return &transaction.TransactionExpiration{Epoch: ptr(*e.Epoch)}, nil
	}
	return nil, fmt.Errorf("%w: expiration kind %d", ErrUnsupported, e.GetKind())
}

func commandFromProto(c *v2.Command) (*transaction.Command, error) {
	if c == nil {
		return nil, errors.New("nil command")
	}
	switch cmd := c.Command.(type) {
	case *v2.Command_MoveCall:
		call, err := moveCallFromProto(cmd.MoveCall)
		if err != nil {
			return nil, fmt.Errorf("move call: %w", err)
		}
		return &transaction.Command{MoveCall: call}, nil
	case *v2.Command_TransferObjects:
		t := cmd.TransferObjects
		if t == nil {
			return nil, errors.New("empty transfer objects")
		}
		objects, err := argumentsFromProto(t.Objects)
		if err != nil {
			return nil, fmt.Errorf("transfer objects: %w", err)
		}
		address, err := argumentFromProto(t.Address)
		if err != nil {
			return nil, fmt.Errorf("transfer objects address: %w", err)
		}
		return &transaction.Command{TransferObjects: &transaction.TransferObjects{Objects: objects, Address: address}}, nil
	case *v2.Command_SplitCoins:
		s := cmd.SplitCoins
		if s == nil {
			return nil, errors.New("empty split coins")
		}
		coin, err := argumentFromProto(s.Coin)
		if err != nil {
			return nil, fmt.Errorf("split coins coin: %w", err)
		}
		amounts, err := argumentsFromProto(s.Amounts)
		if err != nil {
			return nil, fmt.Errorf("split coins: %w", err)
		}
		return &transaction.Command{SplitCoins: &transaction.SplitCoins{Coin: coin, Amount: amounts}}, nil
	case *v2.Command_MergeCoins:
		m := cmd.MergeCoins
		if m == nil {
			return nil, errors.New("empty merge coins")
		}
		coin, err := argumentFromProto(m.Coin)
		if err != nil {
			return nil, fmt.Errorf("merge coins coin: %w", err)
		}
		sources, err := argumentsFromProto(m.CoinsToMerge)
		if err != nil {
			return nil, fmt.Errorf("merge coins: %w", err)
		}
		return &transaction.Command{MergeCoins: &transaction.MergeCoins{Destination: coin, Sources: sources}}, nil
	case *v2.Command_Publish:
		if cmd.Publish == nil {
			return nil, errors.New("empty publish")
		}
		deps, err := parseAddresses(cmd.Publish.Dependencies)
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		return &transaction.Command{Publish: &transaction.Publish{Modules: copyModules(cmd.Publish.Modules), Dependencies: deps}}, nil
	case *v2.Command_MakeMoveVector:
		vec, err := makeMoveVecFromProto(cmd.MakeMoveVector)
		if err != nil {
			return nil, fmt.Errorf("make move vector: %w", err)
		}
		return &transaction.Command{MakeMoveVec: vec}, nil
	case *v2.Command_Upgrade:
		up, err := upgradeFromProto(cmd.Upgrade)
		if err != nil {
			return nil, fmt.Errorf("upgrade: %w", err)
		}
		return &transaction.Command{Upgrade: up}, nil
	}
	return nil, errors.New("command sets no variant")
}

func moveCallFromProto(m *v2.MoveCall) (*transaction.ProgrammableMoveCall, error) {
	if m == nil || m.Package == nil {
		return nil, errors.New("no package")
	}
	pkg, err := parseAddress(*m.Package)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	call := &transaction.ProgrammableMoveCall{
		Package:       pkg,
		Module:        m.GetModule(),
		Function:      m.GetFunction(),
		TypeArguments: make([]*transaction.TypeTag, len(m.TypeArguments)),
	}
	if !moveobj.IsIdentifier(call.Module) || !moveobj.IsIdentifier(call.Function) {
		return nil, fmt.Errorf("invalid identifier in %q::%q", call.Module, call.Function)
	}
	for i, s := range m.TypeArguments {
		if call.TypeArguments[i], err = parseType(s); err != nil {
			return nil, fmt.Errorf("type argument %d: %w", i, err)
		}
	}
	if call.Arguments, err = argumentsFromProto(m.Arguments); err != nil {
		return nil, err
	}
	return call, nil
}

func makeMoveVecFromProto(m *v2.MakeMoveVector) (*transaction.MakeMoveVec, error) {
	if m == nil {
		return nil, errors.New("empty")
	}
	var vec transaction.MakeMoveVec
	if m.ElementType != nil {
		// Keep the canonical spelling, as Decode does.
		tag, err := parseType(*m.ElementType)
		if err != nil {
			return nil, err
		}
		s, err := formatType(tag)
		if err != nil {
			return nil, err
		}
		vec.Type = &s
	}
	var err error
	if vec.Elements, err = argumentsFromProto(m.Elements); err != nil {
		return nil, err
	}
	return &vec, nil
}

func upgradeFromProto(u *v2.Upgrade) (*transaction.Upgrade, error) {
	if u == nil || u.Package == nil {
		return nil, errors.New("no package")
	}
	pkg, err := parseAddress(*u.Package)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	deps, err := parseAddresses(u.Dependencies)
	if err != nil {
		return nil, err
	}
	ticket, err := argumentFromProto(u.Ticket)
	if err != nil {
		return nil, fmt.Errorf("ticket: %w", err)
	}
	return &transaction.Upgrade{Modules: copyModules(u.Modules), Dependencies: deps, Package: pkg, Ticket: ticket}, nil
}

func argumentsFromProto(args []*v2.Argument) ([]*transaction.Argument, error) {
	out := make([]*transaction.Argument, len(args))
	for i, a := range args {
		var err error
		if out[i], err = argumentFromProto(a); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return out, nil
}

func argumentFromProto(a *v2.Argument) (*transaction.Argument, error) {
	if a == nil {
		return nil, errors.New("missing argument")
	}
	switch a.GetKind() {
	case v2.Argument_GAS:
		return &transaction.Argument{GasCoin: struct{}{}}, nil
	case v2.Argument_INPUT:
		i, err := argumentIndex("input", a.Input)
		if err != nil {
			return nil, err
		}
		return &transaction.Argument{Input: &i}, nil
	case v2.Argument_RESULT:
		i, err := argumentIndex("result", a.Result)
		if err != nil {
			return nil, err
		}
		if a.Subresult == nil {
			return &transaction.Argument{Result: &i}, nil
		}
		j, err := argumentIndex("subresult", a.Subresult)
		if err != nil {
			return nil, err
		}
		return &transaction.Argument{NestedResult: &transaction.NestedResult{Index: i, ResultIndex: j}}, nil
	}
	return nil, fmt.Errorf("argument kind %d", a.GetKind())
}

// argumentIndex checks that an index is present and fits BCS's u16.
func argumentIndex(what string, v *uint32) (uint16, error) {
	if v == nil {
		return 0, fmt.Errorf("%s argument without index", what)
	}
	if *v > math.MaxUint16 {
		return 0, fmt.Errorf("%s index %d over %d", what, *v, math.MaxUint16)
	}
	return uint16(*v), nil
}

func parseAddresses(ss []string) ([]models.SuiAddressBytes, error) {
	out := make([]models.SuiAddressBytes, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = parseAddress(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func formatAddresses(as []models.SuiAddressBytes) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = formatAddress(a)
	}
	return out
}
