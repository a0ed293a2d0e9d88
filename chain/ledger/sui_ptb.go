package ledger

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"

	ptb "github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// The programmable-transaction interpreter runs a Sui transaction's commands
// against working copies of the objects it touches, checking Walrus's Move
// rules with the same checks the ledger's own records use; the state changes
// only when every command succeeded, by writing the copies back (or, for a
// failed transaction, by charging its gas alone). It knows the calls that the
// official Walrus SDK and chain/sui send, and refuses any other.

// Limits that keep one transaction's work bounded, as Sui's protocol does.
const (
	maxPTBCommands   = 1024
	maxPTBInputs     = 2048
	maxPureBytes     = 16 << 10
	maxAttrPairs     = 100
	maxAttrBytes     = 1 << 10
	minGasUnits      = 1_000   // computation units charged at least
	gasUnitsPerCmd   = 100     // and per command
	storageMistPerB  = 7_600   // storage price per byte of written object (76 MIST × 100 units)
	maxGasBudgetMist = 50e9    // 50 SUI, Sui's max_tx_gas
	maxGasPrice      = 100_000 // MIST per unit, Sui's max_gas_price
	walrusMaxObjects = 10_000  // objects one transaction may create
)

// Walrus's Move abort codes (contracts/walrus/sources/system/blob.move and
// system_state_inner.move), so that clients see the errors real Walrus gives.
const (
	abortNotCertified      = 0
	abortBlobNotDeletable  = 1
	abortResourceBounds    = 2
	abortResourceSize      = 3
	abortAlreadyCertified  = 5
	abortInvalidBlobID     = 6
	abortDuplicateMetadata = 7
	abortMissingMetadata   = 8
	abortInvalidPersist    = 9
	abortInvalidBlobObject = 10
	abortTooManyAttributes = 11
	abortInvalidEpochs     = 12 // system: epochs ahead out of range
	abortInvalidCert       = 13 // bls_aggregate: signature or weight
	abortBlobIDInvalidated = 14
	abortCoinNotEnough     = 2 // sui::balance::ENotEnough
	abortCoinNonZero       = 0 // sui::balance::ENonZero
)

// ptbFailure is a command's failure: Sui executes the transaction, charges
// its gas and changes nothing else.
type ptbFailure struct {
	command int    // index of the failing command, -1 before any
	kind    string // Sui's ExecutionFailureStatus name
	msg     string
	abort   *SuiAbort
}

func (f *ptbFailure) Error() string { return f.msg }

// SuiAbort locates a Move abort.
type SuiAbort struct {
	Package  chain.ObjectID
	Module   string
	Function string
	Code     uint64
}

func abortf(pkg chain.ObjectID, module, function string, code uint64, format string, a ...any) *ptbFailure {
	return &ptbFailure{kind: "MoveAbort", msg: fmt.Sprintf(format, a...), abort: &SuiAbort{Package: pkg, Module: module, Function: function, Code: code}}
}

func failf(kind, format string, a ...any) *ptbFailure {
	return &ptbFailure{kind: kind, msg: fmt.Sprintf(format, a...)}
}

// valKind is the Move type of a transaction value, as far as the
// interpreter tells them apart.
type valKind uint8

const (
	valPure valKind = iota + 1
	valCoin
	valStorage
	valBlob
	valMetadata
	valShared
	valNone // a call that returns nothing (or only droppable values)
)

func (k valKind) String() string {
	return [...]string{"?", "pure bytes", "Coin", "Storage", "Blob", "Metadata", "shared object", "nothing"}[k]
}

// ptbValue is a value held by the transaction: an input or a result.
type ptbValue struct {
	kind    valKind
	pure    []byte
	coin    *coinObject
	storage *storageObject
	blob    *blobObject
	meta    []attrPair
	shared  chain.ObjectID
	mutable bool // shared input given as mutable

	input bool // an owned input object: stays with the sender unless moved
	moved bool // consumed by value
	kept  bool // transferred, wrapped or otherwise placed
}

// pendingEvent is an event to emit at commit; statusOf, when set, names the
// blob object whose status event it becomes.
type pendingEvent struct {
	ev       chain.Event
	statusOf *chain.ObjectID
}

// ptbExec is one execution of a programmable transaction.
type ptbExec struct {
	s      *state
	t      *txn
	sigs   sigPolicy
	sender chain.Address
	cmds   []*ptb.Command

	inputs  []*ptbValue
	results [][]*ptbValue
	gas     *ptbValue // the gas coin, payment smashed into the first

	gasIn     []*coinObject // the payment coins as they were
	objsIn    map[chain.ObjectID]uint64
	coins     map[chain.ObjectID]*ptbValue // every coin value, by ID
	blobs     map[chain.ObjectID]*ptbValue
	storages  map[chain.ObjectID]*ptbValue
	attrs     map[chain.ObjectID]*blobAttributes // working copies, nil pairs = removed
	attrsSeen map[chain.ObjectID]bool
	created   map[chain.ObjectID]bool
	order     []chain.ObjectID // created objects, in creation order
	events    []pendingEvent
	walPaid   uint64
	systemMut bool // System's inner state changed (storage bought)
	failure   *ptbFailure
}

