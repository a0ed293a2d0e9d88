// Package bls is BLS12-381 signing as Walrus uses it: the min-pk variant
// (public keys in G1, 48 bytes compressed; signatures in G2, 96 bytes) with
// the basic scheme's ciphersuite, over supranational/blst.
//
// Every key and signature that comes from outside is checked on parsing: on
// the curve, in the prime-order subgroup, and not the identity. Aggregating
// public keys of one message is safe against rogue-key attacks only when each
// key's holder has proven possession of it; Walrus does that when a node joins
// the committee (see ProofOfPossession in package messages).
package bls

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	blst "github.com/supranational/blst/bindings/go"
)

// Sizes of the compressed encodings; the uncompressed public key is what
// Walrus's Move contracts store.
const (
	PrivateKeySize          = 32
	PublicKeySize           = 48
	UncompressedKeySize     = 96
	SignatureSize           = 96
	minSeedSize             = 32
	ciphersuite             = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
	errInvalidKeyOrSigGroup = "not a valid point of the group"
)

var dst = []byte(ciphersuite)

var (
	// ErrInvalidKey means bytes that are not a valid public or private key.
	ErrInvalidKey = errors.New("bls: invalid key")
	// ErrInvalidSignature means bytes that are not a valid signature, or a
	// signature that does not verify.
	ErrInvalidSignature = errors.New("bls: invalid signature")
)

// PrivateKey is a signing key.
type PrivateKey struct{ sk *blst.SecretKey }

// PublicKey is a compressed G1 point.
type PublicKey [PublicKeySize]byte

// Signature is a compressed G2 point.
type Signature [SignatureSize]byte

// GenerateKey returns a new random key.
func GenerateKey(r io.Reader) (*PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	seed := make([]byte, minSeedSize)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, fmt.Errorf("bls: read key seed: %w", err)
	}
	return KeyFromSeed(seed)
}

// KeyFromSeed derives a key from at least 32 bytes of secret seed.
func KeyFromSeed(seed []byte) (*PrivateKey, error) {
	if len(seed) < minSeedSize {
		return nil, fmt.Errorf("%w: seed of %d bytes, need %d", ErrInvalidKey, len(seed), minSeedSize)
	}
	sk := blst.KeyGen(seed)
	if sk == nil {
		return nil, fmt.Errorf("%w: key generation failed", ErrInvalidKey)
	}
	return &PrivateKey{sk: sk}, nil
}

// PrivateKeyFromBytes parses a key serialized by Bytes.
func PrivateKeyFromBytes(b []byte) (*PrivateKey, error) {
	if len(b) != PrivateKeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidKey, len(b), PrivateKeySize)
	}
	sk := new(blst.SecretKey).Deserialize(b)
	if sk == nil || !sk.Valid() {
		return nil, fmt.Errorf("%w: not a scalar in range", ErrInvalidKey)
	}
	return &PrivateKey{sk: sk}, nil
}

// Bytes returns the 32-byte big-endian scalar.
func (k *PrivateKey) Bytes() []byte { return k.sk.Serialize() }

// PublicKey returns the key's public half.
func (k *PrivateKey) PublicKey() PublicKey {
	var pk PublicKey
	copy(pk[:], new(blst.P1Affine).From(k.sk).Compress())
	return pk
}

// Sign signs msg as it is (the basic scheme hashes it to the curve itself).
func (k *PrivateKey) Sign(msg []byte) Signature {
	var s Signature
	copy(s[:], new(blst.P2Affine).Sign(k.sk, msg, dst).Compress())
	return s
}

func (pk PublicKey) point() (*blst.P1Affine, error) {
	p := new(blst.P1Affine).Uncompress(pk[:])
	if p == nil || !p.KeyValidate() {
		return nil, fmt.Errorf("%w: public key is %s", ErrInvalidKey, errInvalidKeyOrSigGroup)
	}
	return p, nil
}

// ParsePublicKey parses and validates a compressed public key.
func ParsePublicKey(b []byte) (PublicKey, error) {
	var pk PublicKey
	if len(b) != PublicKeySize {
		return pk, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidKey, len(b), PublicKeySize)
	}
	copy(pk[:], b)
	if _, err := pk.point(); err != nil {
		return PublicKey{}, err
	}
	return pk, nil
}

// Uncompressed returns the 96-byte form that Walrus's contracts store.
func (pk PublicKey) Uncompressed() ([UncompressedKeySize]byte, error) {
	var out [UncompressedKeySize]byte
	p, err := pk.point()
	if err != nil {
		return out, err
	}
	copy(out[:], p.Serialize())
	return out, nil
}

