package ledger

import (
	"fmt"
	"maps"
	"slices"

	ptb "github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
)

// suiTx is a signed Sui transaction as the log stores it: the
// TransactionData bytes and the serialized signatures.
type suiTx struct {
	Tx   []byte   `json:"tx"`
	Sigs [][]byte `json:"sigs"`
}

// SuiExecution is what a Sui transaction did, as Sui's effects report it.
type SuiExecution struct {
	Digest      [32]byte
	TxBytes     []byte
	Signatures  [][]byte
	Checkpoint  uint64 // the ledger's sequence number of the transaction
	TimestampMs int64
	Epoch       chain.Epoch
	Lamport     uint64      // the version of every object it wrote
	Failure     *SuiFailure // nil when it succeeded
	Gas         SuiGas
	GasObject   chain.ObjectID
	Changes     []SuiChange
}

// SuiFailure says why an executed transaction failed; it was charged gas
// and changed nothing else.
type SuiFailure struct {
	Command int    // the failing command, or -1
	Kind    string // Sui's ExecutionFailureStatus, e.g. MoveAbort, InsufficientGas
	Message string
	Abort   *SuiAbort // for MoveAbort
}

// SuiGas is a transaction's gas cost summary, in MIST.
type SuiGas struct {
	Computation, Storage, Rebate uint64
}

// OwnerKind is how Sui owns an object.
type OwnerKind uint8

// The owner kinds, numbered as Sui's gRPC Owner.OwnerKind.
const (
	OwnerAddress   OwnerKind = 1
	OwnerObject    OwnerKind = 2
	OwnerShared    OwnerKind = 3
	OwnerImmutable OwnerKind = 4
)

// SuiOwner is an object's owner.
type SuiOwner struct {
	Kind    OwnerKind
	Address chain.Address // the owning address or object
	Version uint64        // initial shared version, for shared objects
}

// ChangeOp is what a transaction did to an object.
type ChangeOp uint8

// The changes, as Sui's effects tell them apart.
const (
	ChangeCreated   ChangeOp = iota + 1
	ChangeMutated            // existed before and after
	ChangeDeleted            // existed before, gone after (deleted or wrapped)
	ChangeUnwrapped          // appeared again from inside another object
)

// SuiChange is one changed object.
type SuiChange struct {
	ID            chain.ObjectID
	Type          string
	Op            ChangeOp
	InputVersion  uint64 // 0 when it did not exist before
	InputDigest   [32]byte
	InputOwner    SuiOwner
	OutputVersion uint64 // 0 when it does not exist after
	OutputDigest  [32]byte
	OutputOwner   SuiOwner
}

// prepareSui verifies a signed Sui transaction and executes it. Rejections
// (bad bytes or signatures, stale references, too little gas) are errors; a
// transaction that fails while executing is still recorded, charged its gas.
func (s *state) prepareSui(t *txn, sigs sigPolicy) (commitFunc, error) {
	in := t.rec.Sui
	td, err := suitx.Decode(in.Tx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTxRejected, err)
	}
	digest := suikey.TransactionDigest(in.Tx)
	if _, done := s.sui.txs[digest]; done {
		return nil, fmt.Errorf("%w: transaction %s was already executed", ErrTxRejected, base58(digest[:]))
	}
	if td.V1 == nil || td.V1.Sender == nil {
		return nil, fmt.Errorf("%w: no sender", ErrTxRejected)
	}
	if !sigs.skip {
		if err := verifySender(in.Tx, chain.Address(*td.V1.Sender), in.Sigs); err != nil {
			return nil, err
		}
	}
	t.sender = chain.Address(*td.V1.Sender)
	// Certificates inside a Sui transaction are checked on replay too: the
	// record holds the transaction, not whether its certify calls passed.
	x, err := s.newPTBExec(t, td, sigPolicy{pre: sigs.pre}, true)
	if err != nil {
		return nil, err
	}
	x.run()
	exec := x.finish(td.V1.GasData, true)
	exec.Digest, exec.TxBytes, exec.Signatures = digest, in.Tx, in.Sigs
	return func() result {
		exec.Checkpoint = t.rec.Seq
		exec.TimestampMs = t.rec.Time
		x.commit(exec)
		return result{sui: exec}
	}, nil
}

