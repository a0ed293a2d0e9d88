package suitx

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/block-vision/sui-go-sdk/models"
	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// MaxTypeDepth bounds how deeply Decode and the type-string parser let type
// tags nest (vector<vector<…>>, Coin<Balance<…>>). Sui's execution allows
// type arguments far shallower than this; the bound only stops hostile input
// from recursing without end.
const MaxTypeDepth = 32

// Sui's TypeTag variant indices (move-core-types language_storage.rs). The
// sdk's TypeTag declares its fields in another order, so its encoder
// mislabels u64, u128 and u256.
const (
	tagBool    = 0
	tagU8      = 1
	tagU64     = 2
	tagU128    = 3
	tagAddress = 4
	tagSigner  = 5
	tagVector  = 6
	tagStruct  = 7
	tagU16     = 8
	tagU32     = 9
	tagU256    = 10
)

// primitiveNames maps the tags without payload to their Move names.
var primitiveNames = map[uint64]string{
	tagBool: "bool", tagU8: "u8", tagU16: "u16", tagU32: "u32", tagU64: "u64",
	tagU128: "u128", tagU256: "u256", tagAddress: "address", tagSigner: "signer",
}

// typeTagVariant returns the Sui variant index of t, refusing a tag with no
// or several fields set.
func typeTagVariant(t *transaction.TypeTag) (uint64, error) {
	if t == nil {
		return 0, fmt.Errorf("nil type tag")
	}
	var variant uint64
	set := 0
	for _, f := range []struct {
		on      bool
		variant uint64
	}{
		{t.Bool != nil, tagBool}, {t.U8 != nil, tagU8}, {t.U16 != nil, tagU16},
		{t.U32 != nil, tagU32}, {t.U64 != nil, tagU64}, {t.U128 != nil, tagU128},
		{t.U256 != nil, tagU256}, {t.Address != nil, tagAddress}, {t.Signer != nil, tagSigner},
		{t.Vector != nil, tagVector}, {t.Struct != nil, tagStruct},
	} {
		if f.on {
			variant = f.variant
			set++
		}
	}
	if set != 1 {
		return 0, fmt.Errorf("type tag must set exactly one variant, has %d", set)
	}
	return variant, nil
}

// primitiveTypeTag returns the payload-free type tag of a Sui variant.
func primitiveTypeTag(variant uint64) *transaction.TypeTag {
	on := true
	t := &transaction.TypeTag{}
	switch variant {
	case tagBool:
		t.Bool = &on
	case tagU8:
		t.U8 = &on
	case tagU16:
		t.U16 = &on
	case tagU32:
		t.U32 = &on
	case tagU64:
		t.U64 = &on
	case tagU128:
		t.U128 = &on
	case tagU256:
		t.U256 = &on
	case tagAddress:
		t.Address = &on
	case tagSigner:
		t.Signer = &on
	default:
		return nil
	}
	return t
}

