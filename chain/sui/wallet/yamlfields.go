package wallet

import (
	"encoding/hex"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/chain"
)

// mapping reads the keys of one YAML mapping and reports errors with the
// file, the dotted key path and the line, so that a user can find the value.
type mapping struct {
	file   string
	prefix string // dotted path of this mapping, "" at the top level
	node   *yaml.Node
}

// parseYAMLMapping parses a YAML document whose top level must be a mapping.
func parseYAMLMapping(file string, data []byte) (mapping, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return mapping{}, fmt.Errorf("%s: %w", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return mapping{}, fmt.Errorf("%s: empty YAML document", file)
	}
	top := deref(doc.Content[0])
	if top.Kind != yaml.MappingNode {
		return mapping{}, fmt.Errorf("%s: top level is not a YAML mapping", file)
	}
	return mapping{file: file, node: top}, nil
}

// deref follows YAML aliases (*name) to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports a YAML null (~, null or nothing), which serde reads as an
// absent optional value.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (m mapping) path(key string) string {
	if m.prefix == "" {
		return key
	}
	return m.prefix + "." + key
}

// errorf names the file, the key and the line of n.
func (m mapping) errorf(key string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s: %s (line %d): %s", m.file, m.path(key), n.Line, fmt.Sprintf(format, args...))
}

// lookup returns the value of key, or nil if it is absent or null.
func (m mapping) lookup(key string) *yaml.Node {
	c := m.node.Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i].Value == key {
			v := deref(c[i+1])
			if isNull(v) {
				return nil
			}
			return v
		}
	}
	return nil
}

func (m mapping) has(key string) bool { return m.lookup(key) != nil }

// keys lists the mapping's keys in file order.
func (m mapping) keys() []string {
	var out []string
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		out = append(out, m.node.Content[i].Value)
	}
	return out
}

// sub returns the mapping under key; ok is false if the key is absent.
func (m mapping) sub(key string) (mapping, bool, error) {
	n := m.lookup(key)
	if n == nil {
		return mapping{}, false, nil
	}
	if n.Kind != yaml.MappingNode {
		return mapping{}, false, m.errorf(key, n, "want a mapping")
	}
	return mapping{file: m.file, prefix: m.path(key), node: n}, true, nil
}

func (m mapping) missing(key string) error {
	return fmt.Errorf("%s: missing required key %s", m.file, m.path(key))
}

// str returns a scalar as written; ok is false if the key is absent.
func (m mapping) str(key string) (s string, ok bool, err error) {
	n := m.lookup(key)
	if n == nil {
		return "", false, nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", false, m.errorf(key, n, "want a string")
	}
	return n.Value, true, nil
}

// strs returns a sequence of scalars; absent is an empty list.
func (m mapping) strs(key string) ([]string, error) {
	n := m.lookup(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, m.errorf(key, n, "want a list")
	}
	out := make([]string, 0, len(n.Content))
	for i, e := range n.Content {
		e = deref(e)
		if e.Kind != yaml.ScalarNode || isNull(e) {
			return nil, m.errorf(fmt.Sprintf("%s[%d]", key, i), e, "want a string")
		}
		out = append(out, e.Value)
	}
	return out, nil
}

// uint returns an unsigned integer of at most bits bits.
func (m mapping) uint(key string, bits int) (v uint64, ok bool, err error) {
	n := m.lookup(key)
	if n == nil {
		return 0, false, nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, false, m.errorf(key, n, "want an integer, got %q", n.Value)
	}
	if err := n.Decode(&v); err != nil || bits < 64 && v >= 1<<bits {
		return 0, false, m.errorf(key, n, "%s is not an integer in [0, 2^%d)", n.Value, bits)
	}
	return v, true, nil
}

// objectID returns an object ID; ok is false if the key is absent.
func (m mapping) objectID(key string) (id chain.ObjectID, ok bool, err error) {
	s, ok, err := m.str(key)
	if !ok || err != nil {
		return id, ok, err
	}
	if id, err = ParseObjectID(s); err != nil {
		return id, false, m.errorf(key, m.lookup(key), "%v", err)
	}
	return id, true, nil
}

// requiredObjectID is objectID for keys that must be present.
func (m mapping) requiredObjectID(key string) (chain.ObjectID, error) {
	id, ok, err := m.objectID(key)
	if err == nil && !ok {
		err = m.missing(key)
	}
	return id, err
}

// optionalObjectID is objectID with absence as nil.
func (m mapping) optionalObjectID(key string) (*chain.ObjectID, error) {
	id, ok, err := m.objectID(key)
	if !ok || err != nil {
		return nil, err
	}
	return &id, nil
}

// objectIDs returns a list of object IDs; absent is an empty list.
func (m mapping) objectIDs(key string) ([]chain.ObjectID, error) {
	ss, err := m.strs(key)
	if err != nil {
		return nil, err
	}
	n := m.lookup(key)
	out := make([]chain.ObjectID, 0, len(ss))
	for i, s := range ss {
		id, err := ParseObjectID(s)
		if err != nil {
			return nil, m.errorf(fmt.Sprintf("%s[%d]", key, i), deref(n.Content[i]), "%v", err)
		}
		out = append(out, id)
	}
	return out, nil
}

// ParseObjectID parses an object ID as Sui writes it: 0x and 1 to 64 hex
// digits, left-padded with zeros to 32 bytes (so 0x2 is the Sui framework).
// Bare hex without 0x is refused.
func ParseObjectID(s string) (chain.ObjectID, error) {
	b, err := parseHex32("object ID", s)
	return chain.ObjectID(b), err
}

// ParseAddress parses a Sui address, written like an object ID.
func ParseAddress(s string) (chain.Address, error) {
	b, err := parseHex32("address", s)
	return chain.Address(b), err
}

func parseHex32(what, s string) ([32]byte, error) {
	var out [32]byte
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return out, fmt.Errorf("%s %q does not start with 0x", what, s)
	}
	if len(digits) == 0 || len(digits) > 2*len(out) {
		return out, fmt.Errorf("%s %q must have 1 to %d hex digits after 0x", what, s, 2*len(out))
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	raw, err := hex.DecodeString(digits)
	if err != nil {
		return out, fmt.Errorf("%s %q is not hex", what, s)
	}
	copy(out[len(out)-len(raw):], raw)
	return out, nil
}

// address returns an address; ok is false if the key is absent.
func (m mapping) address(key string) (*chain.Address, error) {
	s, ok, err := m.str(key)
	if !ok || err != nil {
		return nil, err
	}
	a, err := ParseAddress(s)
	if err != nil {
		return nil, m.errorf(key, m.lookup(key), "%v", err)
	}
	return &a, nil
}
