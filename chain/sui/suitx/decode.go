package suitx

import (
	"errors"
	"fmt"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// ErrUnsupported means the input is a valid Sui transaction of a kind this
// package does not handle (a system transaction, a funds-withdrawal input, a
// ValidDuring expiration, …). Malformed input wraps bcs.ErrInvalid or
// bcs.ErrTruncated instead.
var ErrUnsupported = errors.New("suitx: unsupported transaction variant")

// digestSize is the length of object digests (Blake2b-256).
const digestSize = 32

// Sizes of the smallest encodings, used to bound vector lengths by the
// bytes left: an object ref is ID, version and a length-prefixed digest;
// any call arg or command is a tag plus at least one byte.
const (
	minObjectRefSize = 32 + 8 + 1 + digestSize
	minCallArgSize   = 2
	minCommandSize   = 2
	minArgumentSize  = 1
)

// Variant names of Sui enums this package refuses, for error messages.
var (
	transactionKindNames = []string{
		"ProgrammableTransaction", "ChangeEpoch", "Genesis", "ConsensusCommitPrologue",
		"AuthenticatorStateUpdate", "EndOfEpochTransaction", "RandomnessStateUpdate",
		"ConsensusCommitPrologueV2", "ConsensusCommitPrologueV3", "ConsensusCommitPrologueV4",
		"ProgrammableSystemTransaction",
	}
	expirationNames = []string{"None", "Epoch", "ValidDuring", "Validity"}
	callArgNames    = []string{"Pure", "Object", "FundsWithdrawal"}
)

// variantName names variant i of an enum, or says it is unknown.
func variantName(names []string, i uint64) string {
	if i < uint64(len(names)) {
		return names[i]
	}
	return fmt.Sprintf("unknown variant %d", i)
}

// refuse reports variant i: ErrUnsupported for a variant Sui has, ErrInvalid
// for one it does not.
func refuse(what string, names []string, i uint64) error {
	if i < uint64(len(names)) {
		return fmt.Errorf("%w: %s %s", ErrUnsupported, what, names[i])
	}
	return fmt.Errorf("%w: %s variant %d", bcs.ErrInvalid, what, i)
}

// Decode parses Sui TransactionData BCS (as signed and as ExecuteTransaction
// carries it) into the sdk model, in the canonical form described in the
// package documentation. The input is untrusted.
func Decode(b []byte) (*transaction.TransactionData, error) {
	r := bcs.NewReader(b)
	version, err := r.ULEB128()
	if err != nil {
		return nil, fmt.Errorf("suitx: transaction data: %w", err)
	}
	if version != 0 {
		return nil, fmt.Errorf("suitx: %w: TransactionData variant %d, only V1 exists", bcs.ErrInvalid, version)
	}
	v1, err := readTransactionDataV1(r)
	if err != nil {
		return nil, fmt.Errorf("suitx: %w", err)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("suitx: after transaction data: %w", err)
	}
	return &transaction.TransactionData{V1: v1}, nil
}

func readTransactionDataV1(r *bcs.Reader) (*transaction.TransactionDataV1, error) {
	kind, err := r.ULEB128()
	if err != nil {
		return nil, fmt.Errorf("transaction kind: %w", err)
	}
	if kind != 0 {
		return nil, refuse("transaction kind", transactionKindNames, kind)
	}
	ptb, err := readProgrammable(r)
	if err != nil {
		return nil, err
	}
	sender, err := readAddress(r)
	if err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	gas, err := readGasData(r)
	if err != nil {
		return nil, fmt.Errorf("gas data: %w", err)
	}
	expiration, err := readExpiration(r)
	if err != nil {
		return nil, fmt.Errorf("expiration: %w", err)
	}
	return &transaction.TransactionDataV1{
		Kind:       &transaction.TransactionKind{ProgrammableTransaction: ptb},
		Sender:     &sender,
		GasData:    gas,
		Expiration: expiration,
	}, nil
}

func readProgrammable(r *bcs.Reader) (*transaction.ProgrammableTransaction, error) {
	n, err := r.Len(minCallArgSize)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	ptb := &transaction.ProgrammableTransaction{Inputs: make([]*transaction.CallArg, n)}
	for i := range ptb.Inputs {
		if ptb.Inputs[i], err = readCallArg(r); err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
	}
	if n, err = r.Len(minCommandSize); err != nil {
		return nil, fmt.Errorf("commands: %w", err)
	}
	ptb.Commands = make([]*transaction.Command, n)
	for i := range ptb.Commands {
		if ptb.Commands[i], err = readCommand(r); err != nil {
			return nil, fmt.Errorf("command %d: %w", i, err)
		}
	}
	return ptb, nil
}

func readCallArg(r *bcs.Reader) (*transaction.CallArg, error) {
	variant, err := r.ULEB128()
	if err != nil {
		return nil, err
	}
	switch variant {
	case 0:
		b, err := r.Vec()
		if err != nil {
			return nil, fmt.Errorf("pure: %w", err)
		}
		return &transaction.CallArg{Pure: &transaction.Pure{Bytes: append([]byte{}, b...)}}, nil
	case 1:
		obj, err := readObjectArg(r)
		if err != nil {
			return nil, err
		}
		return &transaction.CallArg{Object: obj}, nil
	}
	return nil, refuse("call arg", callArgNames, variant)
}

func readObjectArg(r *bcs.Reader) (*transaction.ObjectArg, error) {
	variant, err := r.ULEB128()
	if err != nil {
		return nil, fmt.Errorf("object arg: %w", err)
	}
	switch variant {
	case 0:
		ref, err := readObjectRef(r)
		if err != nil {
			return nil, fmt.Errorf("owned object: %w", err)
		}
		return &transaction.ObjectArg{ImmOrOwnedObject: ref}, nil
	case 1:
		var shared transaction.SharedObjectRef
		if shared.ObjectId, err = readAddress(r); err != nil {
			return nil, fmt.Errorf("shared object: %w", err)
		}
		if shared.InitialSharedVersion, err = r.U64(); err != nil {
			return nil, fmt.Errorf("shared object: %w", err)
		}
		if shared.Mutable, err = r.Bool(); err != nil {
			return nil, fmt.Errorf("shared object: %w", err)
		}
		return &transaction.ObjectArg{SharedObject: &shared}, nil
	case 2:
		ref, err := readObjectRef(r)
		if err != nil {
			return nil, fmt.Errorf("receiving object: %w", err)
		}
		return &transaction.ObjectArg{Receiving: ref}, nil
	}
	return nil, fmt.Errorf("%w: object arg variant %d", bcs.ErrInvalid, variant)
}

func readCommand(r *bcs.Reader) (*transaction.Command, error) {
	variant, err := r.ULEB128()
	if err != nil {
		return nil, err
	}
	switch variant {
	case 0:
		call, err := readMoveCall(r)
		if err != nil {
			return nil, fmt.Errorf("move call: %w", err)
		}
		return &transaction.Command{MoveCall: call}, nil
	case 1:
		objects, err := readArguments(r)
		if err != nil {
			return nil, fmt.Errorf("transfer objects: %w", err)
		}
		address, err := readArgument(r)
		if err != nil {
			return nil, fmt.Errorf("transfer objects: address: %w", err)
		}
		return &transaction.Command{TransferObjects: &transaction.TransferObjects{Objects: objects, Address: address}}, nil
	case 2:
		coin, err := readArgument(r)
		if err != nil {
			return nil, fmt.Errorf("split coins: coin: %w", err)
		}
		amounts, err := readArguments(r)
		if err != nil {
			return nil, fmt.Errorf("split coins: %w", err)
		}
		return &transaction.Command{SplitCoins: &transaction.SplitCoins{Coin: coin, Amount: amounts}}, nil
	case 3:
		dest, err := readArgument(r)
		if err != nil {
			return nil, fmt.Errorf("merge coins: destination: %w", err)
		}
		sources, err := readArguments(r)
		if err != nil {
			return nil, fmt.Errorf("merge coins: %w", err)
		}
		return &transaction.Command{MergeCoins: &transaction.MergeCoins{Destination: dest, Sources: sources}}, nil
	case 4:
		modules, deps, err := readPackageContents(r)
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		return &transaction.Command{Publish: &transaction.Publish{Modules: modules, Dependencies: deps}}, nil
	case 5:
		vec, err := readMakeMoveVec(r)
		if err != nil {
			return nil, fmt.Errorf("make move vec: %w", err)
		}
		return &transaction.Command{MakeMoveVec: vec}, nil
	case 6:
		up, err := readUpgrade(r)
		if err != nil {
			return nil, fmt.Errorf("upgrade: %w", err)
		}
		return &transaction.Command{Upgrade: up}, nil
	}
	return nil, fmt.Errorf("%w: command variant %d", bcs.ErrInvalid, variant)
}

func readMoveCall(r *bcs.Reader) (*transaction.ProgrammableMoveCall, error) {
	var call transaction.ProgrammableMoveCall
	var err error
	if call.Package, err = readAddress(r); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	if call.Module, err = readIdentifier(r); err != nil {
		return nil, fmt.Errorf("module: %w", err)
	}
	if call.Function, err = readIdentifier(r); err != nil {
		return nil, fmt.Errorf("function: %w", err)
	}
	n, err := r.Len(1)
	if err != nil {
		return nil, fmt.Errorf("type arguments: %w", err)
	}
	call.TypeArguments = make([]*transaction.TypeTag, n)
	for i := range call.TypeArguments {
		if call.TypeArguments[i], err = readTypeTag(r); err != nil {
			return nil, fmt.Errorf("type argument %d: %w", i, err)
		}
	}
	if call.Arguments, err = readArguments(r); err != nil {
		return nil, err
	}
	return &call, nil
}

func readMakeMoveVec(r *bcs.Reader) (*transaction.MakeMoveVec, error) {
	var vec transaction.MakeMoveVec
	hasType, err := r.Bool()
	if err != nil {
		return nil, fmt.Errorf("element type option: %w", err)
	}
	if hasType {
		tag, err := readTypeTag(r)
		if err != nil {
			return nil, fmt.Errorf("element type: %w", err)
		}
		s, err := formatType(tag)
		if err != nil {
			return nil, err
		}
		vec.Type = &s
	}
	if vec.Elements, err = readArguments(r); err != nil {
		return nil, err
	}
	return &vec, nil
}

func readUpgrade(r *bcs.Reader) (*transaction.Upgrade, error) {
	modules, deps, err := readPackageContents(r)
	if err != nil {
		return nil, err
	}
	pkg, err := readAddress(r)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	ticket, err := readArgument(r)
	if err != nil {
		return nil, fmt.Errorf("ticket: %w", err)
	}
	return &transaction.Upgrade{Modules: modules, Dependencies: deps, Package: pkg, Ticket: ticket}, nil
}

// readPackageContents reads the modules and dependencies that Publish and
// Upgrade share.
func readPackageContents(r *bcs.Reader) ([][]byte, []models.SuiAddressBytes, error) {
	n, err := r.Len(1)
	if err != nil {
		return nil, nil, fmt.Errorf("modules: %w", err)
	}
	modules := make([][]byte, n)
	for i := range modules {
		m, err := r.Vec()
		if err != nil {
			return nil, nil, fmt.Errorf("module %d: %w", i, err)
		}
		modules[i] = append([]byte{}, m...)
	}
	if n, err = r.Len(32); err != nil {
		return nil, nil, fmt.Errorf("dependencies: %w", err)
	}
	deps := make([]models.SuiAddressBytes, n)
	for i := range deps {
		if deps[i], err = readAddress(r); err != nil {
			return nil, nil, fmt.Errorf("dependency %d: %w", i, err)
		}
	}
	return modules, deps, nil
}

func readArguments(r *bcs.Reader) ([]*transaction.Argument, error) {
	n, err := r.Len(minArgumentSize)
	if err != nil {
		return nil, fmt.Errorf("arguments: %w", err)
	}
	args := make([]*transaction.Argument, n)
	for i := range args {
		if args[i], err = readArgument(r); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return args, nil
}

func readArgument(r *bcs.Reader) (*transaction.Argument, error) {
	variant, err := r.ULEB128()
	if err != nil {
		return nil, err
	}
	switch variant {
	case 0:
		return &transaction.Argument{GasCoin: struct{}{}}, nil
	case 1:
		i, err := r.U16()
		if err != nil {
			return nil, err
		}
		return &transaction.Argument{Input: &i}, nil
	case 2:
		i, err := r.U16()
		if err != nil {
			return nil, err
		}
		return &transaction.Argument{Result: &i}, nil
	case 3:
		var nested transaction.NestedResult
		if nested.Index, err = r.U16(); err != nil {
			return nil, err
		}
		if nested.ResultIndex, err = r.U16(); err != nil {
			return nil, err
		}
		return &transaction.Argument{NestedResult: &nested}, nil
	}
	return nil, fmt.Errorf("%w: argument variant %d", bcs.ErrInvalid, variant)
}

func readGasData(r *bcs.Reader) (*transaction.GasData, error) {
	n, err := r.Len(minObjectRefSize)
	if err != nil {
		return nil, fmt.Errorf("payment: %w", err)
	}
	payment := make([]transaction.SuiObjectRef, n)
	for i := range payment {
		ref, err := readObjectRef(r)
		if err != nil {
			return nil, fmt.Errorf("payment %d: %w", i, err)
		}
		payment[i] = *ref
	}
	owner, err := readAddress(r)
	if err != nil {
		return nil, fmt.Errorf("owner: %w", err)
	}
	price, err := r.U64()
	if err != nil {
		return nil, fmt.Errorf("price: %w", err)
	}
	budget, err := r.U64()
	if err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}
	return &transaction.GasData{Payment: &payment, Owner: &owner, Price: &price, Budget: &budget}, nil
}

func readExpiration(r *bcs.Reader) (*transaction.TransactionExpiration, error) {
	variant, err := r.ULEB128()
	if err != nil {
		return nil, err
	}
	switch variant {
	case 0:
		return nil, nil
	case 1:
		epoch, err := r.U64()
		if err != nil {
			return nil, err
		}
		return &transaction.TransactionExpiration{Epoch: &epoch}, nil
	}
	return nil, refuse("expiration", expirationNames, variant)
}

func readObjectRef(r *bcs.Reader) (*transaction.SuiObjectRef, error) {
	var ref transaction.SuiObjectRef
	var err error
	if ref.ObjectId, err = readAddress(r); err != nil {
		return nil, err
	}
	if ref.Version, err = r.U64(); err != nil {
		return nil, err
	}
	digest, err := r.Vec()
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if len(digest) != digestSize {
		return nil, fmt.Errorf("%w: object digest of %d bytes", bcs.ErrInvalid, len(digest))
	}
	ref.Digest = append(models.ObjectDigestBytes{}, digest...)
	return &ref, nil
}

func readAddress(r *bcs.Reader) (models.SuiAddressBytes, error) {
	var a models.SuiAddressBytes
	b, err := r.Fixed(len(a))
	if err != nil {
		return a, err
	}
	copy(a[:], b)
	return a, nil
}

func readIdentifier(r *bcs.Reader) (string, error) {
	b, err := r.Vec()
	if err != nil {
		return "", err
	}
	if !moveobj.IsIdentifier(string(b)) {
		return "", fmt.Errorf("%w: invalid Move identifier %q", bcs.ErrInvalid, b)
	}
	return string(b), nil
}