// newPTBExec checks what Sui checks before executing a transaction — its
// kind, expiry, gas and inputs — and returns the execution to run. Any
// error here is a rejection: the transaction is not executed and nothing
// changes. checkGas is false for dry runs, whose gas is a placeholder.
func (s *state) newPTBExec(t *txn, td *ptb.TransactionData, sigs sigPolicy, checkGas bool) (*ptbExec, error) {
	v := td.V1
	if v == nil || v.Kind == nil || v.Kind.ProgrammableTransaction == nil || v.Sender == nil || v.GasData == nil {
		return nil, fmt.Errorf("%w: only programmable transactions with a sender and gas data are executed", ErrTxRejected)
	}
	pt := v.Kind.ProgrammableTransaction
	if len(pt.Commands) == 0 || len(pt.Commands) > maxPTBCommands || len(pt.Inputs) > maxPTBInputs {
		return nil, fmt.Errorf("%w: %d commands and %d inputs; allowed 1 to %d commands, up to %d inputs", ErrTxRejected, len(pt.Commands), len(pt.Inputs), maxPTBCommands, maxPTBInputs)
	}
	if e := v.Expiration; e != nil && e.Epoch != nil && uint64(s.epoch) > *e.Epoch {
		return nil, fmt.Errorf("%w: transaction expired with epoch %d, current epoch is %d", ErrTxRejected, *e.Epoch, s.epoch)
	}
	x := &ptbExec{
		s: s, t: t, sigs: sigs, sender: chain.Address(*v.Sender), cmds: pt.Commands,
		objsIn:    make(map[chain.ObjectID]uint64),
		coins:     make(map[chain.ObjectID]*ptbValue),
		blobs:     make(map[chain.ObjectID]*ptbValue),
		storages:  make(map[chain.ObjectID]*ptbValue),
		attrs:     make(map[chain.ObjectID]*blobAttributes),
		attrsSeen: make(map[chain.ObjectID]bool),
		created:   make(map[chain.ObjectID]bool),
	}
	if err := x.checkGas(v.GasData, checkGas); err != nil {
		return nil, err
	}
	for i, in := range pt.Inputs {
		val, err := x.input(in)
		if err != nil {
			return nil, fmt.Errorf("%w: input %d: %w", ErrTxRejected, i, err)
		}
		x.inputs = append(x.inputs, val)
	}
	return x, nil
}

// ErrTxRejected means a Sui transaction was refused before execution: a bad
// signature, stale object references, too little gas. Nothing changed.
var ErrTxRejected = errors.New("transaction rejected")

func (x *ptbExec) checkGas(g *ptb.GasData, strict bool) error {
	s := x.s
	if g.Owner == nil || chain.Address(*g.Owner) != x.sender {
		return fmt.Errorf("%w: the gas owner must be the sender (sponsored transactions are not supported)", ErrTxRejected)
	}
	if g.Price == nil || g.Budget == nil || g.Payment == nil || len(*g.Payment) == 0 {
		return fmt.Errorf("%w: gas price, budget and payment must be set", ErrTxRejected)
	}
	if *g.Price < s.sui.gasPrice || *g.Price > maxGasPrice {
		return fmt.Errorf("%w: gas price %d, allowed from the reference gas price %d to %d", ErrTxRejected, *g.Price, s.sui.gasPrice, uint64(maxGasPrice))
	}
	if strict && (*g.Budget < *g.Price*minGasUnits || *g.Budget > maxGasBudgetMist) {
		return fmt.Errorf("%w: gas budget %d MIST, allowed %d to %d", ErrTxRejected, *g.Budget, *g.Price*minGasUnits, uint64(maxGasBudgetMist))
	}
	var total uint64
	for i, ref := range *g.Payment {
		c, err := x.ownedCoin(ref)
		if err != nil {
			return fmt.Errorf("%w: gas payment %d: %w", ErrTxRejected, i, err)
		}
		if c.typ != coinSUI {
			return fmt.Errorf("%w: gas payment %d is a Coin<%s>, not a Coin<SUI>", ErrTxRejected, i, c.typ)
		}
		x.gasIn = append(x.gasIn, c)
		var carry uint64
		if total, carry = bits.Add64(total, c.balance, 0); carry != 0 {
			return fmt.Errorf("%w: gas coins' balances overflow", ErrTxRejected)
		}
	}
	if strict && total < *g.Budget {
		return fmt.Errorf("%w: gas coins hold %d MIST, less than the budget of %d (GasBalanceTooLow)", ErrTxRejected, total, *g.Budget)
	}
	gas := *x.gasIn[0]
	gas.balance = total
	x.gas = &ptbValue{kind: valCoin, coin: &gas, input: true}
	return nil
}