// verifySender checks that a transaction carries one signature, its
// sender's.
func verifySender(tx []byte, sender chain.Address, sigs [][]byte) error {
	if len(sigs) != 1 {
		return fmt.Errorf("%w: %d signatures; one, the sender's, is expected", ErrTxRejected, len(sigs))
	}
	signer, err := suikey.VerifyTransaction(tx, sigs[0])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTxRejected, err)
	}
	if signer != sender {
		return fmt.Errorf("%w: signed by %s, sent by %s", ErrTxRejected, FormatAddress(signer), FormatAddress(sender))
	}
	return nil
}

// dryRunSui executes a transaction without signatures and without changing
// anything, for SimulateTransaction; gas is not bounded by the budget.
func (s *state) dryRunSui(td *ptb.TransactionData) (*SuiExecution, error) {
	t := &txn{rec: &record{Seq: s.seq, Digest: "dry-run"}}
	if td.V1 == nil || td.V1.Sender == nil {
		return nil, fmt.Errorf("%w: no sender", ErrTxRejected)
	}
	t.sender = chain.Address(*td.V1.Sender)
	x, err := s.newPTBExec(t, td, sigPolicy{}, false)
	if err != nil {
		return nil, err
	}
	x.run()
	return x.finish(td.V1.GasData, false), nil
}

// finish charges gas and lists the changes. With strict set a charge above
// the budget fails the transaction (InsufficientGas) and costs the budget.
func (x *ptbExec) finish(g *ptb.GasData, strict bool) *SuiExecution {
	s := x.s
	exec := &SuiExecution{Epoch: s.epoch, Lamport: s.lamport(), GasObject: x.gasIn[0].id}
	price, budget := *g.Price, *g.Budget
	exec.Gas.Computation = price * uint64(minGasUnits+gasUnitsPerCmd*len(x.cmds)) // price ≤ maxGasPrice: no overflow
	if x.failure == nil {
		exec.Gas.Storage = storageMistPerB * x.writtenBytes()
	}
	if strict && exec.Gas.Computation+exec.Gas.Storage > budget {
		if x.failure == nil {
			x.failure = failf("InsufficientGas", "the transaction costs %d MIST, more than its budget of %d", exec.Gas.Computation+exec.Gas.Storage, budget)
			x.failure.command = -1
		}
		exec.Gas.Computation, exec.Gas.Storage = budget, 0
	}
	if x.failure != nil {
		exec.Gas.Storage = 0
		exec.Failure = &SuiFailure{Command: x.failure.command, Kind: x.failure.kind, Message: x.failure.msg, Abort: x.failure.abort}
	}
	var total uint64
	for _, c := range x.gasIn {
		total += c.balance
	}
	if x.failure == nil && x.gas.coin.balance < exec.Gas.Computation+exec.Gas.Storage {
		x.failure = failf("InsufficientCoinBalance", "the gas coin holds %d MIST after the commands, the transaction costs %d", x.gas.coin.balance, exec.Gas.Computation+exec.Gas.Storage)
		x.failure.command = -1
		exec.Gas.Storage = 0
		exec.Failure = &SuiFailure{Command: -1, Kind: x.failure.kind, Message: x.failure.msg}
	}
	if x.failure != nil { // a failure undoes what commands did to the gas coin
		x.gas.coin.balance = total
	}
	x.gas.coin.balance -= min(exec.Gas.Computation+exec.Gas.Storage, x.gas.coin.balance)
	exec.Changes = x.changes(exec.Lamport)
	return exec
}

// writtenBytes sizes the objects a successful transaction creates, for its
// storage fee.
func (x *ptbExec) writtenBytes() uint64 {
	var n uint64
	for id := range x.created {
		switch {
		case x.coins[id] != nil && x.coins[id].kept:
			n += 40
		case x.blobs[id] != nil && (!x.blobs[id].moved || x.blobs[id].kept):
			n += 131
		case x.storages[id] != nil && x.storages[id].kept:
			n += 56
		}
	}
	for id, a := range x.attrs {
		if a != nil && x.s.sui.attrs[id] == nil {
			n += 64
		}
	}
	return n
}

