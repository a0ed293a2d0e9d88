package suiface_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/mr-tron/base58"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
	"github.com/walrusfs/walrusfs/chain/suiface"
)

// The fuzz targets' inputs name the rig's objects by placeholders, 32 bytes
// of 0xee ending in a tag, because a ledger's IDs differ from run to run.
// Before a transaction is sent its placeholders become the real IDs; an
// object reference to a placeholder at version 0 becomes the object's
// current reference, any other version is kept (stale or made up).
const (
	phRich    = 0xe1 // the rich account (the seeds' sender)
	phPoor    = 0xe2 // the poor account
	phPackage = 0xe3 // the Walrus package
	phWALPkg  = 0xe4 // the WAL coin's package
	phSystem  = 0xe5 // the System object
	phGas     = 0xf1 // rich's first SUI coin
	phWAL     = 0xf2 // rich's WAL coin
	phPoorGas = 0xf3 // poor's SUI coin
	phBlob    = 0xf4 // rich's first blob, once there is one
	phGas2    = 0xf5 // rich's second SUI coin
)

func placeholder(tag byte) [32]byte {
	p := [32]byte(bytes.Repeat([]byte{0xee}, 32))
	p[31] = tag
	return p
}

// fuzzRig is a rig whose face is called in process, without a network.
type fuzzRig struct {
	*rig
	exec v2.TransactionExecutionServiceServer
}

// services captures the face's service implementations.
type services map[string]any

func (s services) RegisterService(d *grpc.ServiceDesc, impl any) { s[d.ServiceName] = impl }

func newFuzzRig(f *testing.F) *fuzzRig {
	r := newRig(f)
	if err := r.l.Mint(context.Background(), r.rich.Address(), richSUI, 0); err != nil { // a second SUI coin
		f.Fatal(err)
	}
	s := make(services)
	suiface.New(r.l, nil).Register(s)
	fr := &fuzzRig{rig: r, exec: s["sui.rpc.v2.TransactionExecutionService"].(v2.TransactionExecutionServiceServer)}
	// A blob for the seeds that name one.
	tx := fr.substitute(f, encode(f, fuzzSeeds(f)[0]))
	exec, err := r.l.ExecuteSui(context.Background(), tx, [][]byte{r.rich.SignTransaction(tx)})
	if err != nil || exec.Failure != nil {
		f.Fatalf("registering a blob: %v %+v", err, exec)
	}
	return fr
}

// ids maps each placeholder to what it stands for now: an address or ID,
// and for owned objects their current version and digest.
func (r *fuzzRig) ids(tb testing.TB) map[byte]walrusptb.ObjectRef {
	rich, poor := r.rich.Address(), r.poor.Address()
	m := map[byte]walrusptb.ObjectRef{
		phRich: {ID: rich}, phPoor: {ID: poor}, phPackage: {ID: r.d.WalrusPackage},
		phWALPkg: {ID: r.d.WALPackage}, phSystem: {ID: r.d.System},
	}
	sui := r.coins(tb, rich, moveobj.SUIType())
	m[phGas] = sui[0].Ref
	if len(sui) > 1 {
		m[phGas2] = sui[1].Ref
	}
	m[phWAL] = r.coin(tb, rich, r.d.WALType()).Ref
	m[phPoorGas] = r.coin(tb, poor, moveobj.SUIType()).Ref
	want := moveobj.BlobType(r.d.WalrusPackage).String()
	blobs, _, err := r.l.SuiOwnedObjects(context.Background(), rich, func(t moveobj.StructTag) bool { return t.String() == want }, nil, 1)
	if err != nil {
		tb.Fatal(err)
	}
	if len(blobs) > 0 {
		m[phBlob] = refOf(blobs[0])
	}
	return m
}