// ownedCoin checks an owned-object reference to a coin of the sender's.
func (x *ptbExec) ownedCoin(ref ptb.SuiObjectRef) (*coinObject, error) {
	id := chain.ObjectID(ref.ObjectId)
	c, ok := x.s.sui.coins[id]
	if !ok {
		return nil, fmt.Errorf("%w: object %s does not exist", chain.ErrNotFound, FormatObjectID(id))
	}
	if err := x.checkRef(id, c.owner, c.version, ref); err != nil {
		return nil, err
	}
	return c, nil
}

// checkRef checks that an owned object is the sender's, at the referenced
// version and digest, and not used twice.
func (x *ptbExec) checkRef(id chain.ObjectID, owner chain.Address, version uint64, ref ptb.SuiObjectRef) error {
	if owner != x.sender {
		return fmt.Errorf("%w: object %s is owned by %s, not the sender", chain.ErrNotOwner, FormatObjectID(id), FormatAddress(owner))
	}
	d := objectDigest(id, version)
	if ref.Version != version || string(ref.Digest) != string(d[:]) {
		return fmt.Errorf("object %s is at version %d; the transaction names version %d (stale or wrong reference)", FormatObjectID(id), version, ref.Version)
	}
	if _, dup := x.objsIn[id]; dup {
		return fmt.Errorf("object %s is used twice", FormatObjectID(id))
	}
	x.objsIn[id] = version
	return nil
}

// input resolves one input: pure bytes, an owned object or a shared one.
func (x *ptbExec) input(in *ptb.CallArg) (*ptbValue, error) {
	switch {
	case in == nil:
		return nil, errors.New("empty input")
	case in.Pure != nil:
		if len(in.Pure.Bytes) > maxPureBytes {
			return nil, fmt.Errorf("pure input of %d bytes, at most %d", len(in.Pure.Bytes), maxPureBytes)
		}
		return &ptbValue{kind: valPure, pure: in.Pure.Bytes}, nil
	case in.Object != nil && in.Object.ImmOrOwnedObject != nil:
		ref := *in.Object.ImmOrOwnedObject
		id := chain.ObjectID(ref.ObjectId)
		s := x.s
		if c, ok := s.sui.coins[id]; ok {
			if err := x.checkRef(id, c.owner, c.version, ref); err != nil {
				return nil, err
			}
			if slices.Contains(x.gasIn, c) {
				return nil, fmt.Errorf("coin %s is also gas payment", FormatObjectID(id))
			}
			cp := *c
			v := &ptbValue{kind: valCoin, coin: &cp, input: true}
			x.coins[id] = v
			return v, nil
		}
		if b, ok := s.blobs[id]; ok {
			if err := x.checkRef(id, b.Owner, b.version, ref); err != nil {
				return nil, err
			}
			cp := *b
			if b.CertifiedEpoch != nil {
				e := *b.CertifiedEpoch
				cp.CertifiedEpoch = &e
			}
			v := &ptbValue{kind: valBlob, blob: &cp, input: true}
			x.blobs[id] = v
			return v, nil
		}
		if st, ok := s.storages[id]; ok {
			if err := x.checkRef(id, st.owner, st.version, ref); err != nil {
				return nil, err
			}
			cp := *st
			v := &ptbValue{kind: valStorage, storage: &cp, input: true}
			x.storages[id] = v
			return v, nil
		}
		return nil, fmt.Errorf("%w: object %s does not exist or is not an owned object", chain.ErrNotFound, FormatObjectID(id))
	case in.Object != nil && in.Object.SharedObject != nil:
		ref := in.Object.SharedObject
		id := chain.ObjectID(ref.ObjectId)
		if id != x.s.sui.system && id != x.s.sui.staking {
			return nil, fmt.Errorf("%w: shared object %s does not exist", chain.ErrNotFound, FormatObjectID(id))
		}
		if ref.InitialSharedVersion != sharedInitialVersion {
			return nil, fmt.Errorf("shared object %s has initial shared version %d; the transaction names %d", FormatObjectID(id), sharedInitialVersion, ref.InitialSharedVersion)
		}
		if _, dup := x.objsIn[id]; dup {
			return nil, fmt.Errorf("object %s is used twice", FormatObjectID(id))
		}
		x.objsIn[id] = sharedInitialVersion
		return &ptbValue{kind: valShared, shared: id, mutable: ref.Mutable}, nil
	case in.Object != nil && in.Object.Receiving != nil:
		return nil, errors.New("receiving objects is not supported")
	case in.UnresolvedObject != nil || in.UnresolvedPure != nil:
		return nil, errors.New("unresolved input in a transaction to execute")
	}
	return nil, errors.New("unknown input kind")
}

// sharedInitialVersion is the version at which the System and Staking
// objects became shared: at genesis.
const sharedInitialVersion = 1

// run executes the commands in order; the first failure stops it.
func (x *ptbExec) run() {
	x.results = make([][]*ptbValue, 0, len(x.cmds))
	for i, c := range x.cmds {
		out, err := x.command(c)
		if err != nil {
			var f *ptbFailure
			if !errors.As(err, &f) {
				f = failf("CommandArgumentError", "%v", err)
			}
			f.command = i
			x.failure = f
			return
		}
		x.results = append(x.results, out)
	}
	x.failure = x.checkLeftovers()
}

