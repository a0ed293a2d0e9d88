package suitx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/mr-tron/base58"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

// sdkCase is one transaction printed by testdata/build.mjs.
type sdkCase struct {
	Name   string          `json:"name"`
	Bytes  string          `json:"bytes"`
	Digest string          `json:"digest"`
	Data   json.RawMessage `json:"data"`
	Grpc   string          `json:"grpc"`
}

// buildScriptOutput caches the script's output: node takes a second.
var buildScriptOutput struct {
	sync.Mutex
	out []byte
}

func runBuildScript(t *testing.T) []sdkCase {
	t.Helper()
	buildScriptOutput.Lock()
	if buildScriptOutput.out == nil {
		buildScriptOutput.out = officialsdk.Run(t, 2*time.Minute, "testdata/build.mjs")
	}
	out := buildScriptOutput.out
	buildScriptOutput.Unlock()
	var cases []sdkCase
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatalf("script output: %v", err)
	}
	if len(cases) < 5 {
		t.Fatalf("script printed %d cases", len(cases))
	}
	return cases
}

// sdkProto parses the SDK's own proto conversion. The SDK leaves kind.kind
// unset (it only looks at the oneof); ToProto sets it as Sui does.
func sdkProto(t *testing.T, c sdkCase) *v2.Transaction {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(c.Grpc)
	if err != nil {
		t.Fatal(err)
	}
	var p v2.Transaction
	if err := proto.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%s: SDK proto: %v", c.Name, err)
	}
	if len(p.ProtoReflect().GetUnknown()) != 0 {
		t.Fatalf("%s: SDK proto has fields the Go proto lacks", c.Name)
	}
	if p.Kind != nil && p.Kind.Kind == nil {
		p.Kind.Kind = v2.TransactionKind_PROGRAMMABLE_TRANSACTION.Enum()
	}
	return &p
}

func assertProtoEqual(t *testing.T, name string, got, want *v2.Transaction) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Errorf("%s: proto differs from the SDK's\ngot:  %s\nwant: %s", name, protojson.Format(got), protojson.Format(want))
	}
}