// substitute replaces the placeholders in BCS bytes.
func (r *fuzzRig) substitute(tb testing.TB, raw []byte) []byte {
	out := bytes.Clone(raw)
	for tag, ref := range r.ids(tb) {
		p := placeholder(tag)
		for i := 0; ; {
			j := bytes.Index(out[i:], p[:])
			if j < 0 {
				break
			}
			at := i + j
			copy(out[at:], ref.ID[:])
			// An ObjectRef: ID, u64 version, digest (length 32 and bytes).
			if rest := out[at+32:]; ref.Version != 0 && len(rest) >= 8+1+32 && binary.LittleEndian.Uint64(rest) == 0 && rest[8] == 32 {
				binary.LittleEndian.PutUint64(rest, ref.Version)
				copy(rest[9:], ref.Digest[:])
			}
			i = at + 32
		}
	}
	return out
}

// substituteProto replaces the placeholders in a proto transaction: in its
// BCS, in IDs and addresses (with the reference of an owned object given at
// version 0), and in type strings.
func (r *fuzzRig) substituteProto(tb testing.TB, tx *v2.Transaction) {
	ids := r.ids(tb)
	replace := func(s *string) {
		if s == nil {
			return
		}
		for tag, ref := range ids {
			p := placeholder(tag)
			*s = strings.ReplaceAll(*s, hex.EncodeToString(p[:]), hex.EncodeToString(ref.ID[:]))
		}
	}
	ref := func(id *string, version *uint64, digest **string) {
		for tag, ref := range ids {
			p := placeholder(tag)
			if id == nil || *id != "0x"+hex.EncodeToString(p[:]) {
				continue
			}
			*id = ledger.FormatObjectID(ref.ID)
			if version != nil && *version == 0 && ref.Version != 0 {
				*version = ref.Version
				*digest = proto.String(base58.Encode(ref.Digest[:]))
			}
		}
		replace(id)
	}
	if tx.Bcs != nil {
		tx.Bcs.Value = r.substitute(tb, tx.Bcs.Value)
	}
	replace(tx.Sender)
	if g := tx.GasPayment; g != nil {
		replace(g.Owner)
		for _, o := range g.Objects {
			if o != nil {
				ref(o.ObjectId, o.Version, &o.Digest)
			}
		}
	}
	pt := tx.GetKind().GetProgrammableTransaction()
	if pt == nil {
		return
	}
	for _, in := range pt.Inputs {
		if in != nil {
			ref(in.ObjectId, in.Version, &in.Digest)
		}
	}
	for _, c := range pt.Commands {
		if m := c.GetMoveCall(); m != nil {
			replace(m.Package)
			for i := range m.TypeArguments {
				replace(&m.TypeArguments[i])
			}
		}
	}
}