func (x *ptbExec) command(c *ptb.Command) ([]*ptbValue, error) {
	switch {
	case c == nil:
		return nil, errors.New("empty command")
	case c.SplitCoins != nil:
		return x.splitCoins(c.SplitCoins)
	case c.MergeCoins != nil:
		return nil, x.mergeCoins(c.MergeCoins)
	case c.TransferObjects != nil:
		return nil, x.transferObjects(c.TransferObjects)
	case c.MoveCall != nil:
		return x.moveCall(c.MoveCall)
	}
	return nil, failf("UnsupportedCommand", "only MoveCall, SplitCoins, MergeCoins and TransferObjects commands are supported")
}

// arg returns the value an argument names.
func (x *ptbExec) arg(a *ptb.Argument) (*ptbValue, error) {
	switch {
	case a == nil:
		return nil, errors.New("empty argument")
	case a.GasCoin != nil:
		return x.gas, nil
	case a.Input != nil:
		if int(*a.Input) >= len(x.inputs) {
			return nil, fmt.Errorf("input %d of %d", *a.Input, len(x.inputs))
		}
		return x.inputs[*a.Input], nil
	case a.Result != nil:
		i := int(*a.Result)
		if i >= len(x.results) {
			return nil, fmt.Errorf("result %d of a later command", i)
		}
		if len(x.results[i]) != 1 {
			return nil, fmt.Errorf("result %d holds %d values; name one with a nested result", i, len(x.results[i]))
		}
		return x.results[i][0], nil
	case a.NestedResult != nil:
		i, j := int(a.NestedResult.Index), int(a.NestedResult.ResultIndex)
		if i >= len(x.results) || j >= len(x.results[i]) {
			return nil, fmt.Errorf("nested result (%d, %d) does not exist", i, j)
		}
		return x.results[i][j], nil
	}
	return nil, errors.New("unknown argument kind")
}

// use returns a live value of the wanted kind.
func (x *ptbExec) use(a *ptb.Argument, kind valKind) (*ptbValue, error) {
	v, err := x.arg(a)
	if err != nil {
		return nil, err
	}
	if v.moved {
		return nil, fmt.Errorf("%s was already moved", v.kind)
	}
	if v.kind != kind {
		return nil, fmt.Errorf("argument is %s, the command needs %s", v.kind, kind)
	}
	return v, nil
}

// take consumes a value by value.
func (x *ptbExec) take(a *ptb.Argument, kind valKind) (*ptbValue, error) {
	v, err := x.use(a, kind)
	if err != nil {
		return nil, err
	}
	if v == x.gas {
		return nil, errors.New("the gas coin cannot be moved")
	}
	v.moved = true
	return v, nil
}

func (x *ptbExec) pureU64(a *ptb.Argument) (uint64, error) {
	r, err := x.pureReader(a)
	if err != nil {
		return 0, err
	}
	v, err := r.U64()
	if err == nil {
		err = r.Done()
	}
	return v, err
}

func (x *ptbExec) pureReader(a *ptb.Argument) (*bcs.Reader, error) {
	v, err := x.use(a, valPure)
	if err != nil {
		return nil, err
	}
	return bcs.NewReader(v.pure), nil
}

// newCoin makes a coin created by the transaction.
func (x *ptbExec) newCoin(typ coinType, balance uint64) *ptbValue {
	id := x.t.newObjectID()
	v := &ptbValue{kind: valCoin, coin: &coinObject{id: id, owner: x.sender, typ: typ, balance: balance}}
	x.coins[id] = v
	x.created[id] = true
	x.order = append(x.order, id)
	return v
}

func (x *ptbExec) splitCoins(c *ptb.SplitCoins) ([]*ptbValue, error) {
	src, err := x.use(c.Coin, valCoin)
	if err != nil {
		return nil, err
	}
	if len(c.Amount) == 0 || len(c.Amount) > walrusMaxObjects {
		return nil, fmt.Errorf("split into %d coins", len(c.Amount))
	}
	amounts := make([]uint64, len(c.Amount))
	var total uint64
	overflow := false
	for i, a := range c.Amount {
		amount, err := x.pureU64(a)
		if err != nil {
			return nil, fmt.Errorf("amount %d: %w", i, err)
		}
		amounts[i] = amount
		overflow = overflow || total+amount < total
		total += amount
	}
	// Sui checks the sum before splitting, natively (no Move abort).
	if overflow {
		return nil, failf("InsufficientCoinBalance", "balance: %d required: more than %d (splitting a Coin<%s>)", src.coin.balance, uint64(math.MaxUint64), src.coin.typ)
	}
	if total > src.coin.balance {
		return nil, failf("InsufficientCoinBalance", "balance: %d required: %d (splitting a Coin<%s>)", src.coin.balance, total, src.coin.typ)
	}
	out := make([]*ptbValue, len(amounts))
	for i, amount := range amounts {
		src.coin.balance -= amount
		out[i] = x.newCoin(src.coin.typ, amount)
	}
	return out, nil
}

