package wallet

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/chain"
)

// SuiEnv is one entry of envs in the Sui CLI's client.yaml: a network the
// wallet can talk to.
type SuiEnv struct {
	Alias     string
	RPC       string
	WS        string // "" if unset
	BasicAuth string // user:pass, "" if unset; a credential
	ChainID   string // "" if unset
}

// String prints the env without its basic auth credential.
func (e SuiEnv) String() string {
	s := e.Alias + " " + e.RPC
	if e.BasicAuth != "" {
		s += " (basic auth)"
	}
	return s
}

// Format prints String for every verb, keeping BasicAuth out of logs.
func (e SuiEnv) Format(f fmt.State, _ rune) { fmt.Fprint(f, e.String()) }

// SuiClientConfig is the Sui CLI's client.yaml.
type SuiClientConfig struct {
	// KeystorePath is keystore.File, as written (relative paths are from
	// the working directory).
	KeystorePath string
	Envs         []SuiEnv
	// ActiveEnv is an env alias; "" means the first env.
	ActiveEnv string
	// ActiveAddress is nil when unset: the keystore's first key.
	ActiveAddress *chain.Address
}

// ParseSuiClientConfig parses a client.yaml; file names it in errors.
func ParseSuiClientConfig(file string, data []byte) (*SuiClientConfig, error) {
	top, err := parseYAMLMapping(file, data)
	if err != nil {
		return nil, err
	}
	var c SuiClientConfig
	ks, ok, err := top.sub("keystore")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, top.missing("keystore")
	}
	path, ok, err := ks.str("File")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: keystore: only a File keystore is supported, found %s", file, strings.Join(ks.keys(), ", "))
	}
	c.KeystorePath = path

	envs := top.lookup("envs")
	if envs == nil {
		return nil, top.missing("envs")
	}
	if envs.Kind != yaml.SequenceNode {
		return nil, top.errorf("envs", envs, "want a list")
	}
	for i, n := range envs.Content {
		n = deref(n)
		key := fmt.Sprintf("envs[%d]", i)
		if n.Kind != yaml.MappingNode {
			return nil, top.errorf(key, n, "want a mapping")
		}
		m := mapping{file: file, prefix: key, node: n}
		var e SuiEnv
		var ok bool
		if e.Alias, ok, err = m.str("alias"); err != nil {
			return nil, err
		} else if !ok {
			return nil, m.missing("alias")
		}
		if e.RPC, ok, err = m.str("rpc"); err != nil {
			return nil, err
		} else if !ok {
			return nil, m.missing("rpc")
		}
		for _, opt := range []struct {
			key string
			dst *string
		}{{"ws", &e.WS}, {"basic_auth", &e.BasicAuth}, {"chain_id", &e.ChainID}} {
			if *opt.dst, _, err = m.str(opt.key); err != nil {
				return nil, err
			}
		}
		c.Envs = append(c.Envs, e)
	}
	if c.ActiveEnv, _, err = top.str("active_env"); err != nil {
		return nil, err
	}
	if c.ActiveAddress, err = top.address("active_address"); err != nil {
		return nil, err
	}
	return &c, nil
}

// Wallet is a Sui CLI wallet: its client.yaml and keystore.
type Wallet struct {
	Path     string // of client.yaml
	Config   *SuiClientConfig
	Keystore *Keystore
}

// ReadWallet reads the client.yaml at path and the keystore it names.
// Relative keystore paths are taken from env.WorkDir.
func ReadWallet(path string, env Environment) (*Wallet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read Sui wallet config: %w", err)
	}
	cfg, err := ParseSuiClientConfig(path, data)
	if err != nil {
		return nil, err
	}
	ksPath, err := env.resolve(cfg.KeystorePath, false)
	if err != nil {
		return nil, err
	}
	ks, err := ReadKeystore(ksPath)
	if err != nil {
		return nil, fmt.Errorf("keystore of %s: %w", path, err)
	}
	return &Wallet{Path: path, Config: cfg, Keystore: ks}, nil
}

// Account is what a wallet selection yields: the network and the key.
type Account struct {
	Env SuiEnv
	Key Key
}

// Select chooses the env and key to use. envAlias and address override the
// wallet's active_env and active_address (as wallet_config does); each
// must name an env or a keystore key. Without either, the wallet's own
// choice applies: active_env else the first env, active_address else the
// first key.
func (w *Wallet) Select(envAlias string, address *chain.Address) (Account, error) {
	var acc Account
	envFrom := "active_env of " + w.Path
	if envAlias != "" {
		envFrom = "selected env"
	} else {
		envAlias = w.Config.ActiveEnv
	}
	switch {
	case envAlias != "":
		found := false
		for _, e := range w.Config.Envs {
			if e.Alias == envAlias {
				acc.Env, found = e, true
				break
			}
		}
		if !found {
			return acc, fmt.Errorf("%s %q is not an env alias in %s; envs: %s", envFrom, envAlias, w.Path, w.envAliases())
		}
	case len(w.Config.Envs) > 0:
		acc.Env = w.Config.Envs[0]
	default:
		return acc, fmt.Errorf("%s: no envs", w.Path)
	}

	addrFrom := "selected address"
	if address == nil {
		address, addrFrom = w.Config.ActiveAddress, "active_address of "+w.Path
	}
	if address == nil {
		if len(w.Keystore.Keys) == 0 {
			return acc, fmt.Errorf("%s: keystore %s holds no keys", w.Path, w.Keystore.Path)
		}
		acc.Key = w.Keystore.Keys[0]
		return acc, nil
	}
	k, ok := w.Keystore.Find(*address)
	if !ok {
		a, _ := address.MarshalText()
		return acc, fmt.Errorf("%s %s is not in keystore %s (%s)", addrFrom, a, w.Keystore.Path, w.keySummary())
	}
	acc.Key = k
	return acc, nil
}

func (w *Wallet) envAliases() string {
	var names []string
	for _, e := range w.Config.Envs {
		names = append(names, e.Alias)
	}
	return strings.Join(names, ", ")
}

// keySummary counts the keys, noting those whose address is not derived.
func (w *Wallet) keySummary() string {
	s := fmt.Sprintf("%d keys", len(w.Keystore.Keys))
	hidden := 0
	for _, k := range w.Keystore.Keys {
		if !k.HasAddress {
			hidden++
		}
	}
	if hidden > 0 {
		s += fmt.Sprintf(", %d of them secp256k1 with addresses not derived here", hidden)
	}
	return s
}
