package ledger

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// Domain separators of the hashes that name transactions and objects.
const (
	txDomain     = "walrusfs/ledger/tx\x00"
	objectDomain = "walrusfs/ledger/object\x00"
	nodeDomain   = "walrusfs/ledger/node\x00"
)

// txDigest names a transaction: the hash of the previous digest and the
// record's bytes (which hold its sequence number), in base58 as Sui prints
// digests. Chaining makes every digest of one ledger distinct.
func txDigest(prev string, body []byte) string {
	h, _ := blake2b.New256(nil)
	h.Write([]byte(txDomain))
	h.Write([]byte(prev))
	h.Write([]byte{0})
	h.Write(body)
	return base58(h.Sum(nil))
}

// objectID names the index-th object a transaction creates.
func objectID(digest string, index uint64) chain.ObjectID {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], index)
	h, _ := blake2b.New256(nil)
	h.Write([]byte(objectDomain))
	h.Write([]byte(digest))
	h.Write([]byte{0})
	h.Write(buf[:])
	var id chain.ObjectID
	h.Sum(id[:0])
	return id
}

// nodeID is the ID given to a node registered without one: stable across
// epochs because it depends on the node's key only.
// NodeID is the ID the ledger gives a node registered without one.
func NodeID(pk bls.PublicKey) chain.ObjectID { return nodeID(pk) }

func nodeID(pk bls.PublicKey) chain.ObjectID {
	h, _ := blake2b.New256(nil)
	h.Write([]byte(nodeDomain))
	h.Write(pk[:])
	var id chain.ObjectID
	h.Sum(id[:0])
	return id
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58 encodes b with the Bitcoin alphabet, as Sui prints digests.
func base58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	var digits []byte // base-58 digits, least significant first
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = base58Alphabet[0]
	}
	for i, d := range digits {
		out[len(out)-1-i] = base58Alphabet[d]
	}
	return string(out)
}

// id32 is a 32-byte ID or address that JSON carries as 0x-prefixed hex, as
// Sui prints them (chain's own types are byte arrays).
type id32 [32]byte

func (x id32) String() string { return "0x" + hex.EncodeToString(x[:]) }

// MarshalText gives the 0x-prefixed hex form.
func (x id32) MarshalText() ([]byte, error) { return []byte(x.String()), nil }

// UnmarshalText parses hex with or without 0x.
func (x *id32) UnmarshalText(b []byte) error {
	v, err := parseID32(string(b))
	if err != nil {
		return err
	}
	*x = v
	return nil
}

func parseID32(s string) (id32, error) {
	var x id32
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(t) != 64 {
		return x, fmt.Errorf("%w: %q is not 32 bytes of hex", chain.ErrInvalidArgument, s)
	}
	if _, err := hex.Decode(x[:], []byte(t)); err != nil {
		return x, fmt.Errorf("%w: %q: %w", chain.ErrInvalidArgument, s, err)
	}
	return x, nil
}

// FormatAddress returns an address as Sui prints it: 0x and 64 hex digits.
func FormatAddress(a chain.Address) string { return id32(a).String() }

// ParseAddress parses an address in hex, with or without 0x.
func ParseAddress(s string) (chain.Address, error) {
	x, err := parseID32(s)
	return chain.Address(x), err
}

// FormatObjectID returns an object ID as Sui prints it.
func FormatObjectID(id chain.ObjectID) string { return id32(id).String() }

// ParseObjectID parses an object ID in hex, with or without 0x.
func ParseObjectID(s string) (chain.ObjectID, error) {
	x, err := parseID32(s)
	return chain.ObjectID(x), err
}
