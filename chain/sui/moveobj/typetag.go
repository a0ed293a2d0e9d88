package moveobj

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// Kind is a Move type's kind, numbered as its variant in Sui's BCS TypeTag.
type Kind uint8

const (
	KindBool    Kind = 0
	KindU8      Kind = 1
	KindU64     Kind = 2
	KindU128    Kind = 3
	KindAddress Kind = 4
	KindSigner  Kind = 5
	KindVector  Kind = 6
	KindStruct  Kind = 7
	KindU16     Kind = 8
	KindU32     Kind = 9
	KindU256    Kind = 10
)

// primitiveNames are the names of the kinds without parameters.
var primitiveNames = map[Kind]string{
	KindBool: "bool", KindU8: "u8", KindU16: "u16", KindU32: "u32", KindU64: "u64",
	KindU128: "u128", KindU256: "u256", KindAddress: "address", KindSigner: "signer",
}

// primitiveKinds maps primitiveNames back, for the parser.
var primitiveKinds = func() map[string]Kind {
	m := make(map[string]Kind, len(primitiveNames))
	for k, name := range primitiveNames {
		m[name] = k
	}
	return m
}()

// MaxTypeDepth bounds the nesting of vectors and structs that Parse and
// DecodeTypeTag accept, so that untrusted input cannot recurse deeply: u8 is
// one level, vector<u8> two. Walrus's own types nest three deep.
const MaxTypeDepth = 16

// ErrTypeTag means a type string or TypeTag BCS is malformed.
var ErrTypeTag = errors.New("invalid Move type")

// TypeTag is a Move type. Elem is set for KindVector only, Struct for
// KindStruct only.
type TypeTag struct {
	Kind   Kind
	Elem   *TypeTag
	Struct *StructTag
}

// StructTag is a Move struct type: address::module::Name<TypeParams...>.
type StructTag struct {
	Address    [32]byte
	Module     string
	Name       string
	TypeParams []TypeTag
}

// VectorOf returns vector<elem>.
func VectorOf(elem TypeTag) TypeTag { return TypeTag{Kind: KindVector, Elem: &elem} }

// TypeTag wraps s as a type.
func (s StructTag) TypeTag() TypeTag { return TypeTag{Kind: KindStruct, Struct: &s} }

// String writes the type as the SDK's normalizeStructTag does: addresses as
// 0x and 64 lower-case hex digits, type parameters joined by "," without
// spaces.
func (t TypeTag) String() string {
	var b strings.Builder
	t.appendString(&b, ",")
	return b.String()
}

// TagString writes the type as the SDK's TypeTagSerializer.tagToString
// does: as String, but type parameters joined by ", ".
func (t TypeTag) TagString() string {
	var b strings.Builder
	t.appendString(&b, ", ")
	return b.String()
}

// String writes the struct type in the SDK's normalized form (see
// TypeTag.String).
func (s StructTag) String() string {
	var b strings.Builder
	s.appendString(&b, ",")
	return b.String()
}

func (t TypeTag) appendString(b *strings.Builder, sep string) {
	switch t.Kind {
	case KindVector:
		b.WriteString("vector<")
		if t.Elem != nil {
			t.Elem.appendString(b, sep)
		}
		b.WriteString(">")
	case KindStruct:
		if t.Struct != nil {
			t.Struct.appendString(b, sep)
		}
	default:
		if name, ok := primitiveNames[t.Kind]; ok {
			b.WriteString(name)
		} else {
			fmt.Fprintf(b, "<kind %d>", t.Kind)
		}
	}
}

func (s StructTag) appendString(b *strings.Builder, sep string) {
	b.WriteString("0x")
	b.WriteString(hex.EncodeToString(s.Address[:]))
	b.WriteString("::")
	b.WriteString(s.Module)
	b.WriteString("::")
	b.WriteString(s.Name)
	if len(s.TypeParams) == 0 {
		return
	}
	b.WriteString("<")
	for i, p := range s.TypeParams {
		if i > 0 {
			b.WriteString(sep)
		}
		p.appendString(b, sep)
	}
	b.WriteString(">")
}

// Equal reports whether t and o are the same type.
func (t TypeTag) Equal(o TypeTag) bool { return t.String() == o.String() }

// Equal reports whether s and o are the same struct type.
func (s StructTag) Equal(o StructTag) bool { return s.String() == o.String() }

// MarshalBCS returns Sui's BCS TypeTag.
func (t TypeTag) MarshalBCS() []byte { return marshal(64, func(w *bcs.Writer) { writeTypeTag(w, t) }) }

func writeTypeTag(w *bcs.Writer, t TypeTag) {
	w.ULEB128(uint64(t.Kind))
	switch t.Kind {
	case KindVector:
		writeTypeTag(w, *t.Elem)
	case KindStruct:
		s := t.Struct
		writeID(w, s.Address)
		writeString(w, s.Module)
		writeString(w, s.Name)
		writeVec(w, s.TypeParams, writeTypeTag)
	}
}

// DecodeTypeTag decodes Sui's BCS TypeTag, checking identifiers and nesting
// (MaxTypeDepth). Trailing bytes are ignored.
func DecodeTypeTag(b []byte) (TypeTag, error) {
	return decode("TypeTag", b, func(r *bcs.Reader) (TypeTag, error) { return ReadTypeTag(r, MaxTypeDepth) })
}

// ReadTypeTag reads a BCS TypeTag from r as DecodeTypeTag does, but allows
// maxDepth levels of nesting. Malformed input wraps bcs.ErrInvalid or
// bcs.ErrTruncated.
func ReadTypeTag(r *bcs.Reader, maxDepth int) (TypeTag, error) { return readTypeTag(r, 0, maxDepth) }

func readTypeTag(r *bcs.Reader, depth, maxDepth int) (TypeTag, error) {
	if depth >= maxDepth {
		return TypeTag{}, fmt.Errorf("%w: %w: nested deeper than %d", bcs.ErrInvalid, ErrTypeTag, maxDepth)
	}
	tag, err := readEnumTag(r, "TypeTag", uint64(KindU256)+1)
	if err != nil {
		return TypeTag{}, err
	}
	t := TypeTag{Kind: Kind(tag)}
	switch t.Kind {
	case KindVector:
		elem, err := readTypeTag(r, depth+1, maxDepth)
		if err != nil {
			return TypeTag{}, err
		}
		t.Elem = &elem
	case KindStruct:
		var s StructTag
		if s.Address, err = readID(r); err != nil {
			return TypeTag{}, err
		}
		if s.Module, err = readIdentifier(r); err != nil {
			return TypeTag{}, err
		}
		if s.Name, err = readIdentifier(r); err != nil {
			return TypeTag{}, err
		}
		s.TypeParams, err = readVec(r, 1, func(r *bcs.Reader) (TypeTag, error) { return readTypeTag(r, depth+1, maxDepth) })
		if err != nil {
			return TypeTag{}, err
		}
		t.Struct = &s
	}
	return t, nil
}

func readIdentifier(r *bcs.Reader) (string, error) {
	b, err := r.Vec()
	if err != nil {
		return "", err
	}
	if !IsIdentifier(string(b)) {
		return "", fmt.Errorf("%w: %w: identifier %q", bcs.ErrInvalid, ErrTypeTag, b)
	}
	return string(b), nil
}

// IsIdentifier reports whether s is a Move identifier: a letter then
// letters, digits and underscores, or an underscore then at least one of
// those.
func IsIdentifier(s string) bool {
	if s == "" || s == "_" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && c != '_' && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
