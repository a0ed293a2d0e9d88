package walrusptb

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
)

// framework is the Sui framework package, home of 0x2::coin.
var framework = chain.ObjectID{31: 2}

// mergeChunk is how many coins the SDK merges per MergeCoins command.
const mergeChunk = 500

// ptb accumulates inputs and commands in the order the flow adds them. The
// first error sticks; later calls are no-ops, so flows read straight.
type ptb struct {
	inputs   []*transaction.CallArg
	commands []*transaction.Command
	objects  map[chain.ObjectID]uint16 // input index of each object, to use it once
	err      error
}

func newPTB() *ptb { return &ptb{objects: make(map[chain.ObjectID]uint16)} }

func (b *ptb) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *ptb) addInput(arg *transaction.CallArg) transaction.Argument {
	if len(b.inputs) > math.MaxUint16 {
		b.fail(fmt.Errorf("more than %d inputs", math.MaxUint16+1))
		return transaction.Argument{}
	}
	i := uint16(len(b.inputs))
	b.inputs = append(b.inputs, arg)
	return transaction.Argument{Input: &i}
}

// command appends c and returns its index.
func (b *ptb) command(c *transaction.Command) uint16 {
	if len(b.commands) > math.MaxUint16 {
		b.fail(fmt.Errorf("more than %d commands", math.MaxUint16+1))
		return 0
	}
	b.commands = append(b.commands, c)
	return uint16(len(b.commands) - 1)
}

func (b *ptb) pure(bcs []byte) transaction.Argument {
	return b.addInput(&transaction.CallArg{Pure: &transaction.Pure{Bytes: bcs}})
}

func (b *ptb) u8(v uint8) transaction.Argument { return b.pure([]byte{v}) }

func (b *ptb) u32(v uint32) transaction.Argument {
	return b.pure(binary.LittleEndian.AppendUint32(nil, v))
}

func (b *ptb) u64(v uint64) transaction.Argument {
	return b.pure(binary.LittleEndian.AppendUint64(nil, v))
}

func (b *ptb) bool(v bool) transaction.Argument {
	if v {
		return b.u8(1)
	}
	return b.u8(0)
}

// bytes32 takes 32 raw bytes: an address, or a u256 given little-endian as
// Walrus's blob IDs and root hashes are.
func (b *ptb) bytes32(v [32]byte) transaction.Argument { return b.pure(v[:]) }

// vector is a vector<u8>, and also a Move String (its UTF-8 bytes).
func (b *ptb) vector(v []byte) transaction.Argument {
	return b.pure(append(binary.AppendUvarint(nil, uint64(len(v))), v...))
}

func (b *ptb) owned(ref ObjectRef) transaction.Argument {
	if i, ok := b.objects[ref.ID]; ok {
		return transaction.Argument{Input: &i}
	}
	arg := b.addInput(&transaction.CallArg{Object: &transaction.ObjectArg{ImmOrOwnedObject: suiRef(ref)}})
	if arg.Input != nil {
		b.objects[ref.ID] = *arg.Input
	}
	return arg
}

// shared adds a shared object once; a later mutable use upgrades the input,
// as the SDK and Sui take the strongest use.
func (b *ptb) shared(id chain.ObjectID, initialVersion uint64, mutable bool) transaction.Argument {
	if i, ok := b.objects[id]; ok {
		if s := b.inputs[i].Object.SharedObject; s != nil && mutable {
			s.Mutable = true
		}
		return transaction.Argument{Input: &i}
	}
	arg := b.addInput(&transaction.CallArg{Object: &transaction.ObjectArg{SharedObject: &transaction.SharedObjectRef{
		ObjectId: models.SuiAddressBytes(id), InitialSharedVersion: initialVersion, Mutable: mutable,
	}}})
	if arg.Input != nil {
		b.objects[id] = *arg.Input
	}
	return arg
}

