package wallet

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/chain"
)

// ClientConfig is one context of a walrus client_config.yaml: the keys that
// matter to a client. Tuning maps (communication_config, refresh_config, …)
// are not read.
type ClientConfig struct {
	SystemObject  chain.ObjectID // system_object, the shared System object
	StakingObject chain.ObjectID // staking_object, the shared Staking object

	CreditsObject         *chain.ObjectID // credits_object, optional
	WalrusSubsidiesObject *chain.ObjectID // walrus_subsidies_object, optional
	TreasuryObject        *chain.ObjectID // treasury_object, optional
	ExchangeObjects       []chain.ObjectID

	// NShards is n_shards; 0 when absent, meaning: read it from chain.
	NShards uint16
	// MaxEpochsAhead is max_epochs_ahead; 0 when absent (no client cap).
	MaxEpochsAhead uint32
	// CacheTTL is cache_ttl_secs, 10 s when absent.
	CacheTTL time.Duration

	// RPCURLs are the extra Sui RPC URLs (rpc_urls), as written.
	RPCURLs []string
	// Wallet is wallet_config; nil when absent.
	Wallet *WalletRef
}

// WalletRef is wallet_config: where the Sui wallet is and which of its
// envs and addresses to use instead of its own choice.
type WalletRef struct {
	// Path as written: ~/ is expanded and relative paths are taken from the
	// working directory when the wallet is loaded. Empty means search.
	Path string
	// ActiveEnv, if set, must be an env alias of the wallet.
	ActiveEnv string
	// ActiveAddress, if set, must be a key of the wallet's keystore.
	ActiveAddress *chain.Address
}

// defaultCacheTTL is Walrus's default for cache_ttl_secs.
const defaultCacheTTL = 10 * time.Second

// ReadClientConfig reads the client config at path and selects context: a
// name from the contexts of a multi-context file, or "" for its
// default_context. It returns the context used ("" for a single-context
// file).
func ReadClientConfig(path, context string) (*ClientConfig, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read walrus client config: %w", err)
	}
	return ParseClientConfig(path, data, context)
}

// ParseClientConfig is ReadClientConfig on the file's contents; file names
// it in errors.
//
// The single-context form is chosen when the top level has system_object or
// has no contexts, as serde tries it first; a context name is then an error.
func ParseClientConfig(file string, data []byte, context string) (*ClientConfig, string, error) {
	top, err := parseYAMLMapping(file, data)
	if err != nil {
		return nil, "", err
	}
	if top.has("system_object") || !top.has("contexts") {
		if context != "" {
			return nil, "", fmt.Errorf("%s: context %q given, but the file has a single context (no contexts key)", file, context)
		}
		cfg, err := parseContext(top)
		return cfg, "", err
	}

	contexts, _, err := top.sub("contexts")
	if err != nil {
		return nil, "", err
	}
	if context == "" {
		def, ok, err := top.str("default_context")
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", top.missing("default_context")
		}
		context = def
	}
	one, ok, err := contexts.sub(context)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		names := contexts.keys()
		slices.Sort(names)
		return nil, "", fmt.Errorf("%s: context %q not found; contexts: %s", file, context, strings.Join(names, ", "))
	}
	cfg, err := parseContext(one)
	return cfg, context, err
}

// parseContext reads the keys of one context.
func parseContext(m mapping) (*ClientConfig, error) {
	var c ClientConfig
	var err error
	if c.SystemObject, err = m.requiredObjectID("system_object"); err != nil {
		return nil, err
	}
	if c.StakingObject, err = m.requiredObjectID("staking_object"); err != nil {
		return nil, err
	}
	if c.CreditsObject, err = m.optionalObjectID("credits_object"); err != nil {
		return nil, err
	}
	if c.WalrusSubsidiesObject, err = m.optionalObjectID("walrus_subsidies_object"); err != nil {
		return nil, err
	}
	if c.TreasuryObject, err = m.optionalObjectID("treasury_object"); err != nil {
		return nil, err
	}
	if c.ExchangeObjects, err = m.objectIDs("exchange_objects"); err != nil {
		return nil, err
	}

	n, ok, err := m.uint("n_shards", 16)
	if err != nil {
		return nil, err
	}
	if ok && n == 0 {
		return nil, m.errorf("n_shards", m.lookup("n_shards"), "must not be 0")
	}
	c.NShards = uint16(n)
	epochs, _, err := m.uint("max_epochs_ahead", 32)
	if err != nil {
		return nil, err
	}
	c.MaxEpochsAhead = uint32(epochs)
	c.CacheTTL = defaultCacheTTL
	if secs, ok, err := m.uint("cache_ttl_secs", 32); err != nil {
		return nil, err
	} else if ok {
		c.CacheTTL = time.Duration(secs) * time.Second
	}

	if c.RPCURLs, err = m.strs("rpc_urls"); err != nil {
		return nil, err
	}
	if c.Wallet, err = parseWalletRef(m); err != nil {
		return nil, err
	}
	return &c, nil
}

// parseWalletRef reads wallet_config: a path string, or a mapping of
// optional path, active_env and active_address.
func parseWalletRef(m mapping) (*WalletRef, error) {
	if path, ok, err := m.str("wallet_config"); err == nil {
		if !ok {
			return nil, nil
		}
		return &WalletRef{Path: path}, nil
	}
	w, _, err := m.sub("wallet_config")
	if err != nil {
		return nil, m.errorf("wallet_config", m.lookup("wallet_config"), "want a path or a mapping of path, active_env, active_address")
	}
	var ref WalletRef
	if ref.Path, _, err = w.str("path"); err != nil {
		return nil, err
	}
	if ref.ActiveEnv, _, err = w.str("active_env"); err != nil {
		return nil, err
	}
	if ref.ActiveAddress, err = w.address("active_address"); err != nil {
		return nil, err
	}
	return &ref, nil
}

// CombineRPCURLs returns first followed by more, each URL once, in order, as
// the walrus CLI combines the wallet env's RPC URL with rpc_urls. Empty
// strings are dropped.
func CombineRPCURLs(first string, more []string) []string {
	var out []string
	for _, u := range append([]string{first}, more...) {
		if u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}
