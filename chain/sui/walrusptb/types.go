package walrusptb

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/walrusfs/walrusfs/chain"
)

// ObjectRef is an owned object's reference: ID, version and digest, as the
// chain reports them at the time of building.
type ObjectRef struct {
	ID      chain.ObjectID
	Version uint64
	Digest  [32]byte
}

// Coin is a coin object and its balance.
type Coin struct {
	Ref     ObjectRef
	Balance uint64
}

// StructTag names a Move struct type without type parameters, such as
// 0x…::wal::WAL.
type StructTag struct {
	Address chain.ObjectID
	Module  string
	Name    string
}

// String writes the tag as Sui does, with the full 64-digit address.
func (t StructTag) String() string {
	return fmt.Sprintf("0x%x::%s::%s", t.Address[:], t.Module, t.Name)
}

// ParseStructTag parses "address::module::name"; the address may be short
// (0x2) or long.
func ParseStructTag(s string) (StructTag, error) {
	parts := strings.Split(s, "::")
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" || strings.ContainsAny(s, "<> ") {
		return StructTag{}, fmt.Errorf("walrusptb: %q is not a struct tag without type parameters", s)
	}
	digits := strings.TrimPrefix(parts[0], "0x")
	if digits == "" || len(digits) > 64 {
		return StructTag{}, fmt.Errorf("walrusptb: bad address in struct tag %q", s)
	}
	raw, err := hex.DecodeString(strings.Repeat("0", 64-len(digits)) + digits)
	if err != nil {
		return StructTag{}, fmt.Errorf("walrusptb: bad address in struct tag %q: %w", s, err)
	}
	var t StructTag
	copy(t.Address[:], raw)
	t.Module, t.Name = parts[1], parts[2]
	return t, nil
}

// Contract is the deployed Walrus contract as the chain describes it.
type Contract struct {
	// Package is System.package_id, the package Move calls target. After an
	// upgrade it differs from the package the types originate in.
	Package chain.ObjectID
	// System is the shared System object and SystemVersion its initial
	// shared version.
	System        chain.ObjectID
	SystemVersion uint64
	// WAL is the WAL coin type (the type parameter of Coin<WAL>).
	WAL StructTag
}

// Prices are the current per-unit prices of the System, in FROST.
type Prices struct {
	Storage uint64 // per storage unit and epoch
	Write   uint64 // per storage unit, once
}

// GasData is the gas part of a transaction. The sender owns and pays it.
type GasData struct {
	Payment []ObjectRef
	Price   uint64
	Budget  uint64
}

// Attribute is one key of a Blob's attributes (its metadata field). Remove
// asks to delete the key; Value is then ignored.
type Attribute struct {
	Key    string
	Value  string
	Remove bool
}
