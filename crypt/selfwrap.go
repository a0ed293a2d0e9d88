package crypt

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// A self stanza wraps an age file's key for the identity that sealed it,
// with a symmetric key derived from that identity. Opening a file with it
// costs one AEAD open instead of a key exchange: a hybrid post-quantum
// unwrap takes ~0.15 ms of CPU, most of what opening a small file costs.
// Sealed files keep their ordinary stanza too, so "age -d" with the
// identity still opens them (age skips stanza types it does not know). A
// 256-bit symmetric key is as strong against a quantum computer as the
// hybrid exchange; it is built like age's scrypt stanza (a random salt, a
// key derived from it, a zero nonce), without the deliberate slowness.
const (
	selfStanzaType = "walrusfs-self"
	selfSaltSize   = 16
	fileKeySize    = 16 // age's file keys
)

// selfKey derives the self-stanza key from an identity's secret text.
func selfKey(secret string) (*[32]byte, error) {
	var k [32]byte
	if _, err := io.ReadFull(hkdf.New(sha256.New, []byte(secret), nil, []byte("walrusfs self key v1")), k[:]); err != nil {
		return nil, err
	}
	return &k, nil
}

// selfAEAD is the cipher that wraps one file's key: a key of its own per
// salt, so that the zero nonce is never reused.
func selfAEAD(key *[32]byte, salt []byte) (cipher.AEAD, error) {
	var wrap [chacha20poly1305.KeySize]byte
	if _, err := io.ReadFull(hkdf.New(sha256.New, key[:], salt, []byte(selfStanzaType)), wrap[:]); err != nil {
		return nil, err
	}
	return chacha20poly1305.New(wrap[:])
}

var zeroNonce [chacha20poly1305.NonceSize]byte

// selfRecipient writes self stanzas. Its labels are the identity's own
// recipient's, which age requires all recipients of a file to share (a
// post-quantum file stays post-quantum).
type selfRecipient struct {
	key    *[32]byte
	labels []string
}

func (r selfRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	s, _, err := r.WrapWithLabels(fileKey)
	return s, err
}

func (r selfRecipient) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	salt := make([]byte, selfSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, nil, err
	}
	aead, err := selfAEAD(r.key, salt)
	if err != nil {
		return nil, nil, err
	}
	s := &age.Stanza{
		Type: selfStanzaType,
		Args: []string{base64.RawStdEncoding.EncodeToString(salt)},
		Body: aead.Seal(nil, zeroNonce[:], fileKey, nil),
	}
	return []*age.Stanza{s}, r.labels, nil
}

// selfIdentity opens self stanzas of its identity. Stanzas of other
// types, malformed ones and other identities' are not its own: it skips
// them, so that the file's other stanzas get their turn.
type selfIdentity struct{ key *[32]byte }

func (id selfIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != selfStanzaType || len(s.Args) != 1 || len(s.Body) != fileKeySize+chacha20poly1305.Overhead {
			continue
		}
		salt, err := base64.RawStdEncoding.Strict().DecodeString(s.Args[0])
		if err != nil || len(salt) != selfSaltSize {
			continue
		}
		aead, err := selfAEAD(id.key, salt)
		if err != nil {
			return nil, fmt.Errorf("self stanza: %w", err)
		}
		if fileKey, err := aead.Open(nil, zeroNonce[:], s.Body, nil); err == nil {
			return fileKey, nil
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// selfFirst tries a self key, then the identity it was derived from.
type selfFirst struct {
	self selfIdentity
	id   age.Identity
}

func (s selfFirst) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	fileKey, err := s.self.Unwrap(stanzas)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return s.id.Unwrap(stanzas)
	}
	return fileKey, err
}
