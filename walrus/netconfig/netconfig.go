// Package netconfig is a client's configuration of a Walrus network: where
// its ledger is served, its number of shards and the account the client
// sends transactions as. `walrusfs devnet` writes it to DIR/network.yaml;
// `walrusfs store`, `read` and `blob-status` read it with --network.
//
// The file is YAML:
//
//	# walrusfs network configuration
//	ledger: http://127.0.0.1:40123
//	n_shards: 100
//	account: 0x7d1c…(64 hex digits)
//	chain_id: 3f9a…
//	walrus_config: /abs/DIR/client_config.yaml   # optional: use the Sui face
//
// Unknown keys are refused, so that a misspelt key is not silently ignored.
package netconfig

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// Network is the client configuration of one network.
type Network struct {
	// Ledger is the base URL of the ledger's HTTP API (chain/ledger's
	// NewHandler), such as "http://127.0.0.1:40123".
	Ledger string `yaml:"ledger"`
	// NShards is the committee's number of shards; blob IDs depend on it.
	NShards int `yaml:"n_shards"`
	// Account is the address the client sends transactions as; it owns the
	// blobs the client stores. Written as 0x and 64 hex digits.
	Account chain.Address `yaml:"account"`
	// ChainID is the ledger's chain ID (informative; it tells networks
	// apart).
	ChainID string `yaml:"chain_id,omitempty"`
	// WalrusConfig, when set, is the Walrus client configuration of the
	// network's Sui face (client_config.yaml): clients then send their
	// transactions there, signed by its wallet, rather than to the ledger.
	WalrusConfig string `yaml:"walrus_config,omitempty"`
}

// ErrInvalid marks a configuration that is malformed or incomplete.
var ErrInvalid = errors.New("invalid network configuration")

// Validate checks that every field is usable.
func (n *Network) Validate() error {
	if n.Ledger == "" {
		return fmt.Errorf("%w: ledger: missing", ErrInvalid)
	}
	u, err := url.Parse(n.Ledger)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: ledger: %q is not an http(s) URL", ErrInvalid, n.Ledger)
	}
	if n.NShards < encoding.MinShards || n.NShards > encoding.MaxShards {
		return fmt.Errorf("%w: n_shards: %d is not between %d and %d", ErrInvalid, n.NShards, encoding.MinShards, encoding.MaxShards)
	}
	if n.Account == (chain.Address{}) {
		return fmt.Errorf("%w: account: missing", ErrInvalid)
	}
	return nil
}

// Parse reads a configuration from YAML and validates it.
func Parse(data []byte) (*Network, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var n Network
	if err := dec.Decode(&n); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return &n, nil
}

// Load reads and validates the configuration in a file.
func Load(path string) (*Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// Marshal returns the configuration as YAML, with a header comment.
func (n *Network) Marshal() ([]byte, error) {
	body, err := yaml.Marshal(n)
	if err != nil {
		return nil, err
	}
	return append([]byte("# walrusfs network configuration (see package walrus/netconfig)\n"), body...), nil
}

// Write validates the configuration and writes it to path atomically: to a
// temporary file in the same directory, synced, then renamed over path, so
// that readers see the old file or the new one, never part of one.
func (n *Network) Write(path string) error {
	if err := n.Validate(); err != nil {
		return err
	}
	data, err := n.Marshal()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data, 0o644)
}

// WriteFileAtomic writes data to path through a synced temporary file in the
// same directory renamed over it.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