// fuzzSeeds are transactions in placeholders: Walrus's flows, sent by rich
// (or poor) and paid with its coins, and a few hand-made PTBs.
func fuzzSeeds(tb testing.TB) []*transaction.TransactionData {
	rich, poor := chain.Address(placeholder(phRich)), chain.Address(placeholder(phPoor))
	ref := func(tag byte) walrusptb.ObjectRef { return walrusptb.ObjectRef{ID: placeholder(tag)} }
	contract := walrusptb.Contract{Package: placeholder(phPackage), System: placeholder(phSystem), SystemVersion: 1,
		WAL: walrusptb.StructTag{Address: placeholder(phWALPkg), Module: "wal", Name: "WAL"}}
	prices := walrusptb.Prices{Storage: ledger.DefaultStoragePrice, Write: ledger.DefaultWritePrice}
	gas := walrusptb.GasData{Payment: []walrusptb.ObjectRef{ref(phGas)}, Price: ledger.DefaultGasPrice, Budget: testGas}
	gas2 := gas
	gas2.Payment = []walrusptb.ObjectRef{ref(phGas), ref(phGas2)}
	poorGas := walrusptb.GasData{Payment: []walrusptb.ObjectRef{ref(phPoorGas)}, Price: ledger.DefaultGasPrice, Budget: testGas}
	wal := []walrusptb.Coin{{Ref: ref(phWAL), Balance: richWAL}}
	register := func(size uint64, deletable bool, attrs ...walrusptb.Attribute) walrusptb.Register {
		return walrusptb.Register{Contract: contract, Prices: prices, NShards: rigShards,
			BlobID: [32]byte{byte(size)}, RootHash: [32]byte{1}, Size: size, Epochs: 2, Deletable: deletable, Owner: rich, WAL: wal, Attributes: attrs}
	}
	data := func(sender chain.Address, g walrusptb.GasData, f walrusptb.Flow) *transaction.TransactionData {
		td, err := walrusptb.Data(sender, g, f)
		if err != nil {
			tb.Fatal(err)
		}
		return td
	}
	// A real blob ID, so that registering succeeds.
	okReg := register(1000, true, walrusptb.Attribute{Key: "k", Value: "v"})
	okReg.BlobID, okReg.RootHash = ledgertest.Blob(1000, "fuzz")
	permanent := register(10, false)
	permanent.BlobID, permanent.RootHash = ledgertest.Blob(10, "fuzz")
	seeds := []*transaction.TransactionData{
		data(rich, gas, okReg),
		data(rich, gas2, permanent),
		data(rich, gas, register(1<<20, true)),
		data(poor, poorGas, register(1000, true)),
		data(rich, gas, walrusptb.Extend{Contract: contract, StoragePrice: prices.Storage, Blob: ref(phBlob), StorageSize: 1 << 20, Epochs: 1, WAL: wal}),
		data(rich, gas, walrusptb.Delete{Contract: contract, Blob: ref(phBlob), Owner: rich}),
		data(rich, gas, walrusptb.WriteAttributes{Contract: contract, Blob: ref(phBlob), Changes: []walrusptb.Attribute{{Key: "a", Value: "b"}}}),
		data(rich, gas, walrusptb.WriteAttributes{Contract: contract, Blob: ref(phBlob), Existing: map[string]string{"a": "b"},
			Changes: []walrusptb.Attribute{{Key: "a", Remove: true}, {Key: "c", Value: "d"}}}),
		data(rich, gas, walrusptb.Certify{Contract: contract, Blob: ref(phBlob), Signature: make([]byte, 96), SignersBitmap: []byte{0x0f}, Message: make([]byte, 40)}),
	}
	// Hand-made commands over the inputs of a register without attributes.
	plain := okReg
	plain.Attributes = nil
	unused := data(rich, gas, plain)
	unused.V1.Kind.ProgrammableTransaction.Commands = []*transaction.Command{
		{SplitCoins: &transaction.SplitCoins{Coin: input(regCoin), Amount: []*transaction.Argument{input(regStorageCost)}}},
	}
	transfer := data(rich, gas, plain)
	var gasCoin transaction.Argument
	gasCoin.GasCoin = true
	transfer.V1.Kind.ProgrammableTransaction.Commands = []*transaction.Command{
		{SplitCoins: &transaction.SplitCoins{Coin: &gasCoin, Amount: []*transaction.Argument{input(regStorageCost), input(regWriteCost)}}},
		{MergeCoins: &transaction.MergeCoins{Destination: &transaction.Argument{NestedResult: &transaction.NestedResult{Index: 0, ResultIndex: 0}},
			Sources: []*transaction.Argument{{NestedResult: &transaction.NestedResult{Index: 0, ResultIndex: 1}}}}},
		{TransferObjects: &transaction.TransferObjects{Objects: []*transaction.Argument{result(0), input(regCoin)}, Address: input(regOwner)}},
	}
	unknown := data(rich, gas, plain)
	unknown.V1.Kind.ProgrammableTransaction.Commands = []*transaction.Command{moveCall(placeholder(phPackage), "system", "nope", input(regSystem))}
	return append(seeds, unused, transfer, unknown)
}

