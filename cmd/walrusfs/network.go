package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
)

// networkEnv names the network configuration when --network is not given.
const networkEnv = "WALRUSFS_NETWORK"

func addNetworkFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "network", "", "the network's client configuration, such as DIR/network.yaml of a devnet (default $"+networkEnv+")")
}

// network is a connection to a network: its configuration, the ledger as
// the configured account, and the committee of the current epoch.
type network struct {
	cfg       *netconfig.Network
	chain     *ledger.Client
	committee *chain.Committee
}

// connect loads the configuration and reads the committee, checking that
// its number of shards is the configured one (blob IDs depend on it).
func connect(ctx context.Context, path string) (*network, error) {
	if path == "" {
		path = os.Getenv(networkEnv)
	}
	if path == "" {
		return nil, usageError{errors.New("--network is required (or set $" + networkEnv + "), such as --network DIR/network.yaml of a devnet")}
	}
	cfg, err := netconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("network configuration: %w", err)
	}
	ch := ledger.Dial(cfg.Ledger, cfg.Account)
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
	return &network{cfg: cfg, chain: ch, committee: com}, nil
}

// clientCommand is the start of the client commands: their logger, at warn
// level unless --log-level says otherwise, and the network they use.
func clientCommand(cmd *cobra.Command, g *globals, networkPath string) (*slog.Logger, *network, error) {
	log, err := g.logger(cmd.ErrOrStderr(), slog.LevelWarn)
	if err != nil {
		return nil, nil, err
	}
	nw, err := connect(cmd.Context(), networkPath)
	if err != nil {
		return nil, nil, err
	}
	return log, nw, nil
}
