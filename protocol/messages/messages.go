// Package messages holds the signed protocol messages of Walrus, byte for
// byte as its storage nodes and Move contracts read them: an intent header
// (type, version 0, app ID 3), the epoch, then the body. Storage
// confirmations are what nodes sign once they hold a blob's slivers; enough of
// them, aggregated, certify the blob.
package messages

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// Intent is the type of a protocol message.
type Intent uint8

// The intents Walrus defines.
const (
	IntentProofOfPossession Intent = 0
	IntentBlobCertification Intent = 1
	IntentInvalidBlobID     Intent = 2
	IntentSyncShard         Intent = 3
)

const (
	intentVersion = 0
	appID         = 3 // Walrus
	headerSize    = 3 + 4
)

// ErrInvalidMessage means bytes that are not the expected protocol message.
var ErrInvalidMessage = errors.New("invalid protocol message")

// ObjectID is a Sui object ID.
type ObjectID [32]byte

func header(intent Intent, epoch uint32, bodySize int) []byte {
	b := make([]byte, headerSize, headerSize+bodySize)
	b[0], b[1], b[2] = byte(intent), intentVersion, appID
	binary.LittleEndian.PutUint32(b[3:], epoch)
	return b
}

func parseHeader(b []byte, intent Intent) (epoch uint32, body []byte, err error) {
	if len(b) < headerSize {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrInvalidMessage, len(b))
	}
	if Intent(b[0]) != intent || b[1] != intentVersion || b[2] != appID {
		return 0, nil, fmt.Errorf("%w: intent (%d, %d, %d), want (%d, %d, %d)", ErrInvalidMessage, b[0], b[1], b[2], intent, intentVersion, appID)
	}
	return binary.LittleEndian.Uint32(b[3:7]), b[headerSize:], nil
}

// StorageConfirmation says that a node stores both slivers of every shard it
// holds of a blob, for a permanent blob or for one deletable Blob object.
type StorageConfirmation struct {
	Epoch     uint32
	BlobID    encoding.BlobID
	Deletable bool
	ObjectID  ObjectID // of the deletable Blob object; zero for permanent blobs
}

// Marshal returns 01 00 03 ‖ epoch ‖ blob ID ‖ 00, or ‖ 01 ‖ object ID.
func (c StorageConfirmation) Marshal() []byte {
	b := header(IntentBlobCertification, c.Epoch, 65)
	b = append(b, c.BlobID[:]...)
	if c.Deletable {
		b = append(b, 1)
		b = append(b, c.ObjectID[:]...)
	} else {
		b = append(b, 0)
	}
	return b
}

// ParseStorageConfirmation parses the bytes of a storage confirmation.
func ParseStorageConfirmation(b []byte) (StorageConfirmation, error) {
	var c StorageConfirmation
	epoch, body, err := parseHeader(b, IntentBlobCertification)
	if err != nil {
		return c, err
	}
	c.Epoch = epoch
	switch {
	case len(body) == 33 && body[32] == 0:
	case len(body) == 65 && body[32] == 1:
		c.Deletable = true
		copy(c.ObjectID[:], body[33:])
	default:
		return c, fmt.Errorf("%w: storage confirmation body of %d bytes", ErrInvalidMessage, len(body))
	}
	copy(c.BlobID[:], body[:32])
	return c, nil
}

// InvalidBlobID attests that a blob was encoded inconsistently.
type InvalidBlobID struct {
	Epoch  uint32
	BlobID encoding.BlobID
}

// Marshal returns 02 00 03 ‖ epoch ‖ blob ID.
func (m InvalidBlobID) Marshal() []byte {
	return append(header(IntentInvalidBlobID, m.Epoch, 32), m.BlobID[:]...)
}

// ParseInvalidBlobID parses an invalid-blob attestation.
func ParseInvalidBlobID(b []byte) (InvalidBlobID, error) {
	var m InvalidBlobID
	epoch, body, err := parseHeader(b, IntentInvalidBlobID)
	if err != nil {
		return m, err
	}
	if len(body) != 32 {
		return m, fmt.Errorf("%w: invalid-blob body of %d bytes", ErrInvalidMessage, len(body))
	}
	m.Epoch = epoch
	copy(m.BlobID[:], body)
	return m, nil
}

// ProofOfPossession is what a node signs with its BLS key to join a
// committee, which makes aggregating committee keys safe.
type ProofOfPossession struct {
	Epoch      uint32
	SuiAddress [32]byte
	PublicKey  bls.PublicKey
}