// FuzzExecuteTransaction feeds arbitrary transaction bytes and signatures
// to the face's ExecuteTransaction. It must never panic; what it refuses
// changes nothing; it executes only transactions signed by their sender;
// and an executed transaction's effects agree with the state it leaves (a
// failed one changes only its gas coin and the versions of its mutable
// shared inputs).
func FuzzExecuteTransaction(f *testing.F) {
	r := newFuzzRig(f)
	for _, td := range fuzzSeeds(f) {
		b := encode(f, td)
		for mode := range byte(4) {
			f.Add(b, []byte{}, mode)
		}
		f.Add(b[:len(b)/2], []byte{0}, byte(1))
		f.Add(append(bytes.Clone(b), 0), make([]byte, 97), byte(0))
	}
	f.Add([]byte{}, []byte{}, byte(0))
	f.Add([]byte("garbage"), bytes.Repeat([]byte{1}, 97), byte(0))
	f.Add([]byte{0, 0, 0}, []byte{0}, byte(1))
	f.Fuzz(func(t *testing.T, raw, sig []byte, mode byte) {
		ctx := context.Background()
		tx := r.substitute(t, raw)
		var sigs [][]byte
		switch mode % 4 {
		case 0:
			sigs = [][]byte{sig}
		case 1:
			sigs = [][]byte{r.rich.SignTransaction(tx)}
		case 2:
			sigs = [][]byte{r.poor.SignTransaction(tx)}
		case 3:
			sigs = [][]byte{r.rich.SignTransaction(tx), sig}
		}
		before := r.snapshot(t)
		_, known := r.l.SuiTransaction(suikey.TransactionDigest(tx))
		resp, err := r.exec.ExecuteTransaction(ctx, executeRequest(tx, sigs...))
		after := r.snapshot(t)
		if err != nil {
			if c := status.Code(err); c != codes.InvalidArgument {
				t.Fatalf("refused with %s: %v", c, err)
			}
			if d := before.diff(after); d != "" {
				t.Fatalf("refused (%v) but the state changed: %s", err, d)
			}
			return
		}
		td, derr := suitx.Decode(tx)
		if derr != nil {
			t.Fatalf("executed bytes that do not decode: %v", derr)
		}
		signer, verr := suikey.VerifyTransaction(tx, sigs[0])
		if len(sigs) != 1 || verr != nil || signer != *td.V1.Sender {
			t.Fatalf("executed a transaction not signed by its sender (%d signatures, %v; executed before: %v)", len(sigs), verr, known)
		}
		if known {
			if d := before.diff(after); d != "" {
				t.Fatalf("executed again and the state changed: %s", d)
			}
			return
		}
		checkEffects(t, r.rig, tx, td, resp.GetTransaction(), before, after)
	})
}

// checkEffects checks that an executed transaction's effects agree with the
// state: every changed object is served at its output version and digest or
// gone; a failure changed only the gas coin and mutable shared inputs.
func checkEffects(t *testing.T, r *rig, tx []byte, td *transaction.TransactionData, out *v2.ExecutedTransaction, before, after snapshot) {
	t.Helper()
	if out.GetDigest() != digestOf(tx) {
		t.Fatalf("digest %s, want %s", out.GetDigest(), digestOf(tx))
	}
	eff := out.GetEffects()
	st := eff.GetStatus()
	if st == nil || !st.GetSuccess() && st.GetError() == nil {
		t.Fatalf("status %v", st)
	}
	lamport := eff.GetLamportVersion()
	var shared []chain.ObjectID
	for _, c := range eff.GetChangedObjects() {
		id, err := ledger.ParseObjectID(c.GetObjectId())
		if err != nil {
			t.Fatal(err)
		}
		o := r.object(t, id)
		switch {
		case c.OutputVersion == nil && o != nil:
			t.Errorf("%s (%s) is gone in the effects, still served at version %d", c.GetObjectId(), c.GetObjectType(), o.Version)
		case c.OutputVersion != nil && o == nil:
			t.Errorf("%s (%s) is written in the effects, not served", c.GetObjectId(), c.GetObjectType())
		case c.OutputVersion != nil && (o.Version != lamport || c.GetOutputVersion() != lamport || base58.Encode(o.Digest[:]) != c.GetOutputDigest()):
			t.Errorf("%s (%s) written at %d %s in the effects, served at %d %s", c.GetObjectId(), c.GetObjectType(), c.GetOutputVersion(), c.GetOutputDigest(), o.Version, base58.Encode(o.Digest[:]))
		}
		if c.GetInputOwner().GetKind() == v2.Owner_SHARED {
			shared = append(shared, id)
		}
	}
	if st.GetSuccess() {
		return
	}
	payment := make([]walrusptb.ObjectRef, len(*td.V1.GasData.Payment))
	for i, p := range *td.V1.GasData.Payment {
		payment[i] = walrusptb.ObjectRef{ID: chain.ObjectID(p.ObjectId)}
	}
	gu := eff.GetGasUsed()
	charge := gu.GetComputationCost() + gu.GetStorageCost() - gu.GetStorageRebate()
	if d := sameExceptDigests(before.charged(payment, charge, lamport, shared...), after); d != "" {
		t.Fatalf("failed (%s) and changed more than gas: %s", st.GetError().GetDescription(), d)
	}
}