// changes lists every object the transaction created, changed or deleted,
// in a stable order.
func (x *ptbExec) changes(lamport uint64) []SuiChange {
	s := x.s
	var out []SuiChange
	addr := func(a chain.Address) SuiOwner { return SuiOwner{Kind: OwnerAddress, Address: a} }
	change := func(id chain.ObjectID, typ string, inVersion uint64, inOwner SuiOwner, op ChangeOp, outOwner SuiOwner) {
		c := SuiChange{ID: id, Type: typ, Op: op, InputVersion: inVersion, InputOwner: inOwner}
		if inVersion != 0 {
			c.InputDigest = objectDigest(id, inVersion)
		}
		if op != ChangeDeleted {
			c.OutputVersion, c.OutputDigest, c.OutputOwner = lamport, objectDigest(id, lamport), outOwner
		}
		out = append(out, c)
	}
	for i, c := range x.gasIn {
		op := ChangeDeleted
		if i == 0 {
			op = ChangeMutated
		}
		change(c.id, s.coinTypeString(c.typ), c.version, addr(c.owner), op, addr(c.owner))
	}
	if x.failure == nil {
		for id, v := range x.coins {
			switch {
			case x.created[id] && v.kept:
				change(id, s.coinTypeString(v.coin.typ), 0, SuiOwner{}, ChangeCreated, addr(v.coin.owner))
			case !x.created[id] && v.moved && !v.kept:
				change(id, s.coinTypeString(v.coin.typ), x.objsIn[id], addr(x.sender), ChangeDeleted, SuiOwner{})
			case !x.created[id]:
				change(id, s.coinTypeString(v.coin.typ), x.objsIn[id], addr(x.sender), ChangeMutated, addr(v.coin.owner))
			}
		}
		blobType := moveobj.BlobType(s.sui.walrusPackage).String()
		for id, v := range x.blobs {
			switch {
			case x.created[id] && v.moved && !v.kept: // created and deleted: never seen
			case x.created[id]:
				change(id, blobType, 0, SuiOwner{}, ChangeCreated, addr(v.blob.Owner))
			case v.moved && !v.kept:
				change(id, blobType, x.objsIn[id], addr(x.sender), ChangeDeleted, SuiOwner{})
			default:
				change(id, blobType, x.objsIn[id], addr(x.sender), ChangeMutated, addr(v.blob.Owner))
			}
		}
		storageType := moveobj.StorageType(s.sui.walrusPackage).String()
		for id, v := range x.storages {
			switch {
			case x.created[id] && v.kept:
				change(id, storageType, 0, SuiOwner{}, ChangeCreated, addr(v.storage.owner))
			case x.created[id]: // wrapped into a blob in the same transaction
			case v.input && v.moved && !v.kept:
				change(id, storageType, x.objsIn[id], addr(x.sender), ChangeDeleted, SuiOwner{})
			case v.input:
				change(id, storageType, x.objsIn[id], addr(x.sender), ChangeMutated, addr(v.storage.owner))
			case v.kept: // unwrapped from a deleted blob
				change(id, storageType, 0, SuiOwner{}, ChangeUnwrapped, addr(v.storage.owner))
			}
		}
		fieldType := moveobj.MetadataFieldType(s.sui.walrusPackage).String()
		for blob := range x.attrsSeen {
			before, after := s.sui.attrs[blob], x.attrs[blob]
			id := moveobj.MetadataFieldID(blob)
			owner := SuiOwner{Kind: OwnerObject, Address: chain.Address(blob)}
			switch {
			case before == nil && after != nil:
				change(id, fieldType, 0, SuiOwner{}, ChangeCreated, owner)
			case before != nil && after == nil:
				change(id, fieldType, before.version, owner, ChangeDeleted, SuiOwner{})
			case before != nil:
				change(id, fieldType, before.version, owner, ChangeMutated, owner)
			}
		}
	}
	for _, in := range x.inputs {
		if in.kind == valShared && in.mutable {
			id := in.shared
			version, typ := s.sui.systemVersion, moveobj.SystemType(s.sui.walrusPackage).String()
			if id == s.sui.staking {
				version, typ = s.sui.stakingVersion, moveobj.StakingType(s.sui.walrusPackage).String()
			}
			shared := SuiOwner{Kind: OwnerShared, Version: sharedInitialVersion}
			change(id, typ, version, shared, ChangeMutated, shared)
		}
	}
	slices.SortFunc(out, func(a, b SuiChange) int { return compareIDs(a.ID, b.ID) })
	return out
}

