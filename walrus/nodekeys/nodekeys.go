// Package nodekeys holds a storage node's key files and the identities
// derived from its keys: the BLS key that signs for it (KeyFileName), the
// network (TLS) key clients pin when the network uses TLS (TLSKeyFileName),
// the chain accounts derived from keys, and its place in a committee.
package nodekeys

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/tlspin"
)

// KeyFileName is a node's key file, in its directory: its BLS private key
// as 64 hex digits and a newline, readable by its owner only.
const KeyFileName = "key"

// WriteKeyFile writes a node's BLS key to path (0600), atomically.
func WriteKeyFile(path string, key *bls.PrivateKey) error {
	data := []byte(hex.EncodeToString(key.Bytes()) + "\n")
	if err := netconfig.WriteFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	return nil
}

// ReadKeyFile reads the BLS key that WriteKeyFile wrote.
func ReadKeyFile(path string) (*bls.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("read key %s: not hex: %w", path, err)
	}
	key, err := bls.PrivateKeyFromBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	return key, nil
}

// CheckKeyFileMode reports a key file that others may read.
func CheckKeyFileMode(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("key file %s has mode %v: others can read it (chmod 600)", path, info.Mode().Perm())
	}
	return nil
}

// NodeAccount is the account a node registers with and sends transactions
// as: derived from its public key, so that it needs no file of its own.
func NodeAccount(pk bls.PublicKey) chain.Address {
	return chain.Address(blake2b.Sum256(append([]byte("walrusfs node account\x00"), pk[:]...)))
}

// DevnetClientAccount is the client account a devnet writes to its
// network.yaml, derived from the ledger's chain ID so that restarts keep it.
func DevnetClientAccount(chainID string) chain.Address {
	return chain.Address(blake2b.Sum256([]byte("walrusfs devnet client account\x00" + chainID)))
}

// FindMember returns the index of the committee member with a public key.
func FindMember(com *chain.Committee, pk bls.PublicKey) (int, error) {
	for i, m := range com.Members {
		if m.PublicKey == pk {
			return i, nil
		}
	}
	return -1, errors.New("no member of the committee has this node's public key")
}

// TLSKeyFileName holds a node's network (TLS) key, when the network uses TLS.
const TLSKeyFileName = "tls.key"

// CreateTLSKey writes a new network key (0600) and returns its public key
// as the chain publishes it.
func CreateTLSKey(path string) ([]byte, error) {
	key, err := tlspin.GenerateKey()
	if err != nil {
		return nil, err
	}
	pem, err := tlspin.MarshalKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		return nil, fmt.Errorf("write network key: %w", err)
	}
	return tlspin.PublicKey(key)
}

// LoadTLSKey reads a node's network key and checks it against the public
// key the committee lists for the node.
func LoadTLSKey(path string, published []byte) (*ecdsa.PrivateKey, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the committee lists a network key for this node: %w", err)
	}
	key, err := tlspin.ParseKey(pem)
	if err != nil {
		return nil, err
	}
	pub, err := tlspin.PublicKey(key)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pub, published) {
		return nil, fmt.Errorf("%s is not the network key the committee lists for this node", path)
	}
	return key, nil
}
