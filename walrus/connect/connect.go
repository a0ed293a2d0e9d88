// Package connect opens a connection to the Walrus network a command's
// options choose: a devnet's ledger, as its network.yaml describes it, or
// Walrus on Sui, as a Walrus client_config.yaml and a Sui wallet describe
// it. The connection is the chain, as the account that sends transactions,
// and the committee of the current epoch.
package connect

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
)

// NetworkEnv names a devnet's network configuration to use when Options
// name no network.
const NetworkEnv = "WALRUSFS_NETWORK"

// Options choose the network. Each is filled from the walrusfs flag of the
// same name, which the errors about them name.
type Options struct {
	Network string // a devnet's network.yaml (--network)
	Config  string // Walrus client_config.yaml (--config)
	Context string // its context (--context)
	Wallet  string // Sui client.yaml (--wallet)
}

// SuiChosen reports whether the options ask for Sui.
func (o Options) SuiChosen() bool { return o.Config != "" || o.Context != "" || o.Wallet != "" }

// DevnetChosen reports whether the options (or $WALRUSFS_NETWORK) ask for
// a devnet's ledger.
func (o Options) DevnetChosen() bool { return o.Network != "" || os.Getenv(NetworkEnv) != "" }

// OptionsError is a fault of the Options themselves, not of the network:
// options that exclude each other, or none where no default is found. A
// command reports it as a misuse.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// Network is a connection to a network: the chain as the wallet's account,
// and the committee of the current epoch.
type Network struct {
	Chain     chain.Chain
	Committee *chain.Committee
	Owner     chain.Address // the account that sends transactions
	// ID names the network for local state (one tree per network); What
	// describes it for people.
	ID, What string
	// Sui is set on Sui: wallet balances and spending; Setup is the
	// configuration it was dialled with.
	Sui   *sui.Client
	Setup *wallet.Setup
	close func()
}

// Close ends the connection.
func (nw *Network) Close() {
	if nw.close != nil {
		nw.close()
	}
}

// Dial opens the chosen network and reads the committee. With no option
// it uses $WALRUSFS_NETWORK, else the Walrus configuration found where the
// walrus CLI looks.
func Dial(ctx context.Context, o Options, log *slog.Logger) (*Network, error) {
	switch {
	case o.SuiChosen() && o.DevnetChosen() && o.Network != "":
		return nil, &OptionsError{errors.New("--network (a devnet's ledger) and --config/--context/--wallet (Walrus on Sui) exclude each other")}
	case o.SuiChosen():
		return dialSui(ctx, o, log)
	case o.DevnetChosen():
		return dialDevnet(ctx, cmp.Or(o.Network, os.Getenv(NetworkEnv)), log)
	}
	nw, err := dialSui(ctx, o, log)
	if errors.Is(err, wallet.ErrNotFound) {
		return nil, &OptionsError{fmt.Errorf("no network given: use --config FILE (a Walrus client_config.yaml, as a devnet writes to DIR/client_config.yaml) or --network DIR/network.yaml (or set $%s): %w", NetworkEnv, err)}
	}
	return nw, err
}

// dialDevnet dials a devnet's ledger as its configured account.
func dialDevnet(ctx context.Context, path string, log *slog.Logger) (*Network, error) {
	cfg, err := netconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("network configuration: %w", err)
	}
	if cfg.WalrusConfig != "" {
		// The devnet's clients send signed transactions to its Sui face.
		nw, err := dialSui(ctx, Options{Config: cfg.WalrusConfig}, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		nw.What = path
		return nw, nil
	}
	// Without walrus_config there is no key: the ledger refuses unsigned
	// transactions, so such a network serves reads only.
	ch := ledger.Dial(cfg.Ledger, nil)
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	com, err := ch.Committee(cctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot reach the ledger at %s (from %s; is the network running?): %w", cfg.Ledger, path, err)
	}
	if com.NShards != cfg.NShards {
		return nil, fmt.Errorf("%s says n_shards %d, but the ledger's committee has %d shards", path, cfg.NShards, com.NShards)
	}
	sum := sha256.Sum256([]byte(cfg.Ledger))
	return &Network{Chain: ch, Committee: com, Owner: cfg.Account, ID: "net-" + hex.EncodeToString(sum[:6]), What: path}, nil
}

// dialSui loads the Walrus and Sui configuration and reads the committee
// from the full node.
func dialSui(ctx context.Context, o Options, log *slog.Logger) (*Network, error) {
	setup, err := wallet.Load(wallet.LoadOptions{ConfigPath: o.Config, Context: o.Context, WalletPath: o.Wallet})
	if err != nil {
		return nil, err
	}
	if len(setup.RPCURLs) == 0 {
		return nil, fmt.Errorf("%s: no Sui RPC URL: the wallet's environment %q has none and rpc_urls is empty", setup.ConfigPath, setup.Env.Alias)
	}
	c, err := sui.Dial(sui.Config{RPCURL: setup.RPCURLs[0], System: setup.SystemObject, Staking: setup.StakingObject, Signer: setup.Signer,
		CacheTTL: setup.Client.CacheTTL, Logger: log.With("component", "sui")})
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	com, err := c.Committee(cctx)
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("Walrus on Sui at %s (context %q of %s): %w", setup.RPCURLs[0], setup.Context, setup.ConfigPath, err)
	}
	if setup.NShards != 0 && int(setup.NShards) != com.NShards {
		c.Close()
		return nil, fmt.Errorf("%s says n_shards %d, but the committee on chain has %d shards", setup.ConfigPath, setup.NShards, com.NShards)
	}
	// The System object names the deployment, whatever URL reaches it.
	sum := sha256.Sum256(setup.SystemObject[:])
	return &Network{
		Chain: c, Committee: com, Owner: setup.Address, Sui: c, Setup: setup,
		ID:    "sui-" + hex.EncodeToString(sum[:6]),
		What:  fmt.Sprintf("%s (context %s)", setup.ConfigPath, setup.Context),
		close: func() { c.Close() },
	}, nil
}