// Marshal returns 00 00 03 ‖ epoch ‖ address ‖ public key.
func (p ProofOfPossession) Marshal() []byte {
	b := header(IntentProofOfPossession, p.Epoch, 80)
	b = append(b, p.SuiAddress[:]...)
	return append(b, p.PublicKey[:]...)
}

// SignedMessage is a message with one node's signature, as a node returns a
// confirmation: JSON {"serializedMessage": base64, "signature": base64}.
type SignedMessage struct {
	Serialized []byte        `json:"serializedMessage"`
	Signature  bls.Signature `json:"signature"`
}

// Sign signs message bytes with key.
func Sign(key *bls.PrivateKey, message []byte) SignedMessage {
	return SignedMessage{Serialized: message, Signature: key.Sign(message)}
}

// Verify checks the signature under pk.
func (m SignedMessage) Verify(pk bls.PublicKey) error {
	return pk.Verify(m.Serialized, m.Signature)
}

// Certificate is an aggregate of signatures over one message by committee
// members, named by their indices in the committee's member order.
type Certificate struct {
	Signers   []int // member indices, ascending
	Message   []byte
	Signature bls.Signature
}

// SignersBitmap returns the bitmap Walrus's contracts take: bit i%8 of byte
// i/8 is set for member i, over ⌈members/8⌉ bytes.
func (c Certificate) SignersBitmap(members int) []byte {
	b := make([]byte, (members+7)/8)
	for _, i := range c.Signers {
		b[i/8] |= 1 << (i % 8)
	}
	return b
}

// ParseSignersBitmap returns the member indices set in a bitmap of a
// committee with the given number of members.
func ParseSignersBitmap(b []byte, members int) ([]int, error) {
	if len(b) != (members+7)/8 {
		return nil, fmt.Errorf("%w: signers bitmap of %d bytes for %d members", ErrInvalidMessage, len(b), members)
	}
	var out []int
	for i := 0; i < 8*len(b); i++ {
		if b[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		if i >= members {
			return nil, fmt.Errorf("%w: signer %d of %d members", ErrInvalidMessage, i, members)
		}
		out = append(out, i)
	}
	return out, nil
}

// Aggregate builds a certificate from signed messages of the given members,
// which must all sign the same bytes.
func Aggregate(signers []int, signed []SignedMessage) (Certificate, error) {
	if len(signers) != len(signed) || len(signed) == 0 {
		return Certificate{}, fmt.Errorf("aggregate: %d signers for %d signatures", len(signers), len(signed))
	}
	sigs := make([]bls.Signature, len(signed))
	for i, s := range signed {
		if string(s.Serialized) != string(signed[0].Serialized) {
			return Certificate{}, fmt.Errorf("aggregate: %w: signers signed different messages", ErrInvalidMessage)
		}
		sigs[i] = s.Signature
	}
	agg, err := bls.AggregateSignatures(sigs)
	if err != nil {
		return Certificate{}, fmt.Errorf("aggregate: %w", err)
	}
	idx := append([]int(nil), signers...)
	slices.Sort(idx)
	for i := 1; i < len(idx); i++ {
		if idx[i] == idx[i-1] {
			return Certificate{}, fmt.Errorf("aggregate: member %d signs twice", idx[i])
		}
	}
	return Certificate{Signers: idx, Message: signed[0].Serialized, Signature: agg}, nil
}

// Verify checks the certificate's signature against the keys of
// its signers (keys indexed by member). Quorum rules are the caller's.
func (c Certificate) Verify(keys []bls.PublicKey) error {
	pks := make([]bls.PublicKey, 0, len(c.Signers))
	for i, s := range c.Signers {
		if s < 0 || s >= len(keys) || (i > 0 && s <= c.Signers[i-1]) {
			return fmt.Errorf("%w: signers must be distinct members in order", ErrInvalidMessage)
		}
		pks = append(pks, keys[s])
	}
	if len(pks) == 0 {
		return fmt.Errorf("%w: no signers", ErrInvalidMessage)
	}
	return bls.VerifyAggregate(pks, c.Message, c.Signature)
}

// MarshalText writes an object ID as Sui does: 0x and 64 hex digits.
func (id ObjectID) MarshalText() ([]byte, error) {
	return []byte("0x" + hex.EncodeToString(id[:])), nil
}

// UnmarshalText parses 0x-prefixed (or bare) hex.
func (id *ObjectID) UnmarshalText(b []byte) error {
	s := strings.TrimPrefix(string(b), "0x")
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != len(id) {
		return fmt.Errorf("%w: object ID %q is not 32 bytes of hex", ErrInvalidMessage, b)
	}
	copy(id[:], raw)
	return nil
}
