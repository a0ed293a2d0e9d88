// Package suikey holds Sui account keys: Ed25519 key pairs, the addresses Sui
// derives from public keys, and transaction signatures as the Sui CLI and the
// official SDK make them (an intent message hashed with Blake2b-256, signed,
// serialized as flag ‖ signature ‖ public key).
package suikey

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/blake2b"
)

// Signature scheme flags, the first byte of serialized signatures, keystore
// entries and the preimage of addresses.
const (
	FlagEd25519   byte = 0x00
	FlagSecp256k1 byte = 0x01
	FlagSecp256r1 byte = 0x02
	FlagMultiSig  byte = 0x03
	FlagZkLogin   byte = 0x05
	FlagPasskey   byte = 0x06
)

// Ed25519SignatureSize is the length of a serialized Ed25519 signature:
// flag, 64-byte signature, 32-byte public key.
const Ed25519SignatureSize = 1 + ed25519.SignatureSize + ed25519.PublicKeySize

// Address is a Sui account address.
type Address = [32]byte

// Intent scopes: what a signature is for, the first byte of the intent.
const (
	IntentTransactionData byte = 0
	IntentPersonalMessage byte = 3
)

// ErrBadSignature is returned for a signature that does not verify.
var ErrBadSignature = errors.New("invalid signature")

// KeyPair is an Ed25519 Sui key.
type KeyPair struct {
	priv ed25519.PrivateKey
}

// NewKeyPair returns a fresh random key.
func NewKeyPair() (*KeyPair, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate Ed25519 key: %w", err)
	}
	return &KeyPair{priv: priv}, nil
}

// FromSeed returns the key whose 32-byte secret is seed, as Sui keystores
// store it.
func FromSeed(seed []byte) (*KeyPair, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("Ed25519 secret of %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return &KeyPair{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns the 32-byte secret.
func (k *KeyPair) Seed() []byte { return k.priv.Seed() }

// PublicKey returns the 32-byte public key.
func (k *KeyPair) PublicKey() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Address returns the key's Sui address.
func (k *KeyPair) Address() Address { return AddressOf(FlagEd25519, k.PublicKey()) }

// SignTransaction signs TransactionData BCS bytes and returns the serialized
// signature (flag ‖ signature ‖ public key), as Sui's ExecuteTransaction
// takes it.
func (k *KeyPair) SignTransaction(txBytes []byte) []byte {
	return k.sign(IntentTransactionData, txBytes)
}

func (k *KeyPair) sign(scope byte, msg []byte) []byte {
	d := IntentDigest(scope, msg)
	out := make([]byte, 0, Ed25519SignatureSize)
	out = append(out, FlagEd25519)
	out = append(out, ed25519.Sign(k.priv, d[:])...)
	return append(out, k.PublicKey()...)
}

// AddressOf derives the address of a public key: Blake2b-256 of the scheme
// flag and the key.
func AddressOf(flag byte, publicKey []byte) Address {
	h, _ := blake2b.New256(nil)
	h.Write([]byte{flag})
	h.Write(publicKey)
	var a Address
	h.Sum(a[:0])
	return a
}

// IntentDigest is what Sui signs: Blake2b-256 of the intent (scope, version
// 0, app ID 0 for Sui) followed by the message.
func IntentDigest(scope byte, msg []byte) [32]byte {
	h, _ := blake2b.New256(nil)
	h.Write([]byte{scope, 0, 0})
	h.Write(msg)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// VerifyTransaction checks a serialized signature over TransactionData BCS
// bytes and returns the address of the key that made it. Only Ed25519 is
// accepted; other schemes are refused with an error that names them.
func VerifyTransaction(txBytes, sig []byte) (Address, error) {
	return verify(IntentTransactionData, txBytes, sig)
}

// SignPersonalMessage signs a message as Sui wallets sign personal
// messages: the intent covers the message as a BCS vector<u8>, so that no
// signed message can pass for a transaction.
func (k *KeyPair) SignPersonalMessage(msg []byte) []byte {
	return k.sign(IntentPersonalMessage, bcsBytes(msg))
}

// VerifyPersonalMessage checks a personal-message signature and returns the
// signer's address.
func VerifyPersonalMessage(msg, sig []byte) (Address, error) {
	return verify(IntentPersonalMessage, bcsBytes(msg), sig)
}

// bcsBytes is msg as BCS writes a vector<u8>: ULEB128 length, then bytes.
func bcsBytes(msg []byte) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(msg))), msg...)
}

func verify(scope byte, data, sig []byte) (Address, error) {
	if len(sig) == 0 {
		return Address{}, fmt.Errorf("%w: empty", ErrBadSignature)
	}
	if sig[0] != FlagEd25519 {
		return Address{}, fmt.Errorf("%w: signature scheme flag %#02x is not supported, only Ed25519 (0x00)", ErrBadSignature, sig[0])
	}
	if len(sig) != Ed25519SignatureSize {
		return Address{}, fmt.Errorf("%w: Ed25519 signature of %d bytes, want %d", ErrBadSignature, len(sig), Ed25519SignatureSize)
	}
	pub := ed25519.PublicKey(sig[1+ed25519.SignatureSize:])
	d := IntentDigest(scope, data)
	if !ed25519.Verify(pub, d[:], sig[1:1+ed25519.SignatureSize]) {
		return Address{}, fmt.Errorf("%w: Ed25519 signature does not verify", ErrBadSignature)
	}
	return AddressOf(FlagEd25519, pub), nil
}

// TransactionDigest is a transaction's name: Blake2b-256 of
// "TransactionData::" and its BCS bytes (shown in base58 by Sui).
func TransactionDigest(txBytes []byte) [32]byte {
	h, _ := blake2b.New256(nil)
	h.Write([]byte("TransactionData::"))
	h.Write(txBytes)
	var d [32]byte
	h.Sum(d[:0])
	return d
}