// ParseUncompressedPublicKey parses and validates the 96-byte form.
func ParseUncompressedPublicKey(b []byte) (PublicKey, error) {
	if len(b) != UncompressedKeySize {
		return PublicKey{}, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidKey, len(b), UncompressedKeySize)
	}
	p := new(blst.P1Affine).Deserialize(b)
	if p == nil || !p.KeyValidate() {
		return PublicKey{}, fmt.Errorf("%w: public key is %s", ErrInvalidKey, errInvalidKeyOrSigGroup)
	}
	var pk PublicKey
	copy(pk[:], p.Compress())
	return pk, nil
}

func (pk PublicKey) String() string { return base64.StdEncoding.EncodeToString(pk[:]) }

// MarshalText gives the standard base64 form Walrus uses in JSON.
func (pk PublicKey) MarshalText() ([]byte, error) { return []byte(pk.String()), nil }

// UnmarshalText parses and validates the base64 form.
func (pk *PublicKey) UnmarshalText(b []byte) error {
	raw, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	v, err := ParsePublicKey(raw)
	if err != nil {
		return err
	}
	*pk = v
	return nil
}

func (s Signature) point() (*blst.P2Affine, error) {
	p := new(blst.P2Affine).Uncompress(s[:])
	if p == nil || !p.SigValidate(false) {
		return nil, fmt.Errorf("%w: signature is %s", ErrInvalidSignature, errInvalidKeyOrSigGroup)
	}
	return p, nil
}

// ParseSignature parses and validates a compressed signature.
func ParseSignature(b []byte) (Signature, error) {
	var s Signature
	if len(b) != SignatureSize {
		return s, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSignature, len(b), SignatureSize)
	}
	copy(s[:], b)
	if _, err := s.point(); err != nil {
		return Signature{}, err
	}
	return s, nil
}

func (s Signature) String() string { return base64.StdEncoding.EncodeToString(s[:]) }

// MarshalText gives the standard base64 form Walrus uses in JSON.
func (s Signature) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses and validates the base64 form.
func (s *Signature) UnmarshalText(b []byte) error {
	raw, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	v, err := ParseSignature(raw)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Verify checks sig over msg under pk.
func (pk PublicKey) Verify(msg []byte, sig Signature) error {
	p, err := pk.point()
	if err != nil {
		return err
	}
	s, err := sig.point()
	if err != nil {
		return err
	}
	if !s.Verify(false, p, false, msg, dst) {
		return fmt.Errorf("%w: does not verify", ErrInvalidSignature)
	}
	return nil
}

// AggregateSignatures adds signatures (of one message, by different keys).
func AggregateSignatures(sigs []Signature) (Signature, error) {
	if len(sigs) == 0 {
		return Signature{}, fmt.Errorf("%w: no signatures to aggregate", ErrInvalidSignature)
	}
	points := make([]*blst.P2Affine, len(sigs))
	for i := range sigs {
		p, err := sigs[i].point()
		if err != nil {
			return Signature{}, fmt.Errorf("signature %d: %w", i, err)
		}
		points[i] = p
	}
	agg := new(blst.P2Aggregate)
	if !agg.Aggregate(points, false) {
		return Signature{}, fmt.Errorf("%w: aggregation failed", ErrInvalidSignature)
	}
	var out Signature
	copy(out[:], agg.ToAffine().Compress())
	return out, nil
}

// AggregatePublicKeys adds public keys; the sum verifies the aggregate of
// their signatures over one message.
func AggregatePublicKeys(pks []PublicKey) (PublicKey, error) {
	if len(pks) == 0 {
		return PublicKey{}, fmt.Errorf("%w: no keys to aggregate", ErrInvalidKey)
	}
	points := make([]*blst.P1Affine, len(pks))
	for i := range pks {
		p, err := pks[i].point()
		if err != nil {
			return PublicKey{}, fmt.Errorf("key %d: %w", i, err)
		}
		points[i] = p
	}
	agg := new(blst.P1Aggregate)
	if !agg.Aggregate(points, false) {
		return PublicKey{}, fmt.Errorf("%w: aggregation failed", ErrInvalidKey)
	}
	var out PublicKey
	copy(out[:], agg.ToAffine().Compress())
	return out, nil
}

// VerifyAggregate checks an aggregate signature of one message by all of pks.
func VerifyAggregate(pks []PublicKey, msg []byte, sig Signature) error {
	agg, err := AggregatePublicKeys(pks)
	if err != nil {
		return err
	}
	return agg.Verify(msg, sig)
}
