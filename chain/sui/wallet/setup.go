package wallet

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
)

// LoadOptions says which files and choices to use; the zero value does what
// the walrus CLI does without flags.
type LoadOptions struct {
	// ConfigPath is the client config (walrus --config); empty searches
	// Environment.ClientConfigPaths.
	ConfigPath string
	// Context selects a context of a multi-context config (walrus
	// --context); empty uses default_context.
	Context string
	// WalletPath is a Sui client.yaml (walrus --wallet). It replaces the
	// config's wallet_config, overrides included.
	WalletPath string
	// Address, if set, is the account to sign with; it must be in the
	// keystore. It takes precedence over active_address in wallet_config
	// and client.yaml.
	Address *chain.Address
	// Env replaces the process environment, for tests; nil uses
	// ProcessEnvironment.
	Env *Environment
}

// Setup is the configuration resolved for talking to Walrus on Sui.
type Setup struct {
	ConfigPath string // the client config read
	Context    string // its context, "" for a single-context file
	WalletPath string // the client.yaml read

	SystemObject  chain.ObjectID
	StakingObject chain.ObjectID
	// NShards is 0 when the config does not set it: read it from chain.
	NShards uint16
	// MaxEpochsAhead is 0 when the config does not cap it.
	MaxEpochsAhead uint32

	// Env is the wallet env in use.
	Env SuiEnv
	// RPCURLs are the env's RPC URL followed by the config's rpc_urls,
	// without repeats: the order the walrus CLI tries them.
	RPCURLs []string

	Address chain.Address
	Signer  *suikey.KeyPair

	// Client is the whole context read from the client config.
	Client *ClientConfig
}

// Load finds and reads the client config and the wallet, and resolves them
// into a Setup with an Ed25519 signer.
func Load(opts LoadOptions) (*Setup, error) {
	env := ProcessEnvironment()
	if opts.Env != nil {
		env = *opts.Env
	}
	s := &Setup{}

	if opts.ConfigPath != "" {
		s.ConfigPath = env.dir(opts.ConfigPath)
	} else {
		paths := env.ClientConfigPaths()
		var ok bool
		if s.ConfigPath, ok = firstExisting(paths); !ok {
			return nil, notFound("walrus client config", paths)
		}
	}
	cfg, context, err := ReadClientConfig(s.ConfigPath, opts.Context)
	if err != nil {
		return nil, err
	}
	s.Client, s.Context = cfg, context
	s.SystemObject, s.StakingObject = cfg.SystemObject, cfg.StakingObject
	s.NShards, s.MaxEpochsAhead = cfg.NShards, cfg.MaxEpochsAhead

	ref := WalletRef{}
	if opts.WalletPath != "" {
		ref.Path = opts.WalletPath
	} else if cfg.Wallet != nil {
		ref = *cfg.Wallet
	}
	if ref.Path != "" {
		if s.WalletPath, err = env.resolve(ref.Path, true); err != nil {
			return nil, fmt.Errorf("%s: wallet_config path: %w", s.ConfigPath, err)
		}
	} else {
		paths := env.WalletPaths()
		var ok bool
		if s.WalletPath, ok = firstExisting(paths); !ok {
			return nil, notFound("Sui wallet config", paths)
		}
	}
	w, err := ReadWallet(s.WalletPath, env)
	if err != nil {
		return nil, err
	}
	address := opts.Address
	if address == nil {
		address = ref.ActiveAddress
	}
	acc, err := w.Select(ref.ActiveEnv, address)
	if err != nil {
		return nil, fmt.Errorf("wallet of %s: %w", s.ConfigPath, err)
	}
	if s.Signer, err = acc.Key.Signer(); err != nil {
		return nil, fmt.Errorf("wallet %s: %w", s.WalletPath, err)
	}
	s.Env, s.Address = acc.Env, acc.Key.Address
	s.RPCURLs = CombineRPCURLs(acc.Env.RPC, cfg.RPCURLs)
	return s, nil
}
