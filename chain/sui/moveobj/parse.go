package moveobj

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseTypeTag parses a Move type as Sui and the SDK print it: primitives
// (bool, u8 … u256, address, signer), vector<T>, and structs
// address::module::Name<T1, T2> with the address in hex after 0x, short
// (0x2) or long, in either case. Spaces are allowed around type parameters.
// Named addresses (@org/pkg) are not supported.
func ParseTypeTag(s string) (TypeTag, error) { return TypeSyntax{}.ParseTypeTag(s) }

// ParseStructTag parses a Move struct type (see ParseTypeTag).
func ParseStructTag(s string) (StructTag, error) {
	t, err := ParseTypeTag(s)
	if err != nil {
		return StructTag{}, err
	}
	if t.Kind != KindStruct {
		return StructTag{}, fmt.Errorf("%w: %q is not a struct type", ErrTypeTag, s)
	}
	return *t.Struct, nil
}

// TypeSyntax is a variant of the type syntax; the zero value is
// ParseTypeTag's.
type TypeSyntax struct {
	// MaxDepth is the levels of nesting allowed (see MaxTypeDepth, the
	// default when zero).
	MaxDepth int
	// Loose also allows spaces before and after every token, and addresses
	// with no prefix or 0x (not 0X): 2::sui::SUI.
	Loose bool
}

// ParseTypeTag parses a Move type in syntax y.
func (y TypeSyntax) ParseTypeTag(s string) (TypeTag, error) {
	if y.MaxDepth == 0 {
		y.MaxDepth = MaxTypeDepth
	}
	p := typeParser{TypeSyntax: y, s: s}
	t, err := p.parseType(0)
	p.looseSpaces()
	if err == nil && p.pos != len(s) {
		err = p.errorf("unexpected %q", s[p.pos:])
	}
	if err != nil {
		return TypeTag{}, err
	}
	return t, nil
}

type typeParser struct {
	TypeSyntax
	s   string
	pos int
}

func (p *typeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %q at offset %d: %s", ErrTypeTag, p.s, p.pos, fmt.Sprintf(format, args...))
}

func (p *typeParser) skipSpaces() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

// looseSpaces skips spaces where only the Loose syntax allows them.
func (p *typeParser) looseSpaces() {
	if p.Loose {
		p.skipSpaces()
	}
}

func (p *typeParser) consume(tok string) bool {
	p.looseSpaces()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *typeParser) expect(tok string) error {
	if !p.consume(tok) {
		return p.errorf("want %q", tok)
	}
	return nil
}

// word returns the longest run of identifier characters at pos.
func (p *typeParser) word() string {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *typeParser) parseType(depth int) (TypeTag, error) {
	if depth >= p.MaxDepth {
		return TypeTag{}, p.errorf("nested deeper than %d", p.MaxDepth)
	}
	p.looseSpaces()
	w := p.word()
	if w == "vector" {
		if err := p.expect("<"); err != nil {
			return TypeTag{}, err
		}
		p.skipSpaces()
		elem, err := p.parseType(depth + 1)
		if err != nil {
			return TypeTag{}, err
		}
		p.skipSpaces()
		if err := p.expect(">"); err != nil {
			return TypeTag{}, err
		}
		return VectorOf(elem), nil
	}
	if k, ok := primitiveKinds[w]; ok {
		return TypeTag{Kind: k}, nil
	}
	if p.Loose || strings.HasPrefix(w, "0x") || strings.HasPrefix(w, "0X") {
		s, err := p.parseStruct(w, depth)
		if err != nil {
			return TypeTag{}, err
		}
		return s.TypeTag(), nil
	}
	return TypeTag{}, p.errorf("unknown type %q", w)
}

// parseStruct parses the rest of a struct type whose address is addr.
func (p *typeParser) parseStruct(addr string, depth int) (StructTag, error) {
	var s StructTag
	digits := strings.TrimPrefix(addr, "0x")
	if !p.Loose {
		digits = addr[2:] // 0x or 0X, as parseType checked
	}
	if len(digits) == 0 || len(digits) > 64 {
		return s, p.errorf("address of %d hex digits", len(digits))
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	raw, err := hex.DecodeString(digits)
	if err != nil {
		return s, p.errorf("address %q is not hex", digits)
	}
	copy(s.Address[32-len(raw):], raw)
	for _, field := range []*string{&s.Module, &s.Name} {
		if err := p.expect("::"); err != nil {
			return s, err
		}
		p.looseSpaces()
		if *field = p.word(); !IsIdentifier(*field) {
			return s, p.errorf("identifier %q", *field)
		}
	}
	if !p.consume("<") {
		return s, nil
	}
	for {
		p.skipSpaces()
		t, err := p.parseType(depth + 1)
		if err != nil {
			return s, err
		}
		s.TypeParams = append(s.TypeParams, t)
		p.skipSpaces()
		if p.consume(">") {
			return s, nil
		}
		if err := p.expect(","); err != nil {
			return s, err
		}
	}
}
