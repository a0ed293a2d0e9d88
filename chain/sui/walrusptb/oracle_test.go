package walrusptb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/officialsdk"
)

func id(b byte) chain.ObjectID {
	var out chain.ObjectID
	for i := range out {
		out[i] = b
	}
	return out
}

func ref(b byte, version uint64) ObjectRef {
	r := ObjectRef{ID: id(b), Version: version}
	for i := range r.Digest {
		r.Digest[i] = b ^ byte(i)
	}
	return r
}

func coinsOf(first byte, balances ...uint64) []Coin {
	out := make([]Coin, len(balances))
	for i, bal := range balances {
		r := ref(first, 100+uint64(i))
		r.ID[0], r.ID[1] = byte(i>>8), byte(i) // unique however many
		out[i] = Coin{Ref: r, Balance: bal}
	}
	return out
}

var (
	testContract = Contract{
		Package: id(0xd2), System: id(0x55), SystemVersion: 400185623,
		WAL: StructTag{Address: id(0xe1), Module: "wal", Name: "WAL"},
	}
	testOrigin = id(0xd1)
	testSender = chain.Address(id(0xab))
	testGas    = GasData{Payment: []ObjectRef{ref(0x9a, 6789)}, Price: 1000, Budget: 50_000_000}
)

func testBlob(size uint64, seed byte) (encoding.BlobID, encoding.Hash) {
	var root encoding.Hash
	for i := range root {
		root[i] = seed + byte(i)
	}
	return encoding.DeriveBlobID(encodingRS2, size, root), root
}

func registerCase(name string, nShards int, size uint64, epochs uint32, deletable bool, wal []Coin, attrs []Attribute) oracleCase {
	blobID, root := testBlob(size, byte(size))
	r := Register{
		Contract: testContract, Prices: Prices{Storage: 100_000, Write: 20_000}, NShards: nShards,
		BlobID: blobID, RootHash: root, Size: size, Epochs: epochs, Deletable: deletable,
		Owner: chain.Address(id(0x0e)), WAL: wal, Attributes: attrs,
	}
	return oracleCase{name: name, sender: testSender, gas: testGas, flow: r, typeOrigin: testOrigin}
}

// exactWAL returns coins holding exactly what r pays, split unevenly.
func exactWAL(t *testing.T, c oracleCase, n int) oracleCase {
	r := c.flow.(Register)
	_, storage, write, err := r.Costs()
	if err != nil {
		t.Fatal(err)
	}
	total := storage + write
	balances := make([]uint64, n)
	for i := range n - 1 {
		balances[i] = total / uint64(2*n)
		total -= balances[i]
	}
	balances[n-1] = total
	r.WAL = coinsOf(0xc0, balances...)
	c.flow = r
	return c
}

func certifyCase(name string, members int, signers []int, deletable bool) oracleCase {
	blobID, _ := testBlob(4096, 9)
	msg := append([]byte{1, 0, 3, 7, 0, 0, 0}, blobID[:]...)
	if deletable {
		blob := id(0xb1)
		msg = append(append(msg, 1), blob[:]...)
	} else {
		msg = append(msg, 0)
	}
	bitmap, err := SignersBitmap(signers, members)
	if err != nil {
		panic(err)
	}
	sig := bytes.Repeat([]byte{0xa7}, 96)
	return oracleCase{
		name: name, sender: testSender, gas: testGas, typeOrigin: testOrigin,
		flow:    Certify{Contract: testContract, Blob: ref(0xb1, 55), Signature: sig, SignersBitmap: bitmap, Message: msg},
		signers: signers, members: members, blobID: blobID.String(), deletable: deletable,
	}
}

func set(k, v string) Attribute { return Attribute{Key: k, Value: v} }
func remove(k string) Attribute { return Attribute{Key: k, Remove: true} }

