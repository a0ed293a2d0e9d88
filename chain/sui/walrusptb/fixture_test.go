package walrusptb

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/mr-tron/base58"

	"github.com/walrusfs/walrusfs/chain"
)

// The fixture testdata/build.mjs reads. It is derived from the Go test cases
// alone (fixtureOf), so the official SDK and this package build from the same
// inputs; the script adds only what the SDK reads but the PTB does not carry
// (the System's inner state, the Blob's other fields).

type fixture struct {
	Cases []fixtureCase `json:"cases"`
}

type fixtureCase struct {
	Name          string           `json:"name"`
	Flow          string           `json:"flow"`
	Contract      fixtureContract  `json:"contract"`
	Sender        string           `json:"sender"`
	Gas           fixtureGas       `json:"gas"`
	NShards       int              `json:"nShards"`
	CommitteeSize int              `json:"committeeSize"`
	StoragePrice  string           `json:"storagePrice"`
	WritePrice    string           `json:"writePrice"`
	WALCoins      []fixtureCoin    `json:"walCoins,omitempty"`
	Blob          *fixtureBlob     `json:"blob,omitempty"`
	Register      *fixtureRegister `json:"register,omitempty"`
	Certify       *fixtureCertify  `json:"certify,omitempty"`
	Extend        *fixtureExtend   `json:"extend,omitempty"`
	Delete        *fixtureDelete   `json:"delete,omitempty"`
	Attributes    *fixtureAttrs    `json:"attributes,omitempty"`
}

type fixtureContract struct {
	Package           string `json:"package"`
	TypeOriginPackage string `json:"typeOriginPackage"`
	System            string `json:"system"`
	SystemVersion     string `json:"systemInitialSharedVersion"`
	WALType           string `json:"walType"`
}

type fixtureRef struct {
	ObjectID string `json:"objectId"`
	Version  string `json:"version"`
	Digest   string `json:"digest"`
}

type fixtureCoin struct {
	fixtureRef
	Balance string `json:"balance"`
}

type fixtureGas struct {
	Payment []fixtureRef `json:"payment"`
	Price   string       `json:"price"`
	Budget  string       `json:"budget"`
}

type fixtureBlob struct {
	Ref         fixtureRef `json:"ref"`
	StorageSize string     `json:"storageSize"`
}

type fixtureRegister struct {
	BlobID     string       `json:"blobId"`
	RootHash   string       `json:"rootHash"`
	Size       uint64       `json:"size"`
	Epochs     uint32       `json:"epochs"`
	Deletable  bool         `json:"deletable"`
	Owner      string       `json:"owner"`
	Attributes [][2]*string `json:"attributes,omitempty"`
}

type fixtureCertify struct {
	BlobID    string `json:"blobId"`
	Deletable bool   `json:"deletable"`
	Signers   []int  `json:"signers"`
	Signature string `json:"signature"`
	Message   string `json:"message"`
}

type fixtureExtend struct {
	Epochs uint32 `json:"epochs"`
}

type fixtureDelete struct {
	Owner string `json:"owner"`
}

type fixtureAttrs struct {
	Existing [][2]string  `json:"existing"` // null: no metadata field
	Changes  [][2]*string `json:"changes"`  // a null value removes
}

// oracleCase is one transaction built both ways.
type oracleCase struct {
	name   string
	sender chain.Address
	gas    GasData
	flow   Flow
	// typeOrigin is the package Walrus types come from; calls must target
	// Contract.Package instead.
	typeOrigin chain.ObjectID
	// certify only: the certificate as the SDK takes it.
	signers   []int
	members   int
	blobID    string
	deletable bool
}

func fixtureOf(cases []oracleCase) (fixture, error) {
	var fx fixture
	for _, c := range cases {
		fc, err := c.fixture()
		if err != nil {
			return fixture{}, fmt.Errorf("case %s: %w", c.name, err)
		}
		fx.Cases = append(fx.Cases, fc)
	}
	return fx, nil
}

