package suiface_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/block-vision/sui-go-sdk/models"
	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/mr-tron/base58"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
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
	"github.com/walrusfs/walrusfs/internal/grpcweb"
)

// A rig is a small ledger served as Sui over native gRPC, without storage
// nodes (registering, extending, deleting and attributes need none): rich
// holds SUI and WAL, poor only SUI.
type rig struct {
	dir        string
	l          *ledger.Ledger
	d          ledger.SuiDeployment
	rich, poor *suikey.KeyPair

	srv  *grpcweb.Server
	conn *grpc.ClientConn
	exec v2.TransactionExecutionServiceClient
	led  v2.LedgerServiceClient
}

const (
	rigNodes  = 4
	rigShards = 8
	richSUI   = 1_000_000_000_000 // 1000 SUI
	richWAL   = 1_000_000_000_000 // 1000 WAL
	poorSUI   = 10_000_000_000    // 10 SUI
	testGas   = 50_000_000        // budget of the tests' transactions, MIST
)

// testKey is a key derived from a name, the same in every run.
func testKey(tb testing.TB, name string) *suikey.KeyPair {
	seed := sha256.Sum256([]byte("suiface test key " + name))
	k, err := suikey.FromSeed(seed[:])
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// newRig creates the ledger in a temporary directory; serve starts the face.
func newRig(tb testing.TB) *rig {
	tb.Helper()
	r := &rig{dir: tb.TempDir(), rich: testKey(tb, "rich"), poor: testKey(tb, "poor")}
	g := ledgertest.NewCommittee(tb, rigNodes, rigShards).Genesis()
	g.Sui = &ledger.SuiGenesis{Grants: []ledger.Grant{
		{Owner: r.rich.Address(), SUI: richSUI, WAL: richWAL},
		{Owner: r.poor.Address(), SUI: poorSUI},
	}}
	l, err := ledger.Create(r.dir, g, ledger.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.l.Close() })
	r.l, r.d = l, l.SuiDeployment()
	return r
}