func (x *ptbExec) mergeCoins(c *ptb.MergeCoins) error {
	dst, err := x.use(c.Destination, valCoin)
	if err != nil {
		return err
	}
	for i, a := range c.Sources {
		src, err := x.take(a, valCoin)
		if err != nil {
			return fmt.Errorf("source %d: %w", i, err)
		}
		if src == dst {
			return fmt.Errorf("source %d is the destination", i)
		}
		if src.coin.typ != dst.coin.typ {
			return fmt.Errorf("cannot merge a Coin<%s> into a Coin<%s>", src.coin.typ, dst.coin.typ)
		}
		sum, carry := bits.Add64(dst.coin.balance, src.coin.balance, 0)
		if carry != 0 {
			return failf("CoinBalanceOverflow", "merging a Coin<%s> of %d into one of %d overflows", src.coin.typ, src.coin.balance, dst.coin.balance)
		}
		dst.coin.balance = sum
		src.coin.balance = 0
	}
	return nil
}

func (x *ptbExec) transferObjects(c *ptb.TransferObjects) error {
	r, err := x.pureReader(c.Address)
	if err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	raw, err := r.Fixed(32)
	if err == nil {
		err = r.Done()
	}
	if err != nil {
		return fmt.Errorf("recipient is not an address: %w", err)
	}
	to := chain.Address(raw)
	for i, a := range c.Objects {
		v, err := x.arg(a)
		if err != nil {
			return fmt.Errorf("object %d: %w", i, err)
		}
		switch v.kind {
		case valCoin, valBlob, valStorage:
		default:
			return fmt.Errorf("object %d is %s, which cannot be transferred", i, v.kind)
		}
		if _, err := x.take(a, v.kind); err != nil {
			return fmt.Errorf("object %d: %w", i, err)
		}
		v.kept = true
		switch v.kind {
		case valCoin:
			v.coin.owner = to
		case valBlob:
			v.blob.Owner = to
		case valStorage:
			v.storage.owner = to
		}
	}
	return nil
}

// checkLeftovers fails a transaction that leaves a value without drop
// unplaced, as Move does.
func (x *ptbExec) checkLeftovers() *ptbFailure {
	for i, vals := range x.results {
		for j, v := range vals {
			if v.moved || v.kept {
				continue
			}
			switch v.kind {
			case valCoin, valStorage, valBlob:
				f := failf("UnusedValueWithoutDrop", "result (%d, %d), a %s, is neither used nor transferred", i, j, v.kind)
				f.command = -1
				return f
			}
		}
	}
	return nil
}

// framework is the address of Sui's framework package, 0x2.
var framework = chain.ObjectID{31: 2}

func (x *ptbExec) moveCall(c *ptb.ProgrammableMoveCall) ([]*ptbValue, error) {
	pkg := chain.ObjectID(c.Package)
	fn := c.Module + "::" + c.Function
	if pkg == framework && fn == "coin::destroy_zero" {
		return nil, x.destroyZero(c)
	}
	if pkg != x.s.sui.walrusPackage {
		return nil, failf("FunctionNotFound", "function %s::%s is not known to this network", FormatObjectID(pkg), fn)
	}
	if len(c.TypeArguments) != 0 {
		return nil, failf("TypeArityMismatch", "%s takes no type arguments", fn)
	}
	args := c.Arguments
	want := map[string]int{
		"system::reserve_space": 4, "system::register_blob": 8, "system::certify_blob": 5,
		"system::extend_blob": 4, "system::delete_blob": 2, "metadata::new": 0,
		"blob::add_metadata": 2, "blob::insert_or_update_metadata_pair": 3, "blob::remove_metadata_pair": 2,
	}
	n, ok := want[fn]
	if !ok {
		return nil, failf("FunctionNotFound", "function %s is not supported by this network", fn)
	}
	if len(args) != n {
		return nil, failf("ArityMismatch", "%s takes %d arguments, got %d", fn, n, len(args))
	}
	switch fn {
	case "system::reserve_space":
		return x.reserveSpace(args)
	case "system::register_blob":
		return x.registerBlob(args)
	case "system::certify_blob":
		return nil, x.certifyBlob(args)
	case "system::extend_blob":
		return nil, x.extendBlob(args)
	case "system::delete_blob":
		return x.deleteBlob(args)
	case "metadata::new":
		return []*ptbValue{{kind: valMetadata}}, nil
	case "blob::add_metadata":
		return nil, x.addMetadata(args)
	case "blob::insert_or_update_metadata_pair":
		return nil, x.insertMetadata(args)
	default: // blob::remove_metadata_pair
		return x.removeMetadata(args)
	}
}

func (x *ptbExec) destroyZero(c *ptb.ProgrammableMoveCall) error {
	if len(c.TypeArguments) != 1 || len(c.Arguments) != 1 {
		return failf("ArityMismatch", "coin::destroy_zero takes one type argument and one argument")
	}
	v, err := x.take(c.Arguments[0], valCoin)
	if err != nil {
		return err
	}
	if typ, ok := x.coinTypeOf(c.TypeArguments[0]); !ok || typ != v.coin.typ {
		return failf("TypeMismatch", "coin::destroy_zero's type argument is not the coin's type %s", v.coin.typ)
	}
	if v.coin.balance != 0 {
		return abortf(framework, "balance", "destroy_zero", abortCoinNonZero, "coin::destroy_zero of a Coin<%s> holding %d", v.coin.typ, v.coin.balance)
	}
	return nil
}