func TestOfficialSDKTransactions(t *testing.T) {
	for _, c := range runBuildScript(t) {
		if c.Bytes == "" {
			continue // unresolved: TestOfficialSDKUnresolved
		}
		t.Run(c.Name, func(t *testing.T) {
			b, err := base64.StdEncoding.DecodeString(c.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			reencoded, err := Encode(tx)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !reflect.DeepEqual(reencoded, b) {
				t.Fatalf("Encode(Decode(b)) != b\ngot  %x\nwant %x", reencoded, b)
			}
			again, err := Decode(reencoded)
			if err != nil || !reflect.DeepEqual(again, tx) {
				t.Fatalf("Decode(Encode(x)) != x: %v", err)
			}

			// The decoded fields, printed in the SDK's JSON shape, are the SDK's.
			var want any
			if err := json.Unmarshal(c.Data, &want); err != nil {
				t.Fatal(err)
			}
			if got := sdkView(t, tx); !reflect.DeepEqual(normalizeJSON(got), normalizeJSON(want)) {
				gj, _ := json.Marshal(got)
				t.Fatalf("decoded fields differ from the SDK's view\ngot:  %s\nwant: %s", gj, c.Data)
			}

			// ToProto builds what the SDK's transactionDataToGrpcTransaction builds.
			want2 := sdkProto(t, c)
			got2, err := ToProto(tx)
			if err != nil {
				t.Fatalf("ToProto: %v", err)
			}
			assertProtoEqual(t, c.Name, got2, want2)

			// The SDK's structured proto converts back to the same bytes.
			fromSDK, err := FromProto(want2)
			if err != nil {
				t.Fatalf("FromProto(SDK proto): %v", err)
			}
			if b2, err := Encode(fromSDK); err != nil || !reflect.DeepEqual(b2, b) {
				t.Fatalf("Encode(FromProto(SDK proto)) = %x, %v; want %x", b2, err, b)
			}

			// ProtoFromBCS adds the bytes and the SDK's digest.
			full, err := ProtoFromBCS(b)
			if err != nil {
				t.Fatalf("ProtoFromBCS: %v", err)
			}
			if full.GetDigest() != c.Digest || full.GetBcs().GetName() != "TransactionData" || !reflect.DeepEqual(full.GetBcs().GetValue(), b) {
				t.Fatalf("ProtoFromBCS: digest %q bcs %q, want digest %q", full.GetDigest(), full.GetBcs().GetName(), c.Digest)
			}
			full.Bcs, full.Digest = nil, nil
			assertProtoEqual(t, c.Name, full, want2)
		})
	}
}

// TestOfficialSDKUnresolved reads the proto the SDK sends to
// SimulateTransaction, with bare object IDs and no gas price, budget or
// payment.
func TestOfficialSDKUnresolved(t *testing.T) {
	var c sdkCase
	for _, cc := range runBuildScript(t) {
		if cc.Name == "unresolved" {
			c = cc
		}
	}
	p := sdkProto(t, c)
	tx, err := FromProto(p)
	if err != nil {
		t.Fatalf("FromProto: %v", err)
	}
	ins := tx.V1.Kind.ProgrammableTransaction.Inputs
	if len(ins) != 5 {
		t.Fatalf("%d inputs, want 5", len(ins))
	}
	for i, wantID := range []string{"0x" + repHex("6c"), "0x" + repHex("00")[:62] + "05"} {
		u := ins[i].UnresolvedObject
		if u == nil || formatAddress(u.ObjectId) != wantID || ins[i].Object != nil || ins[i].Pure != nil {
			t.Fatalf("input %d = %+v, want unresolved %s", i, ins[i], wantID)
		}
	}
	if o := ins[2].Object; o == nil || o.ImmOrOwnedObject == nil || o.ImmOrOwnedObject.Version != 12345 {
		t.Fatalf("input 2 = %+v, want the owned coin at version 12345", ins[2])
	}
	if p := ins[3].Pure; p == nil || !reflect.DeepEqual(p.Bytes, []byte{100, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("input 3 = %+v, want pure u64 100", ins[3])
	}
	g := tx.V1.GasData
	if g.Price != nil || g.Budget != nil || g.Owner == nil || *g.Owner != *tx.V1.Sender || g.Payment == nil || len(*g.Payment) != 0 {
		t.Fatalf("gas data %+v: want owner = sender, empty payment, no price or budget", g)
	}
	if tx.V1.Expiration != nil {
		t.Fatalf("expiration %+v, want none", tx.V1.Expiration)
	}
	if _, err := Encode(tx); !errors.Is(err, ErrUnresolved) {
		t.Fatalf("Encode of an unresolved transaction: %v, want ErrUnresolved", err)
	}
	// The Go client can send the same request.
	back, err := ToProto(tx)
	if err != nil {
		t.Fatalf("ToProto: %v", err)
	}
	back.Expiration = nil // the SDK omits an unset expiration; ToProto says NONE
	assertProtoEqual(t, "unresolved", back, p)
}

func repHex(b string) string {
	s := ""
	for range 32 {
		s += b
	}
	return s
}

// sdkView prints tx in the JSON shape of the SDK's Transaction.getData().
func sdkView(t *testing.T, tx *transaction.TransactionData) map[string]any {
	t.Helper()
	v1 := tx.V1
	g := v1.GasData
	payment := []any{}
	for _, ref := range *g.Payment {
		payment = append(payment, objectRefView(ref))
	}
	var expiration any = map[string]any{"$kind": "None", "None": true}
	if v1.Expiration != nil {
		expiration = map[string]any{"$kind": "Epoch", "Epoch": *v1.Expiration.Epoch}
	}
	ptb := v1.Kind.ProgrammableTransaction
	inputs := []any{}
	for _, in := range ptb.Inputs {
		inputs = append(inputs, callArgView(in))
	}
	commands := []any{}
	for _, c := range ptb.Commands {
		commands = append(commands, commandView(t, c))
	}
	return map[string]any{
		"version":    2,
		"sender":     formatAddress(*v1.Sender),
		"expiration": expiration,
		"gasData": map[string]any{
			"budget": *g.Budget, "price": *g.Price, "owner": formatAddress(*g.Owner), "payment": payment,
		},
		"inputs":   inputs,
		"commands": commands,
	}
}

func kind(name string, v any) map[string]any { return map[string]any{"$kind": name, name: v} }

func objectRefView(ref transaction.SuiObjectRef) map[string]any {
	return map[string]any{"objectId": formatAddress(ref.ObjectId), "version": ref.Version, "digest": base58.Encode(ref.Digest)}
}

func callArgView(in *transaction.CallArg) any {
	if in.Pure != nil {
		return kind("Pure", map[string]any{"bytes": base64.StdEncoding.EncodeToString(in.Pure.Bytes)})
	}
	o := in.Object
	switch {
	case o.ImmOrOwnedObject != nil:
		return kind("Object", kind("ImmOrOwnedObject", objectRefView(*o.ImmOrOwnedObject)))
	case o.Receiving != nil:
		return kind("Object", kind("Receiving", objectRefView(*o.Receiving)))
	default:
		s := o.SharedObject
		return kind("Object", kind("SharedObject", map[string]any{
			"objectId": formatAddress(s.ObjectId), "initialSharedVersion": s.InitialSharedVersion, "mutable": s.Mutable,
		}))
	}
}

func argView(a *transaction.Argument) any {
	switch {
	case a.GasCoin != nil:
		return kind("GasCoin", true)
	case a.Input != nil:
		return kind("Input", *a.Input)
	case a.Result != nil:
		return kind("Result", *a.Result)
	default:
		return kind("NestedResult", []any{a.NestedResult.Index, a.NestedResult.ResultIndex})
	}
}

func argsView(args []*transaction.Argument) []any {
	out := []any{}
	for _, a := range args {
		out = append(out, argView(a))
	}
	return out
}

func modulesView(modules [][]byte) []any {
	out := []any{}
	for _, m := range modules {
		out = append(out, base64.StdEncoding.EncodeToString(m))
	}
	return out
}

func commandView(t *testing.T, c *transaction.Command) any {
	t.Helper()
	switch {
	case c.MoveCall != nil:
		m := c.MoveCall
		types := []any{}
		for _, ta := range m.TypeArguments {
			s, err := formatType(ta)
			if err != nil {
				t.Fatal(err)
			}
			types = append(types, s)
		}
		return kind("MoveCall", map[string]any{
			"package": formatAddress(m.Package), "module": m.Module, "function": m.Function,
			"typeArguments": types, "arguments": argsView(m.Arguments),
		})
	case c.TransferObjects != nil:
		return kind("TransferObjects", map[string]any{"objects": argsView(c.TransferObjects.Objects), "address": argView(c.TransferObjects.Address)})
	case c.SplitCoins != nil:
		return kind("SplitCoins", map[string]any{"coin": argView(c.SplitCoins.Coin), "amounts": argsView(c.SplitCoins.Amount)})
	case c.MergeCoins != nil:
		return kind("MergeCoins", map[string]any{"destination": argView(c.MergeCoins.Destination), "sources": argsView(c.MergeCoins.Sources)})
	case c.Publish != nil:
		return kind("Publish", map[string]any{"modules": modulesView(c.Publish.Modules), "dependencies": formatAddresses(c.Publish.Dependencies)})
	case c.MakeMoveVec != nil:
		var typ any
		if c.MakeMoveVec.Type != nil {
			typ = *c.MakeMoveVec.Type
		}
		return kind("MakeMoveVec", map[string]any{"type": typ, "elements": argsView(c.MakeMoveVec.Elements)})
	default:
		u := c.Upgrade
		return kind("Upgrade", map[string]any{
			"modules": modulesView(u.Modules), "dependencies": formatAddresses(u.Dependencies),
			"package": formatAddress(u.Package), "ticket": argView(u.Ticket),
		})
	}
}

// normalizeJSON round-trips v through JSON and prints every number as a
// decimal string: the SDK writes u64 values as strings and small indexes
// as numbers.
func normalizeJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		panic(err)
	}
	return numbersToStrings(out)
}

func numbersToStrings(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToStrings(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToStrings(e)
		}
	case json.Number:
		if _, err := strconv.ParseUint(string(x), 10, 64); err != nil {
			panic(fmt.Sprintf("non-integer number %s", x))
		}
		return string(x)
	}
	return v
}

// digestOf is the base58 transaction digest, as the SDK prints it.
func digestOf(b []byte) string {
	d := suikey.TransactionDigest(b)
	return base58.Encode(d[:])
}