// FuzzSimulate feeds arbitrary proto Transactions to the face's
// SimulateTransaction, resolved or not, with and without gas selection. It
// must never panic nor change anything, must refuse with INVALID_ARGUMENT or
// FAILED_PRECONDITION, and what it returns must be a transaction a client
// can sign: resolved, with gas, encodable.
func FuzzSimulate(f *testing.F) {
	r := newFuzzRig(f)
	for _, td := range fuzzSeeds(f) {
		p, err := suitx.ToProto(td)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := proto.Marshal(p)
		f.Add(b, true)
		f.Add(b, false)
		// As the SDK sends it: objects by ID only, no gas payment.
		for _, in := range p.GetKind().GetProgrammableTransaction().GetInputs() {
			if in.GetKind() == v2.Input_SHARED || in.GetKind() == v2.Input_IMMUTABLE_OR_OWNED {
				in.Kind, in.Version, in.Digest, in.Mutable = nil, nil, nil, nil
			}
		}
		p.GasPayment = &v2.GasPayment{Owner: p.Sender}
		b, _ = proto.Marshal(p)
		f.Add(b, true)
		f.Add(b, false)
		bcs, _ := proto.Marshal(&v2.Transaction{Bcs: &v2.Bcs{Value: encode(f, td)}})
		f.Add(bcs, false)
	}
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, raw []byte, selection bool) {
		var tx v2.Transaction
		if proto.Unmarshal(raw, &tx) != nil {
			return
		}
		r.substituteProto(t, &tx)
		before := r.snapshot(t)
		resp, err := r.exec.SimulateTransaction(context.Background(), &v2.SimulateTransactionRequest{Transaction: &tx, DoGasSelection: &selection})
		if d := before.diff(r.snapshot(t)); d != "" {
			t.Fatalf("simulating changed the state: %s", d)
		}
		if err != nil {
			if c := status.Code(err); c != codes.InvalidArgument && c != codes.FailedPrecondition {
				t.Fatalf("refused with %s: %v", c, err)
			}
			return
		}
		out := resp.GetTransaction()
		st := out.GetEffects().GetStatus()
		if st == nil || !st.GetSuccess() && st.GetError() == nil {
			t.Fatalf("status %v", st)
		}
		g := out.GetTransaction().GetGasPayment()
		if g.Price == nil || g.Budget == nil || len(g.Objects) == 0 {
			t.Fatalf("resolved gas payment %v", g)
		}
		td, err := suitx.FromProto(out.GetTransaction())
		if err != nil {
			t.Fatalf("the resolved transaction does not convert back: %v", err)
		}
		b, err := suitx.Encode(td)
		if err != nil {
			t.Fatalf("the resolved transaction does not encode: %v", err)
		}
		if digestOf(b) != out.GetDigest() {
			t.Fatalf("digest %s, the resolved transaction's is %s", out.GetDigest(), digestOf(b))
		}
		for _, in := range td.V1.Kind.ProgrammableTransaction.Inputs {
			if in.UnresolvedObject != nil || in.UnresolvedPure != nil {
				t.Fatal("an input is left unresolved")
			}
		}
	})
}