func (c oracleCase) fixture() (fixtureCase, error) {
	fc := fixtureCase{
		Name: c.name, Sender: hexID(c.sender), CommitteeSize: max(c.members, 1),
		// Defaults for flows that read no prices; the SDK parses them anyway.
		NShards: 10, StoragePrice: "1", WritePrice: "1",
		Gas: fixtureGas{Price: u64s(c.gas.Price), Budget: u64s(c.gas.Budget), Payment: refs(c.gas.Payment)},
	}
	contract := func(k Contract) {
		fc.Contract = fixtureContract{
			Package: hexID(k.Package), TypeOriginPackage: hexID(c.typeOrigin), System: hexID(k.System),
			SystemVersion: u64s(k.SystemVersion), WALType: k.WAL.String(),
		}
	}
	blob := func(ref ObjectRef, storageSize uint64) {
		fc.Blob = &fixtureBlob{Ref: fixtureRefOf(ref), StorageSize: u64s(storageSize)}
	}
	switch f := c.flow.(type) {
	case Register:
		fc.Flow = "register"
		contract(f.Contract)
		fc.NShards, fc.StoragePrice, fc.WritePrice = f.NShards, u64s(f.Prices.Storage), u64s(f.Prices.Write)
		fc.WALCoins = coins(f.WAL)
		fc.Register = &fixtureRegister{
			BlobID: f.BlobID.String(), RootHash: hex.EncodeToString(f.RootHash[:]), Size: f.Size,
			Epochs: f.Epochs, Deletable: f.Deletable, Owner: hexID(f.Owner), Attributes: pairs(f.Attributes),
		}
	case Certify:
		fc.Flow = "certify"
		contract(f.Contract)
		blob(f.Blob, 0)
		fc.Certify = &fixtureCertify{
			BlobID: c.blobID, Deletable: c.deletable, Signers: c.signers,
			Signature: hex.EncodeToString(f.Signature), Message: hex.EncodeToString(f.Message),
		}
	case Extend:
		fc.Flow = "extend"
		contract(f.Contract)
		fc.StoragePrice = u64s(f.StoragePrice)
		fc.WALCoins = coins(f.WAL)
		blob(f.Blob, f.StorageSize)
		fc.Extend = &fixtureExtend{Epochs: f.Epochs}
	case Delete:
		fc.Flow = "delete"
		contract(f.Contract)
		blob(f.Blob, 0)
		fc.Delete = &fixtureDelete{Owner: hexID(f.Owner)}
	case WriteAttributes:
		fc.Flow = "attributes"
		contract(f.Contract)
		blob(f.Blob, 0)
		fc.Attributes = &fixtureAttrs{Changes: pairs(f.Changes)}
		if f.Existing != nil {
			fc.Attributes.Existing = [][2]string{}
			for _, k := range slices.Sorted(maps.Keys(f.Existing)) {
				fc.Attributes.Existing = append(fc.Attributes.Existing, [2]string{k, f.Existing[k]})
			}
		}
	default:
		return fixtureCase{}, fmt.Errorf("no fixture for %T", c.flow)
	}
	return fc, nil
}

func pairs(attrs []Attribute) [][2]*string {
	var out [][2]*string
	for _, a := range attrs {
		key, value := a.Key, a.Value
		if a.Remove {
			out = append(out, [2]*string{&key, nil})
		} else {
			out = append(out, [2]*string{&key, &value})
		}
	}
	return out
}

func hexID(id [32]byte) string { return "0x" + hex.EncodeToString(id[:]) }

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }

func fixtureRefOf(r ObjectRef) fixtureRef {
	return fixtureRef{ObjectID: hexID(r.ID), Version: u64s(r.Version), Digest: base58.Encode(r.Digest[:])}
}

func refs(rs []ObjectRef) []fixtureRef {
	out := make([]fixtureRef, len(rs))
	for i, r := range rs {
		out[i] = fixtureRefOf(r)
	}
	return out
}

func coins(cs []Coin) []fixtureCoin {
	out := make([]fixtureCoin, len(cs))
	for i, c := range cs {
		out[i] = fixtureCoin{fixtureRef: fixtureRefOf(c.Ref), Balance: u64s(c.Balance)}
	}
	return out
}