// coinTypeOf tells which coin a type tag names.
func (x *ptbExec) coinTypeOf(t *ptb.TypeTag) (coinType, bool) {
	if t == nil || t.Struct == nil {
		return 0, false
	}
	st := t.Struct
	if len(st.TypeParams) != 0 {
		return 0, false
	}
	switch {
	case chain.ObjectID(st.Address) == framework && st.Module == "sui" && st.Name == "SUI":
		return coinSUI, true
	case chain.ObjectID(st.Address) == x.s.sui.walPackage && st.Module == "wal" && st.Name == "WAL":
		return coinWAL, true
	}
	return 0, false
}

// system checks that an argument is the System object, mutable if asked.
func (x *ptbExec) system(a *ptb.Argument, mutable bool) error {
	v, err := x.use(a, valShared)
	if err != nil {
		return err
	}
	if v.shared != x.s.sui.system {
		return errors.New("argument is not the System object")
	}
	if mutable && !v.mutable {
		return errors.New("the System object is taken by mutable reference but was given as immutable")
	}
	return nil
}

// walPayment takes amount from a &mut Coin<WAL>.
func (x *ptbExec) walPayment(a *ptb.Argument, amount uint64, fn string) error {
	v, err := x.use(a, valCoin)
	if err != nil {
		return err
	}
	if v.coin.typ != coinWAL {
		return fmt.Errorf("payment is a Coin<%s>, not a Coin<WAL>", v.coin.typ)
	}
	if v.coin.balance < amount {
		return abortf(framework, "balance", "split", abortCoinNotEnough, "%s costs %d FROST of WAL, the coin holds %d", fn, amount, v.coin.balance)
	}
	v.coin.balance -= amount
	x.walPaid += amount
	return nil
}

// overflow is Move's arithmetic error, where a cost exceeds u64.
func overflow(function string, err error) *ptbFailure {
	return failf("MovePrimitiveRuntimeError", "%s: arithmetic error: %v", function, err)
}

// walrusAbort turns a rule violation from the shared checks into the abort
// Walrus's Move code gives.
func (x *ptbExec) walrusAbort(module, function string, err error) *ptbFailure {
	code := uint64(abortResourceBounds)
	switch {
	case errors.Is(err, chain.ErrInvalidBlobID):
		code = abortInvalidBlobID
	case errors.Is(err, chain.ErrStorageTooSmall):
		code = abortResourceSize
	case errors.Is(err, chain.ErrAlreadyCertified):
		code = abortAlreadyCertified
	case errors.Is(err, chain.ErrNotDeletable):
		code = abortBlobNotDeletable
	case errors.Is(err, chain.ErrInvalidCertificate):
		code = abortInvalidCert
	case errors.Is(err, chain.ErrBlobInvalid):
		code = abortBlobIDInvalidated
	case errors.Is(err, chain.ErrInvalidArgument) && function == "extend_blob":
		code = abortNotCertified
	case errors.Is(err, chain.ErrInvalidArgument):
		code = abortInvalidEpochs
	}
	return abortf(x.s.sui.walrusPackage, module, function, code, "%s::%s: %v", module, function, err)
}

func (x *ptbExec) reserveSpace(args []*ptb.Argument) ([]*ptbValue, error) {
	if err := x.system(args[0], true); err != nil {
		return nil, err
	}
	size, err := x.pureU64(args[1])
	if err != nil {
		return nil, fmt.Errorf("storage_amount: %w", err)
	}
	r, err := x.pureReader(args[2])
	if err != nil {
		return nil, err
	}
	epochs, err := r.U32()
	if err == nil {
		err = r.Done()
	}
	if err != nil {
		return nil, fmt.Errorf("epochs_ahead: %w", err)
	}
	if err := x.s.checkReserve(size, epochs); err != nil {
		return nil, x.walrusAbort("system", "reserve_space", err)
	}
	cost, err := moveobj.StorageCost(x.s.sui.storagePrice, size, epochs)
	if err != nil {
		return nil, overflow("reserve_space", err)
	}
	if err := x.walPayment(args[3], cost, "reserve_space"); err != nil {
		return nil, err
	}
	x.systemMut = true
	st := x.s.newStorage(x.t, size, epochs)
	v := &ptbValue{kind: valStorage, storage: &storageObject{Storage: st, owner: x.sender}}
	x.storages[st.ID] = v
	x.created[st.ID] = true
	x.order = append(x.order, st.ID)
	return []*ptbValue{v}, nil
}

