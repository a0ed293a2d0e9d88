package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/walrus/connect"
)

// networkFlags choose the network: a devnet's ledger (--network), or Walrus
// on Sui as a Walrus user's client_config.yaml and Sui wallet describe it.
type networkFlags struct {
	network string // a devnet's network.yaml
	config  string // Walrus client_config.yaml
	context string // its context
	wallet  string // Sui client.yaml
}

// options are the flags as package connect takes them.
func (f networkFlags) options() connect.Options {
	return connect.Options{Network: f.network, Config: f.config, Context: f.context, Wallet: f.wallet}
}

// suiChosen reports whether the flags ask for Sui.
func (f networkFlags) suiChosen() bool { return f.options().SuiChosen() }

// devnetChosen reports whether the flags (or the environment) ask for a
// devnet's ledger.
func (f networkFlags) devnetChosen() bool { return f.options().DevnetChosen() }

func addNetworkFlags(cmd *cobra.Command, f *networkFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.network, "network", "", "a devnet's client configuration, DIR/network.yaml (default $"+connect.NetworkEnv+")")
	fl.StringVar(&f.config, "config", "", "Walrus client configuration, client_config.yaml (default: searched as the walrus CLI does)")
	fl.StringVar(&f.context, "context", "", "context of the Walrus configuration (default: its default_context)")
	fl.StringVar(&f.wallet, "wallet", "", "Sui wallet configuration, client.yaml (default: the Walrus configuration's, or ~/.sui/sui_config/client.yaml)")
}

// connectNetwork opens the network the flags choose; flags that exclude
// each other, or none where no configuration is found, are a usage error.
func connectNetwork(ctx context.Context, f networkFlags, log *slog.Logger) (*connect.Network, error) {
	nw, err := connect.Dial(ctx, f.options(), log)
	if errors.As(err, new(*connect.OptionsError)) {
		return nil, usageError{err}
	}
	return nw, err
}

// clientCommand is the start of the client commands: their logger, at warn
// level unless --log-level says otherwise, and the network they use.
func clientCommand(cmd *cobra.Command, g *globals, f networkFlags) (*slog.Logger, *connect.Network, error) {
	log, err := g.logger(cmd.ErrOrStderr(), slog.LevelWarn)
	if err != nil {
		return nil, nil, err
	}
	nw, err := connectNetwork(cmd.Context(), f, log)
	if err != nil {
		return nil, nil, err
	}
	return log, nw, nil
}

// onNetwork runs a client command's work with the network the flags choose,
// within timeout, and closes the connection after.
func onNetwork(cmd *cobra.Command, g *globals, f networkFlags, timeout time.Duration, run func(ctx context.Context, nw *connect.Network) error) error {
	_, nw, err := clientCommand(cmd, g, f)
	if err != nil {
		return err
	}
	defer nw.Close()
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	return run(ctx, nw)
}
