package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
)

// Devnet describes the files of a local network, for WriteDevnet.
type Devnet struct {
	Dir string // where the files go; created if missing
	// Context names the client config context and the wallet env; it must
	// be a valid Sui alias (a letter, then letters, digits, - _ .).
	Context        string
	SystemObject   chain.ObjectID
	StakingObject  chain.ObjectID
	NShards        uint16 // 0 leaves n_shards out
	MaxEpochsAhead uint32 // 0 leaves max_epochs_ahead out
	RPCURL         string
	Key            *suikey.KeyPair
}

// DevnetFiles are the absolute paths WriteDevnet wrote.
type DevnetFiles struct {
	ClientConfig string // DIR/client_config.yaml
	Wallet       string // DIR/sui/client.yaml
	Keystore     string // DIR/sui/sui.keystore
	Aliases      string // DIR/sui/sui.aliases
}

// keyAliasSuffix makes the key's alias from the context name.
const keyAliasSuffix = "-key"

// validAlias is what the Sui CLI accepts as an alias.
var validAlias = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// WriteDevnet writes a client config (multi-context form, absolute paths)
// and a Sui wallet for d, each file through a temporary file and a rename.
// Directories are created 0700, the keystore 0600. Reading the files back
// with Load and Context d.Context yields d's values.
func WriteDevnet(d Devnet) (DevnetFiles, error) {
	var files DevnetFiles
	if !validAlias.MatchString(d.Context) {
		return files, fmt.Errorf("devnet context %q is not a valid Sui alias", d.Context)
	}
	if d.Key == nil {
		return files, errors.New("devnet: no key")
	}
	if d.RPCURL == "" {
		return files, errors.New("devnet: no RPC URL")
	}
	dir, err := filepath.Abs(d.Dir)
	if err != nil {
		return files, fmt.Errorf("devnet directory: %w", err)
	}
	suiDir := filepath.Join(dir, "sui")
	files = DevnetFiles{
		ClientConfig: filepath.Join(dir, ClientConfigFile),
		Wallet:       filepath.Join(suiDir, WalletFile),
		Keystore:     filepath.Join(suiDir, KeystoreFile),
		Aliases:      filepath.Join(suiDir, AliasesFile),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return files, fmt.Errorf("devnet directory: %w", err)
	}
	if err := os.MkdirAll(suiDir, 0o700); err != nil {
		return files, fmt.Errorf("devnet wallet directory: %w", err)
	}
	if err := os.Chmod(suiDir, 0o700); err != nil { // it may have existed
		return files, fmt.Errorf("devnet wallet directory: %w", err)
	}

	addr := chain.Address(d.Key.Address())
	keystore, err := json.Marshal([]string{encodeEntry(d.Key)})
	if err != nil {
		return files, errors.New("encode keystore") // never quote the secret
	}
	aliases, err := json.MarshalIndent([]aliasEntry{{Alias: d.Context + keyAliasSuffix, PublicKeyBase64: encodePublicKey(d.Key)}}, "", "  ")
	if err != nil {
		return files, fmt.Errorf("encode aliases: %w", err)
	}
	wallet, err := marshalYAML(suiClientYAML{
		Keystore:      keystoreYAML{File: files.Keystore},
		Envs:          []suiEnvYAML{{Alias: d.Context, RPC: d.RPCURL}},
		ActiveEnv:     d.Context,
		ActiveAddress: hexString(addr),
	})
	if err != nil {
		return files, fmt.Errorf("encode %s: %w", files.Wallet, err)
	}
	ctx := clientContextYAML{
		SystemObject:   hexString(d.SystemObject),
		StakingObject:  hexString(d.StakingObject),
		NShards:        d.NShards,
		MaxEpochsAhead: d.MaxEpochsAhead,
		WalletConfig:   walletConfigYAML{Path: files.Wallet, ActiveEnv: d.Context, ActiveAddress: hexString(addr)},
		RPCURLs:        []string{d.RPCURL},
	}
	config, err := marshalYAML(clientConfigYAML{
		Contexts:       map[string]clientContextYAML{d.Context: ctx},
		DefaultContext: d.Context,
	})
	if err != nil {
		return files, fmt.Errorf("encode %s: %w", files.ClientConfig, err)
	}

	// The keystore first: the files naming it are useless without it.
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{files.Keystore, keystore, 0o600},
		{files.Aliases, append(aliases, '\n'), 0o600},
		{files.Wallet, wallet, 0o600},
		{files.ClientConfig, config, 0o600},
	} {
		if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
			return files, err
		}
	}
	return files, nil
}

// The YAML shapes WriteDevnet writes, fields in the order the CLIs write
// them.
type (
	clientConfigYAML struct {
		Contexts       map[string]clientContextYAML `yaml:"contexts"`
		DefaultContext string                       `yaml:"default_context"`
	}
	clientContextYAML struct {
		SystemObject   string           `yaml:"system_object"`
		StakingObject  string           `yaml:"staking_object"`
		NShards        uint16           `yaml:"n_shards,omitempty"`
		MaxEpochsAhead uint32           `yaml:"max_epochs_ahead,omitempty"`
		WalletConfig   walletConfigYAML `yaml:"wallet_config"`
		RPCURLs        []string         `yaml:"rpc_urls"`
	}
	walletConfigYAML struct {
		Path          string `yaml:"path"`
		ActiveEnv     string `yaml:"active_env"`
		ActiveAddress string `yaml:"active_address"`
	}
	suiClientYAML struct {
		Keystore      keystoreYAML `yaml:"keystore"`
		Envs          []suiEnvYAML `yaml:"envs"`
		ActiveEnv     string       `yaml:"active_env"`
		ActiveAddress string       `yaml:"active_address"`
	}
	keystoreYAML struct {
		File string `yaml:"File"`
	}
	suiEnvYAML struct {
		Alias     string  `yaml:"alias"`
		RPC       string  `yaml:"rpc"`
		WS        *string `yaml:"ws"`         // written as null, like the Sui CLI
		BasicAuth *string `yaml:"basic_auth"` // written as null, like the Sui CLI
	}
)

// marshalYAML encodes v with two-space indentation, as the CLIs write.
func marshalYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// hexString writes a 32-byte ID or address as 0x and 64 hex digits.
func hexString(b [32]byte) string {
	s, _ := chain.ObjectID(b).MarshalText()
	return string(s)
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, synced, chmod'ed to mode, renamed over path, then the
// directory synced. Readers see the old file or the new one, never a part.
func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("sync directory of %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory of %s: %w", path, err)
	}
	return nil
}