func compareIDs(a, b chain.ObjectID) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

// commit writes the transaction's results into the state: for a failure,
// only the gas charge.
func (x *ptbExec) commit(exec *SuiExecution) {
	s := x.s
	lamport := exec.Lamport
	for i, c := range x.gasIn {
		if i == 0 {
			g := *x.gas.coin
			g.version = lamport
			s.sui.coins[g.id] = &g
		} else {
			delete(s.sui.coins, c.id)
		}
	}
	s.sui.gasPaid += exec.Gas.Computation + exec.Gas.Storage
	s.sui.txs[exec.Digest] = exec
	// Mutable shared inputs take the transaction's version even when it
	// fails, as on Sui and as the effects report.
	for _, in := range x.inputs {
		if in.kind == valShared && in.mutable {
			if in.shared == s.sui.system {
				s.sui.systemVersion = lamport
			} else {
				s.sui.stakingVersion = lamport
			}
		}
	}
	if exec.Failure != nil {
		return
	}
	for id, v := range x.coins {
		switch {
		case x.created[id] && !v.kept, !x.created[id] && v.moved && !v.kept:
			delete(s.sui.coins, id)
		default:
			c := *v.coin
			c.version = lamport
			s.sui.coins[id] = &c
		}
	}
	// Blobs in a fixed order, created ones as created: byBlobID lists a
	// blob ID's objects oldest first, and replay must give the same.
	ids := slices.SortedFunc(maps.Keys(x.blobs), compareIDs)
	slices.SortStableFunc(ids, func(a, b chain.ObjectID) int {
		return slices.Index(x.order, a) - slices.Index(x.order, b)
	})
	for _, id := range ids {
		v := x.blobs[id]
		b := *v.blob
		b.version = lamport
		switch {
		case x.created[id]:
			if !v.moved || v.kept {
				s.addBlob(&b)
			}
		case v.moved && !v.kept:
			s.removeBlob(s.blobs[id])
		default:
			real := s.blobs[id]
			b.statusEvent = real.statusEvent
			*real = b
		}
	}
	for id, v := range x.storages {
		switch {
		case v.kept:
			st := *v.storage
			st.version = lamport
			s.storages[id] = &st
		case v.input && v.moved:
			delete(s.storages, id)
		}
	}
	for blob := range x.attrsSeen {
		field := moveobj.MetadataFieldID(blob)
		if a := x.attrs[blob]; a != nil {
			a.version = lamport
			s.sui.attrs[blob] = a
			s.sui.attrFields[field] = blob
		} else {
			delete(s.sui.attrs, blob)
			delete(s.sui.attrFields, field)
		}
	}
	for _, pe := range x.events {
		id := s.emit(x.t, pe.ev)
		if pe.statusOf != nil {
			if b, ok := s.blobs[*pe.statusOf]; ok {
				b.statusEvent = id
			}
		}
	}
	s.sui.walPaid += x.walPaid
}

// coinTypeString is a coin's full Move type in Sui's normalized form.
func (s *state) coinTypeString(c coinType) string {
	return moveobj.CoinType(s.coinTag(c)).String()
}

// coinTag is the struct tag of a coin's currency.
func (s *state) coinTag(c coinType) moveobj.StructTag {
	if c == coinWAL {
		return moveobj.WALType(s.sui.walPackage)
	}
	return moveobj.SUIType()
}