// serve serves the rig's ledger on a loopback port and connects a gRPC
// client to it; both stop when the test ends or at stop.
func (r *rig) serve(t *testing.T) {
	t.Helper()
	srv, err := grpcweb.New(grpcweb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	suiface.New(r.l, nil).Register(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	r.srv, r.conn = srv, conn
	r.exec, r.led = v2.NewTransactionExecutionServiceClient(conn), v2.NewLedgerServiceClient(conn)
	t.Cleanup(r.stop)
}

func (r *rig) stop() {
	if r.conn != nil {
		r.conn.Close()
		r.conn = nil
	}
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.srv.Shutdown(ctx)
		r.srv = nil
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (r *rig) contract() walrusptb.Contract {
	return walrusptb.Contract{
		Package: r.d.WalrusPackage, System: r.d.System, SystemVersion: 1,
		WAL: walrusptb.StructTag{Address: r.d.WALPackage, Module: "wal", Name: "WAL"},
	}
}

func (r *rig) prices() walrusptb.Prices {
	return walrusptb.Prices{Storage: r.d.StoragePrice, Write: r.d.WritePrice}
}

func refOf(o *ledger.SuiObject) walrusptb.ObjectRef {
	return walrusptb.ObjectRef{ID: o.ID, Version: o.Version, Digest: o.Digest}
}

// coins lists owner's coins of a currency, in ID order.
func (r *rig) coins(tb testing.TB, owner chain.Address, currency moveobj.StructTag) []walrusptb.Coin {
	tb.Helper()
	want := moveobj.CoinType(currency).String()
	objs, _, err := r.l.SuiOwnedObjects(context.Background(), owner, func(t moveobj.StructTag) bool { return t.String() == want }, nil, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]walrusptb.Coin, len(objs))
	for i, o := range objs {
		out[i] = walrusptb.Coin{Ref: refOf(o), Balance: *o.Balance}
	}
	return out
}

// coin returns owner's first coin of a currency.
func (r *rig) coin(tb testing.TB, owner chain.Address, currency moveobj.StructTag) walrusptb.Coin {
	tb.Helper()
	cs := r.coins(tb, owner, currency)
	if len(cs) == 0 {
		tb.Fatalf("%s has no %s coin", ledger.FormatAddress(owner), currency)
	}
	return cs[0]
}

func (r *rig) gas(tb testing.TB, owner chain.Address) walrusptb.GasData {
	return walrusptb.GasData{Payment: []walrusptb.ObjectRef{r.coin(tb, owner, moveobj.SUIType()).Ref}, Price: r.d.GasPrice, Budget: testGas}
}

func (r *rig) object(tb testing.TB, id chain.ObjectID) *ledger.SuiObject {
	tb.Helper()
	objs, err := r.l.SuiObjects(context.Background(), []chain.ObjectID{id})
	if err != nil {
		tb.Fatal(err)
	}
	return objs[0]
}

// register is a register transaction of a made-up blob of size bytes for
// owner, paid from coin.
func (r *rig) register(owner chain.Address, coin walrusptb.Coin, size uint64, seed string, deletable bool, attrs ...walrusptb.Attribute) walrusptb.Register {
	id, root := ledgertest.Blob(size, seed)
	return walrusptb.Register{
		Contract: r.contract(), Prices: r.prices(), NShards: r.d.NShards,
		BlobID: id, RootHash: root, Size: size, Epochs: 3, Deletable: deletable, Owner: owner,
		WAL: []walrusptb.Coin{coin}, Attributes: attrs,
	}
}

func txBytes(tb testing.TB, sender chain.Address, gas walrusptb.GasData, f walrusptb.Flow) []byte {
	tb.Helper()
	b, err := walrusptb.Bytes(sender, gas, f)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func (r *rig) data(tb testing.TB, sender chain.Address, gas walrusptb.GasData, f walrusptb.Flow) *transaction.TransactionData {
	tb.Helper()
	td, err := walrusptb.Data(sender, gas, f)
	if err != nil {
		tb.Fatal(err)
	}
	return td
}

func encode(tb testing.TB, td *transaction.TransactionData) []byte {
	tb.Helper()
	b, err := suitx.Encode(td)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func executeRequest(tx []byte, sigs ...[]byte) *v2.ExecuteTransactionRequest {
	req := &v2.ExecuteTransactionRequest{Transaction: &v2.Transaction{Bcs: &v2.Bcs{Value: tx}}}
	for _, s := range sigs {
		req.Signatures = append(req.Signatures, &v2.UserSignature{Bcs: &v2.Bcs{Value: s}})
	}
	return req
}

// snapshot is what a transaction could change: every object of the rig's
// accounts and of the deployment, balances, the event cursor and the
// checkpoint.
type snapshot struct {
	objects    map[chain.ObjectID]ledger.SuiObject
	balances   map[string]uint64
	cursor     chain.Cursor
	checkpoint uint64
}

func (r *rig) snapshot(tb testing.TB) snapshot {
	tb.Helper()
	ctx := context.Background()
	s := snapshot{objects: make(map[chain.ObjectID]ledger.SuiObject), balances: make(map[string]uint64)}
	for _, k := range []*suikey.KeyPair{r.rich, r.poor} {
		objs, _, err := r.l.SuiOwnedObjects(ctx, k.Address(), nil, nil, 1<<20)
		if err != nil {
			tb.Fatal(err)
		}
		for _, o := range objs {
			s.objects[o.ID] = *o
			if bid, err := moveobj.DecodeBlob(o.Contents); err == nil && o.Type.Name == "Blob" {
				if f := r.object(tb, moveobj.MetadataFieldID(bid.ID)); f != nil {
					s.objects[f.ID] = *f
				}
			}
		}
		for _, cur := range []moveobj.StructTag{moveobj.SUIType(), r.d.WALType()} {
			total, _, err := r.l.SuiBalance(ctx, k.Address(), cur)
			if err != nil {
				tb.Fatal(err)
			}
			s.balances[ledger.FormatAddress(k.Address())+" "+cur.Name] = total
		}
	}
	for _, id := range []chain.ObjectID{r.d.System, r.d.Staking} {
		s.objects[id] = *r.object(tb, id)
	}
	s.cursor = r.l.NextCursor()
	s.checkpoint = r.l.SuiDeployment().Checkpoint
	return s
}

// diff describes how two snapshots differ, "" when they do not.
func (a snapshot) diff(b snapshot) string {
	var out []string
	for _, id := range slices.SortedFunc(maps.Keys(a.objects), cmpID) {
		x := a.objects[id]
		y, ok := b.objects[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s (%s) gone", ledger.FormatObjectID(id), x.Type.Name))
		case !reflect.DeepEqual(x, y):
			out = append(out, fmt.Sprintf("%s (%s) changed: version %d → %d", ledger.FormatObjectID(id), x.Type.Name, x.Version, y.Version))
		}
	}
	for id, y := range b.objects {
		if _, ok := a.objects[id]; !ok {
			out = append(out, fmt.Sprintf("%s (%s) appeared", ledger.FormatObjectID(id), y.Type.Name))
		}
	}
	if !maps.Equal(a.balances, b.balances) {
		out = append(out, fmt.Sprintf("balances %v → %v", a.balances, b.balances))
	}
	if a.cursor != b.cursor {
		out = append(out, fmt.Sprintf("event cursor %d → %d", a.cursor, b.cursor))
	}
	if a.checkpoint != b.checkpoint {
		out = append(out, fmt.Sprintf("checkpoint %d → %d", a.checkpoint, b.checkpoint))
	}
	return strings.Join(out, "; ")
}

func cmpID(a, b chain.ObjectID) int { return bytes.Compare(a[:], b[:]) }

// charged is what a snapshot becomes when a transaction that failed in
// execution is charged gas: the payment is smashed into its first coin,
// less the charge, at the transaction's version; mutable shared inputs take
// that version too, as on Sui. Nothing else changes. Digests are left to
// sameExceptDigests.
func (a snapshot) charged(payment []walrusptb.ObjectRef, charge, lamport uint64, shared ...chain.ObjectID) snapshot {
	b := snapshot{objects: maps.Clone(a.objects), balances: maps.Clone(a.balances), cursor: a.cursor, checkpoint: a.checkpoint + 1}
	var total uint64
	for _, p := range payment {
		total += *a.objects[p.ID].Balance
		delete(b.objects, p.ID)
	}
	g := a.objects[payment[0].ID]
	bal := total - charge
	g.Balance, g.Version = &bal, lamport
	g.Contents = moveobj.Coin{ID: g.ID, Balance: bal}.MarshalBCS()
	b.objects[g.ID] = g
	b.balances[ledger.FormatAddress(g.Owner.Address)+" SUI"] -= charge
	for _, id := range shared {
		o := a.objects[id]
		o.Version = lamport
		b.objects[id] = o
	}
	return b
}

// sameExceptDigests compares two snapshots ignoring object digests, which
// only the ledger computes.
func sameExceptDigests(a, b snapshot) string {
	strip := func(s snapshot) snapshot {
		c := snapshot{objects: make(map[chain.ObjectID]ledger.SuiObject), balances: s.balances, cursor: s.cursor, checkpoint: s.checkpoint}
		for id, o := range s.objects {
			o.Digest = [32]byte{}
			c.objects[id] = o
		}
		return c
	}
	return strip(a).diff(strip(b))
}

// wantStatus checks a gRPC error's code and that its message names the
// problem.
func wantStatus(t *testing.T, err error, code codes.Code, words ...string) {
	t.Helper()
	st, ok := status.FromError(err)
	if err == nil || !ok {
		t.Fatalf("got %v, want a %s status", err, code)
	}
	if st.Code() != code {
		t.Fatalf("status %s %q, want %s", st.Code(), st.Message(), code)
	}
	for _, w := range words {
		if !strings.Contains(st.Message(), w) {
			t.Errorf("message %q does not say %q", st.Message(), w)
		}
	}
}

func digestOf(tx []byte) string {
	d := suikey.TransactionDigest(tx)
	return base58.Encode(d[:])
}

// TestExecuteRejects sends transactions Sui refuses before execution: each
// gets INVALID_ARGUMENT naming the problem, changes nothing at all and is
// not found afterwards.
func TestExecuteRejects(t *testing.T) {
	r := newRig(t)
	r.serve(t)
	ctx := testCtx(t)
	rich, poor := r.rich.Address(), r.poor.Address()

	// Spend the gas coin once, to have a stale reference to it.
	stale := r.gas(t, rich)
	first := txBytes(t, rich, stale, r.register(rich, r.coin(t, rich, r.d.WALType()), 10, "spends the gas coin", false))
	if _, err := r.exec.ExecuteTransaction(ctx, executeRequest(first, r.rich.SignTransaction(first))); err != nil {
		t.Fatal(err)
	}

	wal := r.coin(t, rich, r.d.WALType())
	gas := r.gas(t, rich)
	reg := r.register(rich, wal, 1000, "rejects", true)
	good := txBytes(t, rich, gas, reg)
	goodSig := r.rich.SignTransaction(good)
	corrupt := bytes.Clone(goodSig)
	corrupt[10] ^= 0x40
	secp := bytes.Clone(goodSig)
	secp[0] = 0x01
	trailing := append(bytes.Clone(good), 0)
	truncated := good[:len(good)/2]
	oneShort := good[:len(good)-1]

	wrongShared := reg
	wrongShared.Contract.SystemVersion = 2
	poorGas := r.gas(t, poor)
	belowPrice, tooLow, maxBudget, poorBudget := gas, gas, gas, poorGas
	belowPrice.Price = r.d.GasPrice - 1
	tooLow.Budget = r.d.GasPrice*1000 - 1
	maxBudget.Budget = 50_000_000_001
	poorBudget.Budget = poorSUI + 1
	walAsGas := walrusptb.GasData{Payment: []walrusptb.ObjectRef{wal.Ref}, Price: r.d.GasPrice, Budget: testGas}
	twiceGas := gas
	twiceGas.Payment = []walrusptb.ObjectRef{gas.Payment[0], gas.Payment[0]}
	expired := r.data(t, rich, gas, reg)
	epoch := uint64(0)
	expired.V1.Expiration = &transaction.TransactionExpiration{Epoch: &epoch}
	if _, err := r.l.AdvanceEpoch(ctx, nil); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		key   *suikey.KeyPair // signs tx when sigs is nil
		tx    []byte
		sigs  [][]byte
		words []string
	}{
		{"empty transaction", nil, nil, [][]byte{goodSig}, []string{"transaction.bcs"}},
		{"truncated", r.rich, truncated, nil, []string{"rejected", "suitx"}},
		{"truncated by one byte", r.rich, oneShort, nil, []string{"rejected", "suitx"}},
		{"garbage", nil, []byte("not a transaction at all"), [][]byte{goodSig}, []string{"rejected"}},
		{"trailing bytes", r.rich, trailing, nil, []string{"rejected", "after transaction data"}},
		{"no signature", nil, good, [][]byte{}, []string{"0 signatures"}},
		{"empty signature", nil, good, [][]byte{{}}, []string{"signature 0"}},
		{"three signatures", nil, good, [][]byte{goodSig, goodSig, goodSig}, []string{"3 signatures"}},
		{"sponsor signature", nil, good, [][]byte{goodSig, r.poor.SignTransaction(good)}, []string{"2 signatures", "the sender's"}},
		{"foreign signature", r.poor, good, nil, []string{"signed by " + ledger.FormatAddress(poor), "sent by " + ledger.FormatAddress(rich)}},
		{"signature over other bytes", nil, good, [][]byte{r.rich.SignTransaction(first)}, []string{"does not verify"}},
		{"corrupted signature", nil, good, [][]byte{corrupt}, []string{"does not verify"}},
		{"short signature", nil, good, [][]byte{goodSig[:96]}, []string{"96 bytes"}},
		{"secp256k1 flag", nil, good, [][]byte{secp}, []string{"flag 0x01", "only Ed25519"}},
		{"WAL coin of another account", r.poor, txBytes(t, poor, poorGas, r.register(poor, wal, 1000, "poor", true)), nil, []string{"input", "owned by " + ledger.FormatAddress(rich), "not the sender"}},
		{"gas coin of another account", r.poor, txBytes(t, poor, gas, r.register(poor, wal, 1000, "poor", true)), nil, []string{"gas payment 0", "not the sender"}},
		{"WAL coin as gas", r.rich, txBytes(t, rich, walAsGas, reg), nil, []string{"gas payment 0", "not a Coin<SUI>"}},
		{"gas coin twice", r.rich, txBytes(t, rich, twiceGas, reg), nil, []string{"used twice"}},
		{"stale gas coin", r.rich, txBytes(t, rich, stale, reg), nil, []string{"stale", fmt.Sprintf("names version %d", stale.Payment[0].Version)}},
		{"wrong shared initial version", r.rich, txBytes(t, rich, gas, wrongShared), nil, []string{"initial shared version 1; the transaction names 2"}},
		{"gas budget above the coins", r.poor, txBytes(t, poor, poorBudget, r.register(poor, wal, 1000, "poor", true)), nil, []string{"less than the budget", "GasBalanceTooLow"}},
		{"gas budget above the maximum", r.rich, txBytes(t, rich, maxBudget, reg), nil, []string{"gas budget 50000000001"}},
		{"gas budget below the minimum", r.rich, txBytes(t, rich, tooLow, reg), nil, []string{fmt.Sprintf("gas budget %d", tooLow.Budget)}},
		{"gas price below the reference", r.rich, txBytes(t, rich, belowPrice, reg), nil, []string{"allowed from the reference gas price"}},
		{"expired", r.rich, encode(t, expired), nil, []string{"expired"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sigs := c.sigs
			if sigs == nil {
				sigs = [][]byte{c.key.SignTransaction(c.tx)}
			}
			before := r.snapshot(t)
			resp, err := r.exec.ExecuteTransaction(ctx, executeRequest(c.tx, sigs...))
			if err == nil {
				t.Fatalf("executed: %v", resp.GetTransaction().GetEffects().GetStatus())
			}
			wantStatus(t, err, codes.InvalidArgument, c.words...)
			if d := before.diff(r.snapshot(t)); d != "" {
				t.Errorf("state changed: %s", d)
			}
			if len(c.tx) > 0 {
				_, err := r.led.GetTransaction(ctx, &v2.GetTransactionRequest{Digest: proto.String(digestOf(c.tx))})
				wantStatus(t, err, codes.NotFound)
			}
		})
	}

	// The good transaction still executes after all that.
	resp, err := r.exec.ExecuteTransaction(ctx, executeRequest(good, goodSig))
	if err != nil || !resp.GetTransaction().GetEffects().GetStatus().GetSuccess() {
		t.Fatalf("the good transaction: %v %v", err, resp.GetTransaction().GetEffects().GetStatus())
	}
}

func input(i uint16) *transaction.Argument  { return &transaction.Argument{Input: &i} }
func result(i uint16) *transaction.Argument { return &transaction.Argument{Result: &i} }

func moveCall(pkg chain.ObjectID, module, function string, args ...*transaction.Argument) *transaction.Command {
	return &transaction.Command{MoveCall: &transaction.ProgrammableMoveCall{Package: models.SuiAddressBytes(pkg), Module: module, Function: function, Arguments: args}}
}

// withCommands replaces a transaction's commands, keeping its inputs.
func withCommands(td *transaction.TransactionData, cmds ...*transaction.Command) *transaction.TransactionData {
	td.V1.Kind.ProgrammableTransaction.Commands = cmds
	return td
}

// The inputs of a walrusptb.Register transaction paid with one coin, in
// order.
const (
	regSystem uint16 = iota
	regStorageAmount
	regEpochs
	regBlobID
	regRoot
	regSize
	regEncoding
	regDeletable
	regOwner
	regCoin
	regWriteCost
	regStorageCost
)

// TestExecuteFailures sends transactions that Sui executes and that fail:
// each reports its failure in its effects, pays gas from its gas coin, moves
// mutable shared inputs to its version, and changes nothing else. Sending
// one again returns the same effects and charges nothing.
func TestExecuteFailures(t *testing.T) {
	r := newRig(t)
	r.serve(t)
	ctx := testCtx(t)
	rich, poor := r.rich.Address(), r.poor.Address()
	const poorWAL = 1000
	if err := r.l.Mint(ctx, poor, 0, poorWAL); err != nil {
		t.Fatal(err)
	}
	pkg := r.d.WalrusPackage
	framework := "0x" + strings.Repeat("0", 63) + "2"

	cases := []struct {
		name    string
		key     *suikey.KeyPair
		build   func() ([]byte, walrusptb.GasData)
		kind    v2.ExecutionError_ExecutionErrorKind
		command int // -1: none
		words   []string
		abort   *v2.MoveAbort
		mutable bool // System is a mutable input, used or not
	}{
		{
			name: "too little WAL to split", key: r.poor, kind: v2.ExecutionError_INSUFFICIENT_COIN_BALANCE, command: 0, mutable: true,
			build: func() ([]byte, walrusptb.GasData) {
				coin := r.coin(t, poor, r.d.WALType())
				reg := r.register(poor, coin, 1000, "poor", true)
				_, storage, write, _ := reg.Costs()
				coin.Balance = storage + write // what the builder is told; the chain knows better
				reg.WAL = []walrusptb.Coin{coin}
				g := r.gas(t, poor)
				return txBytes(t, poor, g, reg), g
			},
			words: []string{fmt.Sprintf("balance: %d required:", poorWAL)},
		},
		{
			name: "too little WAL for reserve_space", key: r.poor, kind: v2.ExecutionError_MOVE_ABORT, command: 0, mutable: true,
			build: func() ([]byte, walrusptb.GasData) {
				coin := r.coin(t, poor, r.d.WALType())
				reg := r.register(poor, coin, 1000, "poor", true)
				_, storage, write, _ := reg.Costs()
				coin.Balance = storage + write
				reg.WAL = []walrusptb.Coin{coin}
				g := r.gas(t, poor)
				td := withCommands(r.data(t, poor, g, reg),
					moveCall(pkg, "system", "reserve_space", input(regSystem), input(regStorageAmount), input(regEpochs), input(regCoin)),
					&transaction.Command{TransferObjects: &transaction.TransferObjects{Objects: []*transaction.Argument{result(0)}, Address: input(regOwner)}})
				return encode(t, td), g
			},
			abort: &v2.MoveAbort{AbortCode: proto.Uint64(2), Location: &v2.MoveLocation{Package: proto.String(framework), Module: proto.String("balance"), FunctionName: proto.String("split")}},
		},
		{
			name: "unknown Move function", key: r.rich, kind: v2.ExecutionError_FUNCTION_NOT_FOUND, command: 1, mutable: true,
			build: func() ([]byte, walrusptb.GasData) {
				g := r.gas(t, rich)
				reg := r.register(rich, r.coin(t, rich, r.d.WALType()), 1000, "unknown", true)
				td := withCommands(r.data(t, rich, g, reg),
					&transaction.Command{SplitCoins: &transaction.SplitCoins{Coin: input(regCoin), Amount: []*transaction.Argument{input(regStorageCost)}}},
					moveCall(pkg, "system", "reserve_space_for_free", input(regSystem), input(regStorageAmount), input(regEpochs), result(0)))
				return encode(t, td), g
			},
			words: []string{"reserve_space_for_free"},
		},
		{
			name: "unknown package", key: r.rich, kind: v2.ExecutionError_FUNCTION_NOT_FOUND, command: 0, mutable: true,
			build: func() ([]byte, walrusptb.GasData) {
				g := r.gas(t, rich)
				reg := r.register(rich, r.coin(t, rich, r.d.WALType()), 1000, "unknown", true)
				td := withCommands(r.data(t, rich, g, reg), moveCall(chain.ObjectID{31: 0x77}, "m", "f"))
				return encode(t, td), g
			},
			words: []string{"::m::f"},
		},
		{
			name: "unused coin", key: r.rich, kind: v2.ExecutionError_UNUSED_VALUE_WITHOUT_DROP, command: -1, mutable: true,
			build: func() ([]byte, walrusptb.GasData) {
				g := r.gas(t, rich)
				reg := r.register(rich, r.coin(t, rich, r.d.WALType()), 1000, "unused", true)
				td := withCommands(r.data(t, rich, g, reg),
					&transaction.Command{SplitCoins: &transaction.SplitCoins{Coin: input(regCoin), Amount: []*transaction.Argument{input(regStorageCost)}}})
				return encode(t, td), g
			},
			words: []string{"result (0, 0)", "Coin"},
		},
		{
			name: "gas budget too small to execute", key: r.rich, kind: v2.ExecutionError_INSUFFICIENT_GAS, command: -1, mutable: true,
			build: func() ([]byte, walrusptb.GasData) {
				g := r.gas(t, rich)
				g.Budget = r.d.GasPrice * 1000
				return txBytes(t, rich, g, r.register(rich, r.coin(t, rich, r.d.WALType()), 1000, "budget", true)), g
			},
			words: []string{fmt.Sprintf("more than its budget of %d", r.d.GasPrice*1000)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx, gas := c.build()
			sig := c.key.SignTransaction(tx)
			before := r.snapshot(t)
			resp, err := r.exec.ExecuteTransaction(ctx, executeRequest(tx, sig))
			if err != nil {
				t.Fatal(err)
			}
			eff := resp.GetTransaction().GetEffects()
			st := eff.GetStatus()
			if st.GetSuccess() || st.GetError() == nil {
				t.Fatalf("status %v, want a failure", st)
			}
			e := st.GetError()
			if e.GetKind() != c.kind {
				t.Errorf("error kind %s (%q), want %s", e.GetKind(), e.GetDescription(), c.kind)
			}
			if c.command < 0 && e.Command != nil || c.command >= 0 && (e.Command == nil || *e.Command != uint64(c.command)) {
				t.Errorf("failed command %v, want %d", e.Command, c.command)
			}
			for _, w := range c.words {
				if !strings.Contains(e.GetDescription(), w) {
					t.Errorf("description %q does not say %q", e.GetDescription(), w)
				}
			}
			if c.abort != nil {
				a := e.GetAbort()
				if a.GetAbortCode() != c.abort.GetAbortCode() || a.GetLocation().GetPackage() != c.abort.GetLocation().GetPackage() ||
					a.GetLocation().GetModule() != c.abort.GetLocation().GetModule() || a.GetLocation().GetFunctionName() != c.abort.GetLocation().GetFunctionName() {
					t.Errorf("abort %v, want %v", a, c.abort)
				}
			}

			// Gas: charged from the gas coin, the budget when it ran out.
			gu := eff.GetGasUsed()
			charge := gu.GetComputationCost() + gu.GetStorageCost() - gu.GetStorageRebate()
			if charge == 0 || gu.GetStorageCost() != 0 || charge > gas.Budget {
				t.Errorf("gas used %v with a budget of %d", gu, gas.Budget)
			}
			if c.kind == v2.ExecutionError_INSUFFICIENT_GAS && charge != gas.Budget {
				t.Errorf("out of gas charged %d, want the budget %d", charge, gas.Budget)
			}
			lamport := eff.GetLamportVersion()
			var shared []chain.ObjectID
			wantChanged := map[string]bool{ledger.FormatObjectID(gas.Payment[0].ID): true}
			if c.mutable {
				shared = append(shared, r.d.System)
				wantChanged[ledger.FormatObjectID(r.d.System)] = true
			}
			for _, co := range eff.GetChangedObjects() {
				if !wantChanged[co.GetObjectId()] {
					t.Errorf("effects change %s (%s)", co.GetObjectId(), co.GetObjectType())
				}
				if co.GetOutputVersion() != lamport || co.GetIdOperation() != v2.ChangedObject_NONE {
					t.Errorf("effects: %s to version %d (%s), want %d", co.GetObjectId(), co.GetOutputVersion(), co.GetIdOperation(), lamport)
				}
				delete(wantChanged, co.GetObjectId())
			}
			if len(wantChanged) != 0 {
				t.Errorf("effects do not list %v", slices.Collect(maps.Keys(wantChanged)))
			}
			after := r.snapshot(t)
			if d := sameExceptDigests(before.charged(gas.Payment, charge, lamport, shared...), after); d != "" {
				t.Errorf("state after the failure: %s", d)
			}
			if g := after.objects[gas.Payment[0].ID]; base58.Encode(g.Digest[:]) != eff.GetGasObject().GetOutputDigest() {
				t.Errorf("gas coin digest %s, effects say %s", base58.Encode(g.Digest[:]), eff.GetGasObject().GetOutputDigest())
			}

			// The failure is recorded, and sending it again changes nothing.
			got, err := r.led.GetTransaction(ctx, &v2.GetTransactionRequest{Digest: proto.String(digestOf(tx))})
			if err != nil || got.GetTransaction().GetEffects().GetStatus().GetError().GetKind() != c.kind {
				t.Errorf("GetTransaction: %v %v", err, got.GetTransaction().GetEffects().GetStatus())
			}
			again, err := r.exec.ExecuteTransaction(ctx, executeRequest(tx, sig))
			if err != nil || !proto.Equal(again.GetTransaction().GetEffects(), eff) {
				t.Errorf("executing again: %v, effects %v, first %v", err, again.GetTransaction().GetEffects(), eff)
			}
			// Again with another key's signature: refused, as any
			// transaction not signed by its sender.
			other := r.rich
			if c.key == r.rich {
				other = r.poor
			}
			_, err = r.exec.ExecuteTransaction(ctx, executeRequest(tx, other.SignTransaction(tx)))
			wantStatus(t, err, codes.InvalidArgument, "signed by "+ledger.FormatAddress(other.Address()))
			if d := after.diff(r.snapshot(t)); d != "" {
				t.Errorf("executing again changed the state: %s", d)
			}
		})
	}
}

// TestUnknownMethod calls methods the face does not serve: UNIMPLEMENTED, as
// from a full node without them, over native gRPC and gRPC-Web.
func TestUnknownMethod(t *testing.T) {
	r := newRig(t)
	r.serve(t)
	ctx := testCtx(t)
	before := r.snapshot(t)

	_, err := r.led.GetCheckpoint(ctx, &v2.GetCheckpointRequest{})
	wantStatus(t, err, codes.Unimplemented, "GetCheckpoint")
	_, err = v2.NewSignatureVerificationServiceClient(r.conn).VerifySignature(ctx, &v2.VerifySignatureRequest{})
	wantStatus(t, err, codes.Unimplemented)
	err = r.conn.Invoke(ctx, "/sui.rpc.v2.NoSuchService/NoSuchMethod", &v2.GetEpochRequest{}, &v2.GetEpochResponse{})
	wantStatus(t, err, codes.Unimplemented)
	stream, err := v2.NewSubscriptionServiceClient(r.conn).SubscribeCheckpoints(ctx, &v2.SubscribeCheckpointsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantStatus(t, err, codes.Unimplemented)

	// gRPC-Web: the status in the response headers or trailer.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+r.conn.Target()+"/sui.rpc.v2.LedgerService/GetCheckpoint", bytes.NewReader([]byte{0, 0, 0, 0, 0}))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/grpc-web+proto")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if code := resp.Header.Get("Grpc-Status"); code != "12" && !bytes.Contains(body.Bytes(), []byte("grpc-status:12")) {
		t.Errorf("gRPC-Web: HTTP %d, grpc-status %q, body %q; want 12 (UNIMPLEMENTED)", resp.StatusCode, code, body.Bytes())
	}
	if d := before.diff(r.snapshot(t)); d != "" {
		t.Errorf("state changed: %s", d)
	}
}

// execute signs and executes tx over gRPC; rejections fail the test.
func (r *rig) execute(t *testing.T, key *suikey.KeyPair, tx []byte) *v2.ExecutedTransaction {
	t.Helper()
	resp, err := r.exec.ExecuteTransaction(testCtx(t), executeRequest(tx, key.SignTransaction(tx)))
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetTransaction()
}

// served reads objects over gRPC: nil for those not found.
func (r *rig) served(t *testing.T, ids ...chain.ObjectID) []*v2.Object {
	t.Helper()
	req := &v2.BatchGetObjectsRequest{}
	for _, id := range ids {
		req.Requests = append(req.Requests, &v2.GetObjectRequest{ObjectId: proto.String(ledger.FormatObjectID(id))})
	}
	resp, err := r.led.BatchGetObjects(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Objects) != len(ids) {
		t.Fatalf("%d results for %d objects", len(resp.Objects), len(ids))
	}
	out := make([]*v2.Object, len(ids))
	for i, res := range resp.Objects {
		if e := res.GetError(); e != nil {
			if codes.Code(e.Code) != codes.NotFound {
				t.Errorf("object %s: %v", ledger.FormatObjectID(ids[i]), e)
			}
			continue
		}
		out[i] = res.GetObject()
	}
	return out
}

// changes indexes a transaction's changed objects by ID.
func changes(tx *v2.ExecutedTransaction) map[string]*v2.ChangedObject {
	out := make(map[string]*v2.ChangedObject)
	for _, c := range tx.GetEffects().GetChangedObjects() {
		out[c.GetObjectId()] = c
	}
	return out
}

func wantFailure(t *testing.T, tx *v2.ExecutedTransaction, module, function string, code uint64) {
	t.Helper()
	st := tx.GetEffects().GetStatus()
	a := st.GetError().GetAbort()
	if st.GetSuccess() || st.GetError().GetKind() != v2.ExecutionError_MOVE_ABORT || a.GetLocation().GetModule() != module ||
		a.GetLocation().GetFunctionName() != function || a.GetAbortCode() != code {
		t.Errorf("status %v, want MoveAbort %d in %s::%s", st, code, module, function)
	}
}

// TestGoTransactions drives the face with transactions built by walrusptb
// and signed with suikey: register (with attributes), an extension that
// aborts because the blob is not certified, attribute writes, a refused and
// a successful delete. It checks effects, the objects served afterwards and
// the balances, then restarts the ledger and finds the same objects,
// versions, balances and transactions.
func TestGoTransactions(t *testing.T) {
	r := newRig(t)
	r.serve(t)
	ctx := testCtx(t)
	rich := r.rich.Address()
	blobType := moveobj.BlobType(r.d.WalrusPackage).String()
	richAddr := ledger.FormatAddress(rich)
	var digests []string
	var lamport uint64
	sui, wal := uint64(richSUI), uint64(richWAL)

	// check checks what every transaction does: a new version above the
	// last, gas charged from the gas coin, at that version.
	check := func(t *testing.T, tx *v2.ExecutedTransaction, gas walrusptb.GasData, walSpent uint64) {
		t.Helper()
		eff := tx.GetEffects()
		if eff.GetLamportVersion() <= lamport {
			t.Errorf("version %d after %d", eff.GetLamportVersion(), lamport)
		}
		lamport = eff.GetLamportVersion()
		for _, c := range eff.GetChangedObjects() {
			if c.InputVersion != nil && c.GetInputVersion() >= lamport || c.OutputVersion != nil && c.GetOutputVersion() != lamport {
				t.Errorf("%s: version %d → %d in a transaction at %d", c.GetObjectId(), c.GetInputVersion(), c.GetOutputVersion(), lamport)
			}
		}
		g := eff.GetGasObject()
		if g.GetObjectId() != ledger.FormatObjectID(gas.Payment[0].ID) || g.GetInputVersion() != gas.Payment[0].Version || g.GetOutputVersion() != lamport {
			t.Errorf("gas object %v, paid with %v", g, gas.Payment[0])
		}
		gu := eff.GetGasUsed()
		charge := gu.GetComputationCost() + gu.GetStorageCost() - gu.GetStorageRebate()
		if gu.GetComputationCost() == 0 || charge > gas.Budget {
			t.Errorf("gas used %v with a budget of %d", gu, gas.Budget)
		}
		sui -= charge
		wal -= walSpent
		for _, b := range []struct {
			cur  moveobj.StructTag
			want uint64
		}{{moveobj.SUIType(), sui}, {r.d.WALType(), wal}} {
			if got, _, err := r.l.SuiBalance(ctx, rich, b.cur); err != nil || got != b.want {
				t.Errorf("%s balance %d, want %d (%v)", b.cur.Name, got, b.want, err)
			}
		}
		digests = append(digests, tx.GetDigest())
	}

	// Register a deletable blob with an attribute, and a permanent one.
	registered := make(map[bool]chain.ObjectID)
	for _, deletable := range []bool{true, false} {
		reg := r.register(rich, r.coin(t, rich, r.d.WALType()), 5000, fmt.Sprint("go ", deletable), deletable, walrusptb.Attribute{Key: "name", Value: "first"})
		_, storageCost, writeCost, err := reg.Costs()
		if err != nil {
			t.Fatal(err)
		}
		gas := r.gas(t, rich)
		tx := r.execute(t, r.rich, txBytes(t, rich, gas, reg))
		if !tx.GetEffects().GetStatus().GetSuccess() {
			t.Fatalf("register: %v", tx.GetEffects().GetStatus())
		}
		check(t, tx, gas, storageCost+writeCost)
		var blob *v2.ChangedObject
		for _, c := range tx.GetEffects().GetChangedObjects() {
			if c.GetIdOperation() == v2.ChangedObject_CREATED && c.GetObjectType() == blobType {
				if blob != nil {
					t.Fatal("two blobs created")
				}
				blob = c
			}
		}
		if blob == nil {
			t.Fatalf("no %s created: %v", blobType, tx.GetEffects().GetChangedObjects())
		}
		if o := blob.GetOutputOwner(); o.GetKind() != v2.Owner_ADDRESS || o.GetAddress() != richAddr {
			t.Errorf("blob owner %v, want %s", o, richAddr)
		}
		id, err := ledger.ParseObjectID(blob.GetObjectId())
		if err != nil {
			t.Fatal(err)
		}
		field := changes(tx)[ledger.FormatObjectID(moveobj.MetadataFieldID(id))]
		if field.GetIdOperation() != v2.ChangedObject_CREATED || field.GetOutputOwner().GetKind() != v2.Owner_OBJECT || field.GetOutputOwner().GetAddress() != blob.GetObjectId() {
			t.Errorf("metadata field in the effects: %v", field)
		}
		registered[deletable] = id

		o := r.served(t, id)[0]
		if o == nil {
			t.Fatal("the registered blob is not served")
		}
		if o.GetObjectType() != blobType || o.GetVersion() != lamport || o.GetOwner().GetAddress() != richAddr || o.GetDigest() != blob.GetOutputDigest() {
			t.Errorf("served blob: type %s version %d owner %v digest %s", o.GetObjectType(), o.GetVersion(), o.GetOwner(), o.GetDigest())
		}
		b, err := moveobj.DecodeBlob(o.GetContents().GetValue())
		if err != nil {
			t.Fatal(err)
		}
		enc, _, _, _ := reg.Costs()
		epoch := uint32(r.l.Epoch())
		if b.ID != id || b.BlobID != reg.BlobID || b.Size != reg.Size || b.Deletable != deletable || b.CertifiedEpoch != nil ||
			b.RegisteredEpoch != epoch || b.EncodingType != 1 ||
			b.Storage.StartEpoch != epoch || b.Storage.EndEpoch != epoch+reg.Epochs || b.Storage.StorageSize != enc {
			t.Errorf("served blob %+v, registered %+v", b, reg)
		}
	}
	deletable, permanent := registered[true], registered[false]
	blobRef := func(id chain.ObjectID) walrusptb.ObjectRef { return refOf(r.object(t, id)) }

	// Extending an uncertified blob aborts in extend_blob (ENotCertified).
	before := r.object(t, permanent)
	ext := walrusptb.Extend{Contract: r.contract(), StoragePrice: r.d.StoragePrice, Blob: blobRef(permanent), StorageSize: 1 << 20, Epochs: 2,
		WAL: []walrusptb.Coin{r.coin(t, rich, r.d.WALType())}}
	gas := r.gas(t, rich)
	tx := r.execute(t, r.rich, txBytes(t, rich, gas, ext))
	wantFailure(t, tx, "system", "extend_blob", 0)
	check(t, tx, gas, 0)
	if after := r.object(t, permanent); !reflect.DeepEqual(before, after) {
		t.Errorf("the failed extension changed the blob: %+v → %+v", before, after)
	}

	// Attributes: update one, add one, remove the other in a second go.
	attrs := walrusptb.WriteAttributes{Contract: r.contract(), Blob: blobRef(deletable), Existing: map[string]string{"name": "first"},
		Changes: []walrusptb.Attribute{{Key: "name", Value: "second"}, {Key: "kind", Value: "test"}}}
	gas = r.gas(t, rich)
	tx = r.execute(t, r.rich, txBytes(t, rich, gas, attrs))
	if !tx.GetEffects().GetStatus().GetSuccess() {
		t.Fatalf("attributes: %v", tx.GetEffects().GetStatus())
	}
	check(t, tx, gas, 0)
	fieldID := moveobj.MetadataFieldID(deletable)
	if c := changes(tx)[ledger.FormatObjectID(fieldID)]; c.GetIdOperation() != v2.ChangedObject_NONE || c.GetOutputVersion() != lamport {
		t.Errorf("metadata field change %v", c)
	}
	wantAttrs := func(want moveobj.Metadata) {
		t.Helper()
		o := r.served(t, fieldID)[0]
		if o == nil {
			t.Fatal("metadata field not served")
		}
		f, err := moveobj.DecodeMetadataField(o.GetContents().GetValue())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.Value, want) || o.GetOwner().GetAddress() != ledger.FormatObjectID(deletable) {
			t.Errorf("attributes %v owned by %v, want %v", f.Value, o.GetOwner(), want)
		}
	}
	wantAttrs(moveobj.Metadata{{Key: "name", Value: "second"}, {Key: "kind", Value: "test"}})
	attrs = walrusptb.WriteAttributes{Contract: r.contract(), Blob: blobRef(deletable), Existing: map[string]string{"name": "second", "kind": "test"},
		Changes: []walrusptb.Attribute{{Key: "name", Remove: true}}}
	gas = r.gas(t, rich)
	tx = r.execute(t, r.rich, txBytes(t, rich, gas, attrs))
	check(t, tx, gas, 0)
	wantAttrs(moveobj.Metadata{{Key: "kind", Value: "test"}})
	// Adding a metadata field to a blob that has one aborts.
	attrs.Existing, attrs.Blob, attrs.Changes = nil, blobRef(deletable), []walrusptb.Attribute{{Key: "x", Value: "y"}}
	gas = r.gas(t, rich)
	tx = r.execute(t, r.rich, txBytes(t, rich, gas, attrs))
	wantFailure(t, tx, "blob", "add_metadata", 7)
	check(t, tx, gas, 0)
	wantAttrs(moveobj.Metadata{{Key: "kind", Value: "test"}})

	// Deleting: refused for the permanent blob, done for the deletable one,
	// whose Storage comes back to the owner and whose attributes go.
	gas = r.gas(t, rich)
	tx = r.execute(t, r.rich, txBytes(t, rich, gas, walrusptb.Delete{Contract: r.contract(), Blob: blobRef(permanent), Owner: rich}))
	wantFailure(t, tx, "system", "delete_blob", 1)
	check(t, tx, gas, 0)
	gas = r.gas(t, rich)
	tx = r.execute(t, r.rich, txBytes(t, rich, gas, walrusptb.Delete{Contract: r.contract(), Blob: blobRef(deletable), Owner: rich}))
	if !tx.GetEffects().GetStatus().GetSuccess() {
		t.Fatalf("delete: %v", tx.GetEffects().GetStatus())
	}
	check(t, tx, gas, 0)
	ch := changes(tx)
	if ch[ledger.FormatObjectID(deletable)].GetIdOperation() != v2.ChangedObject_DELETED || ch[ledger.FormatObjectID(fieldID)].GetIdOperation() != v2.ChangedObject_DELETED {
		t.Errorf("delete effects: %v", tx.GetEffects().GetChangedObjects())
	}
	var storage []chain.ObjectID
	storageType := moveobj.StorageType(r.d.WalrusPackage).String()
	for _, c := range tx.GetEffects().GetChangedObjects() {
		if c.GetObjectType() == storageType && c.GetOutputOwner().GetAddress() == richAddr {
			id, _ := ledger.ParseObjectID(c.GetObjectId())
			storage = append(storage, id)
		}
	}
	if len(storage) != 1 {
		t.Fatalf("delete gives back %d Storage objects", len(storage))
	}
	got := r.served(t, deletable, fieldID, storage[0], permanent)
	if got[0] != nil || got[1] != nil || got[2] == nil || got[3] == nil {
		t.Fatalf("served after the delete: blob %v, field %v, storage %v, permanent %v", got[0] != nil, got[1] != nil, got[2] != nil, got[3] != nil)
	}
	if st, err := moveobj.DecodeStorage(got[2].GetContents().GetValue()); err != nil || st.ID != storage[0] || st.EndEpoch != uint32(r.l.Epoch())+3 {
		t.Errorf("returned storage %+v (%v)", st, err)
	}

	// Restart: the log replays every Sui transaction to the same state.
	ids := []chain.ObjectID{deletable, fieldID, storage[0], permanent, moveobj.MetadataFieldID(permanent), r.d.System, r.d.Staking}
	for _, c := range r.coins(t, rich, moveobj.SUIType()) {
		ids = append(ids, c.Ref.ID)
	}
	for _, c := range r.coins(t, rich, r.d.WALType()) {
		ids = append(ids, c.Ref.ID)
	}
	beforeObjs, beforeState := r.served(t, ids...), r.snapshot(t)
	var beforeTxs []*v2.ExecutedTransaction
	for _, d := range digests {
		resp, err := r.led.GetTransaction(ctx, &v2.GetTransactionRequest{Digest: proto.String(d)})
		if err != nil {
			t.Fatal(err)
		}
		beforeTxs = append(beforeTxs, resp.GetTransaction())
	}
	r.stop()
	if err := r.l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(r.dir, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.l = l
	r.serve(t)
	afterObjs := r.served(t, ids...)
	for i := range ids {
		if !proto.Equal(beforeObjs[i], afterObjs[i]) {
			t.Errorf("object %s after the restart: %v, before %v", ledger.FormatObjectID(ids[i]), afterObjs[i], beforeObjs[i])
		}
	}
	if d := beforeState.diff(r.snapshot(t)); d != "" {
		t.Errorf("state after the restart: %s", d)
	}
	for i, d := range digests {
		resp, err := r.led.GetTransaction(ctx, &v2.GetTransactionRequest{Digest: proto.String(d)})
		if err != nil || !proto.Equal(resp.GetTransaction(), beforeTxs[i]) {
			t.Errorf("transaction %s after the restart: %v", d, err)
		}
	}
	if d := r.l.SuiDeployment(); d.ChainID != r.d.ChainID || d.WalrusPackage != r.d.WalrusPackage || d.System != r.d.System || d.WALPackage != r.d.WALPackage {
		t.Errorf("deployment after the restart: %+v, before %+v", d, r.d)
	}
}