func writeTypeTag(w *bcs.Writer, t *transaction.TypeTag, depth int) error {
	if depth > MaxTypeDepth {
		return fmt.Errorf("type tag nested deeper than %d", MaxTypeDepth)
	}
	variant, err := typeTagVariant(t)
	if err != nil {
		return err
	}
	w.ULEB128(variant)
	switch variant {
	case tagVector:
		return writeTypeTag(w, t.Vector, depth+1)
	case tagStruct:
		s := t.Struct
		if !isIdentifier(s.Module) || !isIdentifier(s.Name) {
			return fmt.Errorf("struct tag %q::%q: invalid identifier", s.Module, s.Name)
		}
		w.Fixed(s.Address[:])
		w.Vec([]byte(s.Module))
		w.Vec([]byte(s.Name))
		w.ULEB128(uint64(len(s.TypeParams)))
		for _, p := range s.TypeParams {
			if err := writeTypeTag(w, p, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func readTypeTag(r *bcs.Reader, depth int) (*transaction.TypeTag, error) {
	if depth > MaxTypeDepth {
		return nil, fmt.Errorf("%w: type tag nested deeper than %d", bcs.ErrInvalid, MaxTypeDepth)
	}
	variant, err := r.ULEB128()
	if err != nil {
		return nil, fmt.Errorf("type tag: %w", err)
	}
	if t := primitiveTypeTag(variant); t != nil {
		return t, nil
	}
	switch variant {
	case tagVector:
		elem, err := readTypeTag(r, depth+1)
		if err != nil {
			return nil, err
		}
		return &transaction.TypeTag{Vector: elem}, nil
	case tagStruct:
		var s transaction.StructTag
		if s.Address, err = readAddress(r); err != nil {
			return nil, fmt.Errorf("struct tag address: %w", err)
		}
		if s.Module, err = readIdentifier(r); err != nil {
			return nil, fmt.Errorf("struct tag module: %w", err)
		}
		if s.Name, err = readIdentifier(r); err != nil {
			return nil, fmt.Errorf("struct tag name: %w", err)
		}
		n, err := r.Len(1)
		if err != nil {
			return nil, fmt.Errorf("struct tag type parameters: %w", err)
		}
		s.TypeParams = make([]*transaction.TypeTag, n)
		for i := range s.TypeParams {
			if s.TypeParams[i], err = readTypeTag(r, depth+1); err != nil {
				return nil, err
			}
		}
		return &transaction.TypeTag{Struct: &s}, nil
	}
	return nil, fmt.Errorf("%w: type tag variant %d", bcs.ErrInvalid, variant)
}

// formatType prints t as the TypeScript SDK's TypeTagSerializer.tagToString
// does: long addresses, type parameters joined by ", ".
func formatType(t *transaction.TypeTag) (string, error) {
	var b strings.Builder
	if err := appendType(&b, t, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func appendType(b *strings.Builder, t *transaction.TypeTag, depth int) error {
	if depth > MaxTypeDepth {
		return fmt.Errorf("type tag nested deeper than %d", MaxTypeDepth)
	}
	variant, err := typeTagVariant(t)
	if err != nil {
		return err
	}
	switch variant {
	case tagVector:
		b.WriteString("vector<")
		if err := appendType(b, t.Vector, depth+1); err != nil {
			return err
		}
		b.WriteByte('>')
	case tagStruct:
		s := t.Struct
		fmt.Fprintf(b, "0x%x::%s::%s", s.Address[:], s.Module, s.Name)
		if len(s.TypeParams) > 0 {
			b.WriteByte('<')
			for i, p := range s.TypeParams {
				if i > 0 {
					b.WriteString(", ")
				}
				if err := appendType(b, p, depth+1); err != nil {
					return err
				}
			}
			b.WriteByte('>')
		}
	default:
		b.WriteString(primitiveNames[variant])
	}
	return nil
}

// parseType parses a Move type string such as
// "0x2::coin::Coin<0x2::sui::SUI>" or "vector<u8>". Addresses may be short;
// spaces around punctuation are allowed.
func parseType(s string) (*transaction.TypeTag, error) {
	p := typeParser{s: s}
	t, err := p.parse(0)
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", s, err)
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("type %q: unexpected %q at %d", s, p.s[p.pos:], p.pos)
	}
	return t, nil
}

type typeParser struct {
	s   string
	pos int
}

func (p *typeParser) skipSpace() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

// word returns the next run of identifier characters (which covers hex
// addresses and primitive names).
func (p *typeParser) word() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.s) && isIdentByte(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *typeParser) expect(tok string) error {
	p.skipSpace()
	if !strings.HasPrefix(p.s[p.pos:], tok) {
		return fmt.Errorf("expected %q at %d", tok, p.pos)
	}
	p.pos += len(tok)
	return nil
}

func (p *typeParser) peek(tok string) bool {
	p.skipSpace()
	return strings.HasPrefix(p.s[p.pos:], tok)
}

func (p *typeParser) parse(depth int) (*transaction.TypeTag, error) {
	if depth > MaxTypeDepth {
		return nil, fmt.Errorf("nested deeper than %d", MaxTypeDepth)
	}
	w := p.word()
	for variant, name := range primitiveNames {
		if w == name {
			return primitiveTypeTag(variant), nil
		}
	}
	if w == "vector" {
		if err := p.expect("<"); err != nil {
			return nil, err
		}
		elem, err := p.parse(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(">"); err != nil {
			return nil, err
		}
		return &transaction.TypeTag{Vector: elem}, nil
	}
	addr, err := parseAddress(w)
	if err != nil {
		return nil, err
	}
	s := transaction.StructTag{Address: addr, TypeParams: []*transaction.TypeTag{}}
	if err := p.expect("::"); err != nil {
		return nil, err
	}
	if s.Module = p.word(); !isIdentifier(s.Module) {
		return nil, fmt.Errorf("invalid module name %q", s.Module)
	}
	if err := p.expect("::"); err != nil {
		return nil, err
	}
	if s.Name = p.word(); !isIdentifier(s.Name) {
		return nil, fmt.Errorf("invalid struct name %q", s.Name)
	}
	if p.peek("<") {
		p.pos++
		for {
			param, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			s.TypeParams = append(s.TypeParams, param)
			if p.peek(",") {
				p.pos++
				continue
			}
			if err := p.expect(">"); err != nil {
				return nil, err
			}
			break
		}
	}
	return &transaction.TypeTag{Struct: &s}, nil
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

// isIdentifier reports whether s is a Move identifier: a letter followed by
// letters, digits and underscores, or an underscore followed by at least one
// of those.
func isIdentifier(s string) bool {
	if s == "" || s == "_" {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
