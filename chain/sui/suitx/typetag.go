package suitx

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// MaxTypeDepth bounds how deeply Decode and the type-string parser let type
// tags nest (vector<vector<…>>, Coin<Balance<…>>). Sui's execution allows
// type arguments far shallower than this; the bound only stops hostile input
// from recursing without end.
const MaxTypeDepth = 32

// typeSyntax is how type strings are parsed: moveobj's syntax with spaces
// around any token and addresses without 0x. moveobj counts levels, the
// primitive inside vector<u8> being the second, where MaxTypeDepth counts
// the tags around it.
var typeSyntax = moveobj.TypeSyntax{MaxDepth: MaxTypeDepth + 1, Loose: true}

// Type tags are parsed, printed and written as BCS by moveobj. The sdk's
// TypeTag declares its fields in another order than Sui numbers its
// variants, so its own encoder mislabels u64, u128 and u256; converting
// through moveobj gets Sui's numbers.

func writeTypeTag(w *bcs.Writer, t *transaction.TypeTag) error {
	m, err := toMove(t, 0, true)
	if err != nil {
		return err
	}
	w.Fixed(m.MarshalBCS())
	return nil
}

func readTypeTag(r *bcs.Reader) (*transaction.TypeTag, error) {
	m, err := moveobj.ReadTypeTag(r, MaxTypeDepth+1)
	if err != nil {
		return nil, fmt.Errorf("type tag: %w", err)
	}
	return fromMove(m), nil
}

// formatType prints t as the TypeScript SDK's TypeTagSerializer.tagToString
// does: long addresses, type parameters joined by ", ".
func formatType(t *transaction.TypeTag) (string, error) {
	m, err := toMove(t, 0, false)
	if err != nil {
		return "", err
	}
	return m.TagString(), nil
}

// parseType parses a Move type string such as
// "0x2::coin::Coin<0x2::sui::SUI>" or "vector<u8>". Addresses may be short;
// spaces around punctuation are allowed.
func parseType(s string) (*transaction.TypeTag, error) {
	m, err := typeSyntax.ParseTypeTag(s)
	if err != nil {
		return nil, err
	}
	return fromMove(m), nil
}

// toMove converts t, refusing a tag with no or several fields set or nested
// deeper than MaxTypeDepth and, if idents, a struct with an invalid module
// or name.
func toMove(t *transaction.TypeTag, depth int, idents bool) (moveobj.TypeTag, error) {
	if depth > MaxTypeDepth {
		return moveobj.TypeTag{}, fmt.Errorf("type tag nested deeper than %d", MaxTypeDepth)
	}
	if t == nil {
		return moveobj.TypeTag{}, fmt.Errorf("nil type tag")
	}
	var m moveobj.TypeTag
	set := 0
	for _, f := range []struct {
		on   bool
		kind moveobj.Kind
	}{
		{t.Bool != nil, moveobj.KindBool}, {t.U8 != nil, moveobj.KindU8}, {t.U16 != nil, moveobj.KindU16},
		{t.U32 != nil, moveobj.KindU32}, {t.U64 != nil, moveobj.KindU64}, {t.U128 != nil, moveobj.KindU128},
		{t.U256 != nil, moveobj.KindU256}, {t.Address != nil, moveobj.KindAddress}, {t.Signer != nil, moveobj.KindSigner},
		{t.Vector != nil, moveobj.KindVector}, {t.Struct != nil, moveobj.KindStruct},
	} {
		if f.on {
			m.Kind = f.kind
			set++
		}
	}
	if set != 1 {
		return moveobj.TypeTag{}, fmt.Errorf("type tag must set exactly one variant, has %d", set)
	}
	switch m.Kind {
	case moveobj.KindVector:
		elem, err := toMove(t.Vector, depth+1, idents)
		if err != nil {
			return moveobj.TypeTag{}, err
		}
		m.Elem = &elem
	case moveobj.KindStruct:
		s := t.Struct
		if idents && (!moveobj.IsIdentifier(s.Module) || !moveobj.IsIdentifier(s.Name)) {
			return moveobj.TypeTag{}, fmt.Errorf("struct tag %q::%q: invalid identifier", s.Module, s.Name)
		}
		ms := moveobj.StructTag{Address: s.Address, Module: s.Module, Name: s.Name, TypeParams: make([]moveobj.TypeTag, len(s.TypeParams))}
		for i, p := range s.TypeParams {
			var err error
			if ms.TypeParams[i], err = toMove(p, depth+1, idents); err != nil {
				return moveobj.TypeTag{}, err
			}
		}
		m.Struct = &ms
	}
	return m, nil
}

// fromMove converts m to the canonical sdk TypeTag: exactly one field set,
// a struct's TypeParams never nil.
func fromMove(m moveobj.TypeTag) *transaction.TypeTag {
	on := true
	switch m.Kind {
	case moveobj.KindBool:
		return &transaction.TypeTag{Bool: &on}
	case moveobj.KindU8:
		return &transaction.TypeTag{U8: &on}
	case moveobj.KindU16:
		return &transaction.TypeTag{U16: &on}
	case moveobj.KindU32:
		return &transaction.TypeTag{U32: &on}
	case moveobj.KindU64:
		return &transaction.TypeTag{U64: &on}
	case moveobj.KindU128:
		return &transaction.TypeTag{U128: &on}
	case moveobj.KindU256:
		return &transaction.TypeTag{U256: &on}
	case moveobj.KindAddress:
		return &transaction.TypeTag{Address: &on}
	case moveobj.KindSigner:
		return &transaction.TypeTag{Signer: &on}
	case moveobj.KindVector:
		return &transaction.TypeTag{Vector: fromMove(*m.Elem)}
	}
	s := m.Struct
	params := make([]*transaction.TypeTag, len(s.TypeParams))
	for i, p := range s.TypeParams {
		params[i] = fromMove(p)
	}
	return &transaction.TypeTag{Struct: &transaction.StructTag{Address: s.Address, Module: s.Module, Name: s.Name, TypeParams: params}}
}

// parseAddress parses a Sui address or object ID: hex, with or without 0x,
// at most 64 digits, left-padded with zeros as Sui normalizes short forms.
func parseAddress(s string) (models.SuiAddressBytes, error) {
	var a models.SuiAddressBytes
	digits := strings.TrimPrefix(s, "0x")
	if digits == "" || len(digits) > 64 {
		return a, fmt.Errorf("invalid address %q", s)
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	raw, err := hex.DecodeString(digits)
	if err != nil {
		return a, fmt.Errorf("invalid address %q: %w", s, err)
	}
	copy(a[32-len(raw):], raw)
	return a, nil
}

// formatAddress writes an address as Sui does: 0x and 64 hex digits.
func formatAddress(a models.SuiAddressBytes) string { return "0x" + hex.EncodeToString(a[:]) }
