package suitx

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"github.com/block-vision/sui-go-sdk/transaction"
	"google.golang.org/protobuf/proto"
)

// TestProtoRoundTrip: FromProto(ToProto(x)) == x for resolved transactions.
func TestProtoRoundTrip(t *testing.T) {
	for _, b := range seedTransactions(t) {
		tx, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ToProto(tx)
		if err != nil {
			t.Fatal(err)
		}
		// Through the wire, as a client or the face would see it.
		wire, err := proto.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q v2.Transaction
		if err := proto.Unmarshal(wire, &q); err != nil {
			t.Fatal(err)
		}
		back, err := FromProto(&q)
		if err != nil || !reflect.DeepEqual(back, tx) {
			t.Fatalf("FromProto(ToProto(x)) != x: %v", err)
		}
	}
}

func TestFromProtoRejects(t *testing.T) {
	b, _ := oracleRegister(t)
	for _, c := range []struct {
		name   string
		mutate func(p *v2.Transaction)
		want   string
	}{
		{"no kind", func(p *v2.Transaction) { p.Kind = nil }, "no transaction kind"},
		{"genesis kind", func(p *v2.Transaction) { p.Kind.Kind = v2.TransactionKind_GENESIS.Enum() }, "unsupported"},
		{"version 2", func(p *v2.Transaction) { p.Version = ptr(int32(2)) }, "version 2"},
		{"input index over u16", func(p *v2.Transaction) { firstArg(p).Input = ptr(uint32(1 << 16)) }, "index 65536"},
		{"input without index", func(p *v2.Transaction) { firstArg(p).Input = nil }, "without index"},
		{"argument kind unknown", func(p *v2.Transaction) { firstArg(p).Kind = nil }, "argument kind 0"},
		{"command without oneof", func(p *v2.Transaction) { ptb(p).Commands[0].Command = nil }, "no variant"},
		{"input without kind or ID", func(p *v2.Transaction) { ptb(p).Inputs[1] = &v2.Input{} }, "neither"},
		{"owned input without digest", func(p *v2.Transaction) { ptb(p).Inputs[0].Digest = nil }, "digest"},
		{"bad digest", func(p *v2.Transaction) { ptb(p).Inputs[0].Digest = ptr("0OIl") }, "digest"},
		{"short digest", func(p *v2.Transaction) { ptb(p).Inputs[0].Digest = ptr("1111") }, "bytes, want 32"},
		{"long digest", func(p *v2.Transaction) { ptb(p).Inputs[0].Digest = ptr(strings.Repeat("z", 100)) }, "too long"},
		{"shared without version", func(p *v2.Transaction) { ptb(p).Inputs[2].Version = nil }, "version"},
		{"bad type argument", func(p *v2.Transaction) {
			ptb(p).Commands[3].GetMoveCall().TypeArguments[0] = "0x2::coin::Coin<"
		}, "type argument 0"},
		{"bad module", func(p *v2.Transaction) { ptb(p).Commands[3].GetMoveCall().Module = ptr("a-b") }, "invalid identifier"},
		{"bad sender", func(p *v2.Transaction) { p.Sender = ptr("0xnothex") }, "sender"},
		{"validity expiration", func(p *v2.Transaction) {
			p.Expiration.Kind = v2.TransactionExpiration_TransactionExpirationKind(4).Enum()
		}, "expiration kind 4"},
		{"epoch expiration without epoch", func(p *v2.Transaction) {
			p.Expiration.Kind = v2.TransactionExpiration_EPOCH.Enum()
		}, "without epoch"},
		{"bcs with a wrong name", func(p *v2.Transaction) { p.Bcs = &v2.Bcs{Name: ptr("Object"), Value: b} }, "bcs named"},
		{"bad bcs", func(p *v2.Transaction) { p.Bcs = &v2.Bcs{Value: b[:10]} }, "truncated"},
	} {
		p, err := ToProto(mustDecode(t, b))
		if err != nil {
			t.Fatal(err)
		}
		c.mutate(p)
		if _, err := FromProto(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: FromProto error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestEncodeIncomplete: inputs with no variant and unset gas data are
// refused, not written as zero values.
func TestEncodeIncomplete(t *testing.T) {
	b, _ := oracleRegister(t)
	tx := mustDecode(t, b)
	tx.V1.Kind.ProgrammableTransaction.Inputs[1].Pure = nil
	tx.V1.Kind.ProgrammableTransaction.Inputs[1].UnresolvedPure = nil
	if _, err := ToProto(tx); err == nil {
		t.Fatal("ToProto accepted an input with no variant")
	}
	if _, err := Encode(tx); err == nil {
		t.Fatal("Encode accepted an input with no variant")
	}
	tx = mustDecode(t, b)
	tx.V1.GasData.Price = nil
	if _, err := Encode(tx); !errors.Is(err, ErrUnresolved) {
		t.Fatalf("Encode without gas price: %v", err)
	}
}

func mustDecode(t *testing.T, b []byte) *transaction.TransactionData {
	t.Helper()
	tx, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func ptb(p *v2.Transaction) *v2.ProgrammableTransaction { return p.Kind.GetProgrammableTransaction() }

// firstArg is the first argument of the register PTB's first command
// (SplitCoins' coin).
func firstArg(p *v2.Transaction) *v2.Argument { return ptb(p).Commands[0].GetSplitCoins().Coin }