func (x *ptbExec) registerBlob(args []*ptb.Argument) ([]*ptbValue, error) {
	if err := x.system(args[0], true); err != nil {
		return nil, err
	}
	st, err := x.take(args[1], valStorage)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	var in registerTx
	for i, dst := range []*[32]byte{(*[32]byte)(&in.BlobID), (*[32]byte)(&in.Root)} {
		r, err := x.pureReader(args[2+i])
		if err != nil {
			return nil, err
		}
		b, err := r.Fixed(32)
		if err == nil {
			err = r.Done()
		}
		if err != nil {
			return nil, fmt.Errorf("argument %d is not a u256: %w", 2+i, err)
		}
		copy(dst[:], b)
	}
	if in.Size, err = x.pureU64(args[4]); err != nil {
		return nil, fmt.Errorf("size: %w", err)
	}
	r, err := x.pureReader(args[5])
	if err != nil {
		return nil, err
	}
	if in.EncodingType, err = r.U8(); err == nil {
		err = r.Done()
	}
	if err != nil {
		return nil, fmt.Errorf("encoding_type: %w", err)
	}
	if r, err = x.pureReader(args[6]); err != nil {
		return nil, err
	}
	if in.Deletable, err = r.Bool(); err == nil {
		err = r.Done()
	}
	if err != nil {
		return nil, fmt.Errorf("deletable: %w", err)
	}
	if err := x.s.checkRegister(st.storage.Storage, &in); err != nil {
		return nil, x.walrusAbort("system", "register_blob", err)
	}
	p, _ := encoding.NewParams(x.s.nShards, in.Size) // checkRegister checked the size
	cost, err := moveobj.WriteCost(x.s.sui.writePrice, p.EncodedLength())
	if err != nil {
		return nil, overflow("register_blob", err)
	}
	if err := x.walPayment(args[7], cost, "register_blob"); err != nil {
		return nil, err
	}
	// The storage is now wrapped in the blob: moved, neither kept nor left.
	b := &blobObject{Blob: chain.Blob{
		ID: x.t.newObjectID(), Owner: x.sender, RegisteredEpoch: x.s.epoch,
		BlobID: in.BlobID, Size: in.Size, EncodingType: in.EncodingType,
		Storage: st.storage.Storage, Deletable: in.Deletable,
	}}
	v := &ptbValue{kind: valBlob, blob: b}
	x.blobs[b.ID] = v
	x.created[b.ID] = true
	x.order = append(x.order, b.ID)
	x.event(registeredEvent(x.s.epoch, b), b.ID)
	return []*ptbValue{v}, nil
}

func (x *ptbExec) event(ev chain.Event, statusOf chain.ObjectID) {
	pe := pendingEvent{ev: ev}
	if statusOf != (chain.ObjectID{}) {
		pe.statusOf = &statusOf
	}
	x.events = append(x.events, pe)
}

func (x *ptbExec) certifyBlob(args []*ptb.Argument) error {
	if err := x.system(args[0], false); err != nil {
		return err
	}
	b, err := x.use(args[1], valBlob)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	var parts [3][]byte
	for i := range parts {
		r, err := x.pureReader(args[2+i])
		if err != nil {
			return err
		}
		if parts[i], err = r.Vec(); err == nil {
			err = r.Done()
		}
		if err != nil {
			return fmt.Errorf("argument %d is not a vector<u8>: %w", 2+i, err)
		}
	}
	cert, err := x.certificate(parts[0], parts[1], parts[2])
	if err == nil {
		err = x.s.checkCertify(b.blob, cert, x.sigs)
	}
	if err != nil {
		return x.walrusAbort("system", "certify_blob", err)
	}
	epoch := x.s.epoch
	b.blob.CertifiedEpoch = &epoch
	x.event(certifiedEvent(x.s.epoch, b.blob, false), b.blob.ID)
	return nil
}

