package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
)

// networkEnv names the network configuration when --network is not given.
const networkEnv = "WALRUSFS_NETWORK"

// networkFlags choose the network: a devnet's ledger (--network), or Walrus
// on Sui as a Walrus user's client_config.yaml and Sui wallet describe it.
type networkFlags struct {
	network string // a devnet's network.yaml
	config  string // Walrus client_config.yaml
	context string // its context
	wallet  string // Sui client.yaml
}

// suiChosen reports whether the flags ask for Sui.
func (f networkFlags) suiChosen() bool { return f.config != "" || f.context != "" || f.wallet != "" }

// devnetChosen reports whether the flags (or the environment) ask for a
// devnet's ledger.
func (f networkFlags) devnetChosen() bool { return f.network != "" || os.Getenv(networkEnv) != "" }

func addNetworkFlags(cmd *cobra.Command, f *networkFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.network, "network", "", "a devnet's client configuration, DIR/network.yaml (default $"+networkEnv+")")
	fl.StringVar(&f.config, "config", "", "Walrus client configuration, client_config.yaml (default: searched as the walrus CLI does)")
	fl.StringVar(&f.context, "context", "", "context of the Walrus configuration (default: its default_context)")
	fl.StringVar(&f.wallet, "wallet", "", "Sui wallet configuration, client.yaml (default: the Walrus configuration's, or ~/.sui/sui_config/client.yaml)")
}

// network is a connection to a network: the chain as the wallet's account,
// and the committee of the current epoch.
type network struct {
	chain     chain.Chain
	committee *chain.Committee
	owner     chain.Address // the account that sends transactions
	// id names the network for local state (one tree per network); what
	// describes it for people.
	id, what string
	// sui is set on Sui: wallet balances and spending.
	sui   *sui.Client
	setup *wallet.Setup
	close func()
}

func (nw *network) Close() {
	if nw.close != nil {
		nw.close()
	}
}

// connect opens the chosen network and reads the committee. With no flag
// it uses $WALRUSFS_NETWORK, else the Walrus configuration found where the
// walrus CLI looks.
func connect(ctx context.Context, f networkFlags, log *slog.Logger) (*network, error) {
	switch {
	case f.suiChosen() && f.devnetChosen() && f.network != "":
		return nil, usageError{errors.New("--network (a devnet's ledger) and --config/--context/--wallet (Walrus on Sui) exclude each other")}
	case f.suiChosen():
		return connectSui(ctx, f, log)
	case f.devnetChosen():
		return connectDevnet(ctx, cmpOr(f.network, os.Getenv(networkEnv)), log)
	}
	nw, err := connectSui(ctx, f, log)
	if errors.Is(err, wallet.ErrNotFound) {
		return nil, usageError{fmt.Errorf("no network given: use --config FILE (a Walrus client_config.yaml, as a devnet writes to DIR/client_config.yaml) or --network DIR/network.yaml (or set $%s): %w", networkEnv, err)}
	}
	return nw, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// connectDevnet dials a devnet's ledger as its configured account.
func connectDevnet(ctx context.Context, path string, log *slog.Logger) (*network, error) {
	cfg, err := netconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("network configuration: %w", err)
	}
	if cfg.WalrusConfig != "" {
		// The devnet's clients send signed transactions to its Sui face.
		nw, err := connectSui(ctx, networkFlags{config: cfg.WalrusConfig}, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		nw.what = path
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
	return &network{chain: ch, committee: com, owner: cfg.Account, id: "net-" + hex.EncodeToString(sum[:6]), what: path}, nil
}

// connectSui loads the Walrus and Sui configuration and reads the committee
// from the full node.
func connectSui(ctx context.Context, f networkFlags, log *slog.Logger) (*network, error) {
	setup, err := wallet.Load(wallet.LoadOptions{ConfigPath: f.config, Context: f.context, WalletPath: f.wallet})
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
	return &network{
		chain: c, committee: com, owner: setup.Address, sui: c, setup: setup,
		id:    "sui-" + hex.EncodeToString(sum[:6]),
		what:  fmt.Sprintf("%s (context %s)", setup.ConfigPath, setup.Context),
		close: func() { c.Close() },
	}, nil
}

// clientCommand is the start of the client commands: their logger, at warn
// level unless --log-level says otherwise, and the network they use.
func clientCommand(cmd *cobra.Command, g *globals, f networkFlags) (*slog.Logger, *network, error) {
	log, err := g.logger(cmd.ErrOrStderr(), slog.LevelWarn)
	if err != nil {
		return nil, nil, err
	}
	nw, err := connect(cmd.Context(), f, log)
	if err != nil {
		return nil, nil, err
	}
	return log, nw, nil
}

// onNetwork runs a client command's work with the network the flags choose,
// within timeout, and closes the connection after.
func onNetwork(cmd *cobra.Command, g *globals, f networkFlags, timeout time.Duration, run func(ctx context.Context, nw *network) error) error {
	_, nw, err := clientCommand(cmd, g, f)
	if err != nil {
		return err
	}
	defer nw.Close()
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	return run(ctx, nw)
}