func oracleCases(t *testing.T) []oracleCase {
	var many []uint64 // more coins than one MergeCoins takes
	for range 502 {
		many = append(many, 1_000_000)
	}
	twoGasCoins := GasData{Payment: []ObjectRef{ref(0x9a, 1), ref(0x9b, 2)}, Price: 750, Budget: 1}
	attrs := []Attribute{set("content-type", "text/plain"), set("0xabc", "0x0000000000000000000000000000000000000000000000000000000000000002"),
		remove("gone"), set("ключ", strings.Repeat("v", 200))}

	cases := []oracleCase{
		registerCase("register/deletable/1-coin", 1000, 1000, 3, true, coinsOf(0xc0, 1_000_000_000), nil),
		registerCase("register/permanent/3-coins", 1000, 1000, 3, false, coinsOf(0xc0, 5_000_000, 5_000_000, 10_000_000_000), nil),
		exactWAL(t, registerCase("register/exact/3-coins/attributes", 100, 5<<20, 53, false, nil, attrs), 3),
		exactWAL(t, registerCase("register/exact/1-coin", 10, 0, 1, true, nil, nil), 1),
		registerCase("register/502-coins", 300, 123_456_789, 2, true, coinsOf(0x10, many...), []Attribute{set("a", "b")}),
		certifyCase("certify/deletable", 10, []int{0, 3, 4, 5, 6, 7, 8, 9}, true),
		certifyCase("certify/permanent", 3, []int{1, 2}, false),
		certifyCase("certify/one-member", 1, []int{0}, false),
	}
	extend := Extend{Contract: testContract, StoragePrice: 100_000, Blob: ref(0xb1, 55), StorageSize: 66_034_000, Epochs: 2, WAL: coinsOf(0xc0, 1<<40)}
	cases = append(cases, oracleCase{name: "extend/1-coin", sender: testSender, gas: testGas, typeOrigin: testOrigin, flow: extend})
	extend.Epochs, extend.StorageSize = 1, 6<<20 // 6 units exactly
	cost, err := extend.Cost()
	if err != nil {
		t.Fatal(err)
	}
	extend.WAL = coinsOf(0xc0, cost-2, 1, 1)
	cases = append(cases,
		oracleCase{name: "extend/exact/3-coins", sender: testSender, gas: twoGasCoins, typeOrigin: testOrigin, flow: extend},
		oracleCase{name: "delete", sender: testSender, gas: testGas, typeOrigin: testOrigin,
			flow: Delete{Contract: testContract, Blob: ref(0xb1, 55), Owner: chain.Address(id(0x0e))}},
		oracleCase{name: "attributes/existing", sender: testSender, gas: testGas, typeOrigin: testOrigin,
			flow: WriteAttributes{Contract: testContract, Blob: ref(0xb2, 7),
				Existing: map[string]string{"a": "1", "x": "2", "content-type": "text/html"},
				Changes:  []Attribute{remove("a"), set("b", "v"), remove("absent"), set("content-type", "image/png"), remove("x")}}},
		oracleCase{name: "attributes/existing-empty", sender: testSender, gas: testGas, typeOrigin: testOrigin,
			flow: WriteAttributes{Contract: testContract, Blob: ref(0xb2, 7), Existing: map[string]string{},
				Changes: []Attribute{set("k", ""), remove("k2")}}},
		oracleCase{name: "attributes/no-metadata", sender: testSender, gas: testGas, typeOrigin: testOrigin,
			flow: WriteAttributes{Contract: testContract, Blob: ref(0xb2, 7), Changes: attrs}},
	)
	return cases
}

type oracleResult struct {
	Name   string `json:"name"`
	Bytes  string `json:"bytes"`
	Digest string `json:"digest"`
}

// TestMatchesOfficialSDK builds every case with WalrusClient and with this
// package and requires identical TransactionData bytes and digests.
func TestMatchesOfficialSDK(t *testing.T) {
	cases := oracleCases(t)
	fx, err := fixtureOf(cases)
	if err != nil {
		t.Fatal(err)
	}
	arg, err := json.Marshal(fx)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Results []oracleResult }
	if err := json.Unmarshal(officialsdk.Run(t, time.Minute, "testdata/build.mjs", string(arg)), &out); err != nil {
		t.Fatalf("script output: %v", err)
	}
	if len(out.Results) != len(cases) {
		t.Fatalf("script built %d transactions for %d cases", len(out.Results), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := base64.StdEncoding.DecodeString(out.Results[i].Bytes)
			if err != nil || out.Results[i].Name != c.name {
				t.Fatalf("script result %d: name %q, bytes: %v", i, out.Results[i].Name, err)
			}
			got, err := Bytes(c.sender, c.gas, c.flow)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("bytes differ from the official SDK's:\n%s", describeDiff(t, want, got))
			}
			digest := suikey.TransactionDigest(got)
			if d := base58.Encode(digest[:]); d != out.Results[i].Digest {
				t.Errorf("digest %s, SDK %s", d, out.Results[i].Digest)
			}
		})
	}
}

// describeDiff shows where two transactions part: the first differing byte,
// then the differing lines of both as the SDK parses them.
func describeDiff(t *testing.T, want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at byte %d (SDK %d bytes, Go %d bytes)\n", i, len(want), len(got))
	arg, _ := json.Marshal([]string{base64.StdEncoding.EncodeToString(want), base64.StdEncoding.EncodeToString(got)})
	var docs []string
	if err := json.Unmarshal(officialsdk.Run(t, time.Minute, "testdata/dump.mjs", string(arg)), &docs); err != nil || len(docs) != 2 {
		fmt.Fprintf(&b, "(no parsed view: %v)", err)
		return b.String()
	}
	w, g := strings.Split(docs[0], "\n"), strings.Split(docs[1], "\n")
	shown := 0
	for l := 0; l < max(len(w), len(g)) && shown < 30; l++ {
		wl, gl := line(w, l), line(g, l)
		if wl == gl {
			continue
		}
		fmt.Fprintf(&b, "line %d\n  SDK: %s\n  Go:  %s\n", l+1, wl, gl)
		shown++
	}
	return b.String()
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<none>"
}