// certificate reads certify_blob's signature, signer bitmap (bit i of byte
// i/8 for member i) and message.
func (x *ptbExec) certificate(sig, bitmap, msg []byte) (messages.Certificate, error) {
	var cert messages.Certificate
	if len(sig) != bls.SignatureSize {
		return cert, fmt.Errorf("%w: signature of %d bytes", chain.ErrInvalidCertificate, len(sig))
	}
	copy(cert.Signature[:], sig)
	members := len(x.s.committee.Members)
	for i := 0; i < len(bitmap)*8; i++ {
		if bitmap[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		if i >= members {
			return cert, fmt.Errorf("%w: signer bitmap names member %d of %d", chain.ErrInvalidCertificate, i, members)
		}
		cert.Signers = append(cert.Signers, i)
	}
	cert.Message = msg
	return cert, nil
}

func (x *ptbExec) extendBlob(args []*ptb.Argument) error {
	if err := x.system(args[0], true); err != nil {
		return err
	}
	b, err := x.use(args[1], valBlob)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	r, err := x.pureReader(args[2])
	if err != nil {
		return err
	}
	epochs, err := r.U32()
	if err == nil {
		err = r.Done()
	}
	if err != nil {
		return fmt.Errorf("extended_epochs: %w", err)
	}
	if err := x.s.checkExtend(b.blob, epochs); err != nil {
		return x.walrusAbort("system", "extend_blob", err)
	}
	cost, err := moveobj.StorageCost(x.s.sui.storagePrice, b.blob.Storage.Size, epochs)
	if err != nil {
		return overflow("extend_blob", err)
	}
	if err := x.walPayment(args[3], cost, "extend_blob"); err != nil {
		return err
	}
	x.systemMut = true
	b.blob.Storage.EndEpoch += epochs
	x.event(certifiedEvent(x.s.epoch, b.blob, true), b.blob.ID)
	return nil
}

func (x *ptbExec) deleteBlob(args []*ptb.Argument) ([]*ptbValue, error) {
	if err := x.system(args[0], false); err != nil {
		return nil, err
	}
	b, err := x.take(args[1], valBlob)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	if err := x.s.checkDelete(b.blob); err != nil {
		return nil, x.walrusAbort("system", "delete_blob", err)
	}
	x.setAttrs(b.blob.ID, nil) // delete_blob drops the metadata field
	x.event(deletedEvent(x.s.epoch, b.blob), chain.ObjectID{})
	st := &ptbValue{kind: valStorage, storage: &storageObject{Storage: b.blob.Storage, owner: x.sender}}
	x.storages[st.storage.ID] = st
	return []*ptbValue{st}, nil
}

// attrsOf returns the working copy of a blob's attributes, nil if it has none.
func (x *ptbExec) attrsOf(blob chain.ObjectID) *blobAttributes {
	if x.attrsSeen[blob] {
		return x.attrs[blob]
	}
	x.attrsSeen[blob] = true
	if a, ok := x.s.sui.attrs[blob]; ok {
		cp := &blobAttributes{pairs: slices.Clone(a.pairs), version: a.version}
		x.attrs[blob] = cp
		return cp
	}
	return nil
}

func (x *ptbExec) setAttrs(blob chain.ObjectID, a *blobAttributes) {
	x.attrsOf(blob)
	x.attrs[blob] = a
}

func (x *ptbExec) addMetadata(args []*ptb.Argument) error {
	b, err := x.use(args[0], valBlob)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	m, err := x.take(args[1], valMetadata)
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	if x.attrsOf(b.blob.ID) != nil {
		return abortf(x.s.sui.walrusPackage, "blob", "add_metadata", abortDuplicateMetadata, "blob %s already has metadata", FormatObjectID(b.blob.ID))
	}
	x.setAttrs(b.blob.ID, &blobAttributes{pairs: slices.Clone(m.meta)})
	return nil
}

// metadataString reads a Move String argument.
func (x *ptbExec) metadataString(a *ptb.Argument, what string) (string, error) {
	r, err := x.pureReader(a)
	if err != nil {
		return "", err
	}
	b, err := r.Vec()
	if err == nil {
		err = r.Done()
	}
	if err != nil || !utf8.Valid(b) {
		return "", fmt.Errorf("%s is not a UTF-8 string", what)
	}
	if len(b) > maxAttrBytes {
		return "", fmt.Errorf("%s of %d bytes, at most %d", what, len(b), maxAttrBytes)
	}
	return string(b), nil
}

func (x *ptbExec) insertMetadata(args []*ptb.Argument) error {
	b, err := x.use(args[0], valBlob)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	key, err := x.metadataString(args[1], "key")
	if err != nil {
		return err
	}
	value, err := x.metadataString(args[2], "value")
	if err != nil {
		return err
	}
	a := x.attrsOf(b.blob.ID)
	if a == nil { // insert_or_update creates the field, as Move does
		a = &blobAttributes{}
		x.setAttrs(b.blob.ID, a)
	}
	// An update removes the key and inserts it again, at the end.
	a.pairs = slices.DeleteFunc(a.pairs, func(p attrPair) bool { return p.Key == key })
	if len(a.pairs) >= maxAttrPairs {
		return abortf(x.s.sui.walrusPackage, "blob", "insert_or_update_metadata_pair", abortTooManyAttributes, "a blob holds at most %d attributes", maxAttrPairs)
	}
	a.pairs = append(a.pairs, attrPair{Key: key, Value: value})
	return nil
}

func (x *ptbExec) removeMetadata(args []*ptb.Argument) ([]*ptbValue, error) {
	b, err := x.use(args[0], valBlob)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	key, err := x.metadataString(args[1], "key")
	if err != nil {
		return nil, err
	}
	a := x.attrsOf(b.blob.ID)
	if a == nil {
		return nil, abortf(x.s.sui.walrusPackage, "blob", "remove_metadata_pair", abortMissingMetadata, "blob %s has no metadata", FormatObjectID(b.blob.ID))
	}
	i := slices.IndexFunc(a.pairs, func(p attrPair) bool { return p.Key == key })
	if i < 0 {
		return nil, abortf(x.s.sui.walrusPackage, "vec_map", "remove", 1, "blob %s has no attribute %q", FormatObjectID(b.blob.ID), key)
	}
	a.pairs = slices.Delete(a.pairs, i, i+1)
	// Returns (String, String), both droppable.
	return []*ptbValue{{kind: valNone}, {kind: valNone}}, nil
}
