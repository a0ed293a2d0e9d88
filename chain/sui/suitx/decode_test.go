package suitx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding/bcs"
	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// oracleRegister returns the register PTB the official WalrusClient built
// (shared/oracle/sui/out.json) and its digest.
func oracleRegister(t testing.TB) ([]byte, string) {
	t.Helper()
	dir, err := testvectors.OracleDir()
	if err != nil {
		t.Skipf("oracle not found: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "sui", "out.json"))
	if err != nil {
		t.Skipf("oracle register PTB: %v", err)
	}
	var out struct {
		WalrusClient struct {
			TxBytesBase64 string `json:"txBytesBase64"`
			Digest        string `json:"digest"`
		} `json:"walrusClient"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(out.WalrusClient.TxBytesBase64)
	if err != nil {
		t.Fatal(err)
	}
	return b, out.WalrusClient.Digest
}

func TestOracleRegisterPTB(t *testing.T) {
	b, digest := oracleRegister(t)
	tx, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	got, err := Encode(tx)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("Encode(Decode(b)) = %x, %v\nwant %x", got, err, b)
	}
	if d := digestOf(got); d != digest || d != "E7hTYqHLutSpGFy3xTXFYif8Qvsyku6w3RyzaQPwV8Q2" {
		t.Fatalf("digest %s, want %s", d, digest)
	}
	v1 := tx.V1
	ptb := v1.Kind.ProgrammableTransaction
	if len(ptb.Inputs) != 12 || len(ptb.Commands) != 7 {
		t.Fatalf("%d inputs, %d commands; want 12, 7", len(ptb.Inputs), len(ptb.Commands))
	}
	coin := ptb.Inputs[0].Object.ImmOrOwnedObject
	if coin == nil || formatAddress(coin.ObjectId) != "0x"+repHex("c0") || coin.Version != 12345 {
		t.Fatalf("input 0 = %+v, want the WAL coin", ptb.Inputs[0])
	}
	sys := ptb.Inputs[2].Object.SharedObject
	if sys == nil || sys.InitialSharedVersion != 400185623 || !sys.Mutable {
		t.Fatalf("input 2 = %+v, want the shared System", ptb.Inputs[2])
	}
	destroy := ptb.Commands[3].MoveCall
	if destroy == nil || destroy.Module != "coin" || destroy.Function != "destroy_zero" {
		t.Fatalf("command 3 = %+v, want coin::destroy_zero", ptb.Commands[3])
	}
	if s, _ := formatType(destroy.TypeArguments[0]); s != "0x"+repHex("e1")+"::wal::WAL" {
		t.Fatalf("destroy_zero type argument %s", s)
	}
	if *v1.GasData.Price != 1000 || *v1.GasData.Budget != 50000000 || v1.Expiration != nil {
		t.Fatalf("gas %d/%d, expiration %+v", *v1.GasData.Price, *v1.GasData.Budget, v1.Expiration)
	}
	p, err := ProtoFromBCS(b)
	if err != nil || p.GetDigest() != digest {
		t.Fatalf("ProtoFromBCS digest %q, %v", p.GetDigest(), err)
	}
	back, err := FromProto(p)
	if err != nil || !reflect.DeepEqual(back, tx) {
		t.Fatalf("FromProto(ProtoFromBCS(b)) != Decode(b): %v", err)
	}
	p.Bcs = nil // now the structured fields alone must carry it all
	back, err = FromProto(p)
	if err != nil || !reflect.DeepEqual(back, tx) {
		t.Fatalf("FromProto(structured) != Decode(b): %v", err)
	}
}

// TestSDKMarshalGaps records why Encode does not call the sdk's Marshal:
// on the same model it writes other bytes than Sui, or panics.
func TestSDKMarshalGaps(t *testing.T) {
	b, _ := oracleRegister(t)
	marshal := func(tx *transaction.TransactionData) (b []byte, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return tx.Marshal()
	}
	for name, change := range map[string]func(tx *transaction.TransactionData){
		"u64 type tag": func(tx *transaction.TransactionData) {
			tx.V1.Kind.ProgrammableTransaction.Commands[3].MoveCall.TypeArguments[0] = fromMove(moveobj.TypeTag{Kind: moveobj.KindU64})
		},
		"explicit None expiration": func(tx *transaction.TransactionData) {
			tx.V1.Expiration = &transaction.TransactionExpiration{None: struct{}{}}
		},
		"vector type tag": func(tx *transaction.TransactionData) {
			tx.V1.Kind.ProgrammableTransaction.Commands[3].MoveCall.TypeArguments[0] = &transaction.TypeTag{Vector: fromMove(moveobj.TypeTag{Kind: moveobj.KindU8})}
		},
		"MakeMoveVec": func(tx *transaction.TransactionData) {
			tx.V1.Kind.ProgrammableTransaction.Commands[3] = &transaction.Command{MakeMoveVec: &transaction.MakeMoveVec{Elements: []*transaction.Argument{}}}
		},
	} {
		tx := mustDecode(t, b)
		change(tx)
		ours, err := Encode(tx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if theirs, err := marshal(tx); err == nil && bytes.Equal(ours, theirs) {
			t.Errorf("%s: sdk Marshal now agrees with Encode", name)
		}
		if back, err := Decode(ours); err != nil {
			t.Errorf("%s: Decode(Encode(x)): %v", name, err)
		} else if again, _ := Encode(back); !bytes.Equal(again, ours) {
			t.Errorf("%s: not stable through Decode", name)
		}
	}
}

// minimalTx writes a V1 programmable transaction from raw input and command
// vectors, with fixed sender and gas data and the given expiration bytes.
func minimalTx(inputs, commands, expiration []byte) []byte {
	w := bcs.NewWriter(256)
	w.Fixed([]byte{0, 0})
	w.Fixed(inputs)
	w.Fixed(commands)
	w.Fixed(bytes.Repeat([]byte{0xab}, 32))
	w.ULEB128(0) // no gas payment
	w.Fixed(bytes.Repeat([]byte{0xab}, 32))
	w.U64(1000)
	w.U64(5000)
	w.Fixed(expiration)
	return w.Bytes()
}

func TestDecodeMinimal(t *testing.T) {
	b := minimalTx([]byte{1, 0, 1, 42}, []byte{1, 2, 0, 1, 1, 0, 0}, []byte{0})
	tx, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	split := tx.V1.Kind.ProgrammableTransaction.Commands[0].SplitCoins
	if split == nil || split.Coin.GasCoin == nil || *split.Amount[0].Input != 0 {
		t.Fatalf("decoded %+v, want SplitCoins(GasCoin, [Input 0])", tx.V1.Kind.ProgrammableTransaction.Commands[0])
	}
	if got, err := Encode(tx); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("re-encoded %x, %v", got, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	pure := []byte{1, 0, 1, 42}
	noCmds := []byte{0}
	none := []byte{0}
	nested := func(depth int) []byte { // a MoveCall with vector<…<u8>…> nested depth deep
		c := []byte{1, 0}
		c = append(c, bytes.Repeat([]byte{2}, 32)...)
		c = append(c, 1, 'm', 1, 'f', 1)
		for range depth {
			c = append(c, byte(moveobj.KindVector))
		}
		return append(c, byte(moveobj.KindU8), 0)
	}
	digest31 := append([]byte{1, 1, 0}, bytes.Repeat([]byte{1}, 32)...)
	digest31 = append(digest31, 0, 0, 0, 0, 0, 0, 0, 0, 31)
	digest31 = append(digest31, bytes.Repeat([]byte{9}, 31)...)
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, bcs.ErrTruncated},
		{"TransactionData V2", append([]byte{1}, minimalTx(pure, noCmds, none)[1:]...), bcs.ErrInvalid},
		{"ChangeEpoch kind", append([]byte{0, 1}, minimalTx(pure, noCmds, none)[2:]...), ErrUnsupported},
		{"unknown kind", append([]byte{0, 99}, minimalTx(pure, noCmds, none)[2:]...), bcs.ErrInvalid},
		{"FundsWithdrawal input", minimalTx([]byte{1, 2, 0}, noCmds, none), ErrUnsupported},
		{"call arg 3", minimalTx([]byte{1, 3, 0}, noCmds, none), bcs.ErrInvalid},
		{"object arg 3", minimalTx([]byte{1, 1, 3}, noCmds, none), bcs.ErrInvalid},
		{"digest of 31 bytes", minimalTx(digest31, noCmds, none), bcs.ErrInvalid},
		{"ValidDuring expiration", minimalTx(pure, noCmds, []byte{2}), ErrUnsupported},
		{"expiration 9", minimalTx(pure, noCmds, []byte{9}), bcs.ErrInvalid},
		{"command 7", minimalTx(pure, []byte{1, 7}, none), bcs.ErrInvalid},
		{"argument 4", minimalTx(pure, []byte{1, 2, 4, 0}, none), bcs.ErrInvalid},
		{"bool 2 in shared object", minimalTx(append(append([]byte{1, 1, 1}, bytes.Repeat([]byte{1}, 40)...), 2), noCmds, none), bcs.ErrInvalid},
		{"huge input count", minimalTx([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, noCmds, none), bcs.ErrTruncated},
		{"huge pure length", minimalTx([]byte{1, 0, 0xff, 0xff, 0xff, 0x7f}, noCmds, none), bcs.ErrTruncated},
		{"non-canonical ULEB", minimalTx([]byte{0x81, 0x00, 0, 1, 42}, noCmds, none), bcs.ErrInvalid},
		{"type tag too deep", minimalTx(pure, nested(MaxTypeDepth+1), none), bcs.ErrInvalid},
		{"type tag 11", minimalTx(pure, append(nested(0)[:len(nested(0))-2], 11, 0), none), bcs.ErrInvalid},
		{"bad identifier", minimalTx(pure, append(append([]byte{1, 0}, bytes.Repeat([]byte{2}, 32)...), 1, '1', 1, 'f', 0, 0), none), bcs.ErrInvalid},
		{"trailing byte", append(minimalTx(pure, noCmds, none), 0), bcs.ErrInvalid},
	} {
		_, err := Decode(c.b)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Decode error %v, want %v", c.name, err, c.want)
		}
	}
	// The deepest allowed nesting still decodes.
	if _, err := Decode(minimalTx(pure, nested(MaxTypeDepth), none)); err != nil {
		t.Errorf("type tag of depth %d: %v", MaxTypeDepth, err)
	}
}

// TestDecodeTruncations cuts every valid transaction at every byte.
func TestDecodeTruncations(t *testing.T) {
	for _, b := range seedTransactions(t) {
		for n := range len(b) {
			if _, err := Decode(b[:n]); err == nil {
				t.Fatalf("prefix of %d/%d bytes decoded", n, len(b))
			}
		}
	}
}

// TestDecodeMutations flips bytes at random: Decode never panics, and
// whatever it accepts re-encodes to the same bytes (Decode is canonical).
func TestDecodeMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, seed := range seedTransactions(t) {
		for range 3000 {
			b := append([]byte{}, seed...)
			for range 1 + rng.IntN(3) {
				b[rng.IntN(len(b))] = byte(rng.Uint32())
			}
			checkCanonical(t, b)
		}
	}
}

func checkCanonical(t *testing.T, b []byte) {
	t.Helper()
	tx, err := Decode(b)
	if err != nil {
		return
	}
	got, err := Encode(tx)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("accepted %x but re-encoded %x, %v", b, got, err)
	}
}

func seedTransactions(t testing.TB) [][]byte {
	b, _ := oracleRegister(t)
	return [][]byte{
		b,
		minimalTx([]byte{1, 0, 1, 42}, []byte{1, 2, 0, 1, 1, 0, 0}, []byte{1, 9, 0, 0, 0, 0, 0, 0, 0}),
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range seedTransactions(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkCanonical(t, b) })
}