func (b *ptb) moveCall(pkg chain.ObjectID, module, function string, typeArgs []StructTag, args ...transaction.Argument) transaction.Argument {
	call := &transaction.ProgrammableMoveCall{
		Package:       models.SuiAddressBytes(pkg),
		Module:        module,
		Function:      function,
		TypeArguments: make([]*transaction.TypeTag, 0, len(typeArgs)),
		Arguments:     argPtrs(args),
	}
	for _, t := range typeArgs {
		// Only struct tags: sui-go-sdk numbers the u64/u128/u256 TypeTag
		// variants wrongly, and Walrus calls need none of them.
		call.TypeArguments = append(call.TypeArguments, &transaction.TypeTag{Struct: &transaction.StructTag{
			Address: models.SuiAddressBytes(t.Address), Module: t.Module, Name: t.Name, TypeParams: []*transaction.TypeTag{},
		}})
	}
	return result(b.command(&transaction.Command{MoveCall: call}))
}

func (b *ptb) transfer(objects []transaction.Argument, to transaction.Argument) {
	b.command(&transaction.Command{TransferObjects: &transaction.TransferObjects{Objects: argPtrs(objects), Address: &to}})
}

func (b *ptb) destroyZero(wal StructTag, coin transaction.Argument) {
	b.moveCall(framework, "coin", "destroy_zero", []StructTag{wal}, coin)
}

// walPayment holds the inputs of a WAL payment. They are added after every
// other input of the flow, as the SDK resolves its coinWithBalance intent
// last; its commands come first.
type walPayment struct {
	parts   int // how many coins pay splits off
	coins   []transaction.Argument
	amounts []transaction.Argument
	exact   bool // the coins hold exactly the total: destroy the emptied base coin
}

// walInputs adds the coins and the amounts to split off them.
func (b *ptb) walInputs(coins []Coin, amounts ...uint64) walPayment {
	p := walPayment{parts: len(amounts)}
	if len(coins) == 0 {
		b.fail(fmt.Errorf("no WAL coins to pay %d", amounts))
		return p
	}
	var need, have uint64
	var err error
	for _, a := range amounts {
		if need, err = add(need, a); err != nil {
			b.fail(fmt.Errorf("WAL total: %w", err))
			return p
		}
	}
	for _, c := range coins {
		if have, err = add(have, c.Balance); err != nil {
			b.fail(fmt.Errorf("WAL coin balances: %w", err))
			return p
		}
		p.coins = append(p.coins, b.owned(c.Ref))
	}
	if have < need {
		b.fail(fmt.Errorf("WAL coins hold %d, the transaction needs %d", have, need))
		return p
	}
	for _, a := range amounts {
		p.amounts = append(p.amounts, b.u64(a))
	}
	p.exact = have == need
	return p
}

// pay merges the coins into the first, splits the amounts off it and, when
// nothing is left, destroys it. It returns one coin per amount.
func (b *ptb) pay(wal StructTag, p walPayment) []transaction.Argument {
	if b.err != nil {
		return make([]transaction.Argument, p.parts)
	}
	base, rest := p.coins[0], p.coins[1:]
	for len(rest) > 0 {
		n := min(len(rest), mergeChunk)
		b.command(&transaction.Command{MergeCoins: &transaction.MergeCoins{Destination: &base, Sources: argPtrs(rest[:n])}})
		rest = rest[n:]
	}
	split := b.command(&transaction.Command{SplitCoins: &transaction.SplitCoins{Coin: &base, Amount: argPtrs(p.amounts)}})
	parts := make([]transaction.Argument, len(p.amounts))
	for j := range parts {
		parts[j] = nested(split, uint16(j))
	}
	if p.exact {
		b.destroyZero(wal, base)
	}
	return parts
}

func (b *ptb) programmable() (*transaction.ProgrammableTransaction, error) {
	if b.err != nil {
		return nil, b.err
	}
	return &transaction.ProgrammableTransaction{Inputs: b.inputs, Commands: b.commands}, nil
}

func result(i uint16) transaction.Argument { return transaction.Argument{Result: &i} }

func nested(i, j uint16) transaction.Argument {
	return transaction.Argument{NestedResult: &transaction.NestedResult{Index: i, ResultIndex: j}}
}

func argPtrs(args []transaction.Argument) []*transaction.Argument {
	ptrs := make([]*transaction.Argument, len(args))
	for i := range args {
		ptrs[i] = &args[i]
	}
	return ptrs
}

func suiRef(ref ObjectRef) *transaction.SuiObjectRef {
	return &transaction.SuiObjectRef{
		ObjectId: models.SuiAddressBytes(ref.ID),
		Version:  ref.Version,
		Digest:   models.ObjectDigestBytes(ref.Digest[:]),
	}
}
