package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/walrus/devnet"
)

// The devnet's staking verbs stand in for Walrus's staking with WAL; their
// logic is devnet.Admin's, and here are their flags and output.

// withDevnetAdmin runs fn on the devnet in dir, within timeout.
func withDevnetAdmin(cmd *cobra.Command, dir, verb string, timeout time.Duration, fn func(context.Context, *devnet.Admin) error) error {
	if dir == "" {
		return usageError{errors.New("--dir is required")}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	a, err := devnet.OpenAdmin(ctx, dir)
	if err != nil {
		return fmt.Errorf("devnet %s: %w", verb, err)
	}
	return fn(ctx, a)
}

// advance changes the epoch now, electing from the stakes, and prints the
// new committee.
func advance(ctx context.Context, cmd *cobra.Command, a *devnet.Admin) error {
	com, err := a.AdvanceEpoch(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "epoch %d: %d nodes\n", com.Epoch, len(com.Members))
	for _, m := range com.Members {
		fmt.Fprintf(cmd.OutOrStdout(), "  %-8s %3d shards\n", m.Name, len(m.Shards))
	}
	return nil
}

// adminError makes the errors of --node and of a request the committee
// cannot take usage errors, and prefixes the others with the verb.
func adminError(verb string, err error) error {
	var ne *devnet.NodeError
	if errors.As(err, &ne) {
		return usageError{fmt.Errorf("--node %d: %w", ne.Node, ne.Err)}
	}
	if errors.Is(err, devnet.ErrLastMember) {
		return usageError{err}
	}
	return fmt.Errorf("devnet %s: %w", verb, err)
}

func newDevnetLeaveCmd() *cobra.Command {
	var (
		dir  string
		node int
		now  bool
	)
	cmd := &cobra.Command{
		Use:   "leave --dir DIR --node I [--now=false]",
		Short: "Withdraw node I's stake from a running devnet; it leaves the committee and the others take its shards",
		Long: `Withdraw node I's stake: the next election leaves it out of the committee,
its shards go to the remaining nodes, which pull their slivers from it (or
rebuild them from each other's recovery symbols if it is gone), so that node
I can then be stopped without losing a shard. With --now (the default) the
epoch changes at once; with --now=false at the devnet's next epoch change.
The node process keeps running until the devnet stops.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDevnetAdmin(cmd, dir, "leave", time.Minute, func(ctx context.Context, a *devnet.Admin) error {
				if err := a.Leave(ctx, node); err != nil {
					return adminError("leave", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node-%d left the committee (stake withdrawn)\n", node)
				if now {
					return advance(ctx, cmd, a)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the devnet's directory")
	cmd.Flags().IntVar(&node, "node", -1, "the node to take out (I of DIR/node-I)")
	cmd.Flags().BoolVar(&now, "now", true, "change the epoch now rather than at the devnet's next epoch change")
	return cmd
}

func newDevnetStakeCmd() *cobra.Command {
	var (
		dir   string
		node  int
		stake uint64
		now   bool
	)
	cmd := &cobra.Command{
		Use:   "stake --dir DIR --node I --stake FROST [--now=false]",
		Short: "Set node I's stake on a running devnet; its shards follow at the next election",
		Long: `Set node I's stake, in FROST (10^9 per WAL; a genesis node has 10^9 per shard).
Shards are apportioned to stake by Walrus's D'Hondt rule at the next
election, moving as few as possible; stake 0 takes the node out of the
committee. With --now (the default) the epoch changes at once.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDevnetAdmin(cmd, dir, "stake", time.Minute, func(ctx context.Context, a *devnet.Admin) error {
				if err := a.SetStake(ctx, node, stake); err != nil {
					return adminError("stake", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node-%d staked %d FROST\n", node, stake)
				if now {
					return advance(ctx, cmd, a)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the devnet's directory")
	cmd.Flags().IntVar(&node, "node", -1, "the node (I of DIR/node-I)")
	cmd.Flags().Uint64Var(&stake, "stake", 0, "the node's stake in FROST")
	cmd.Flags().BoolVar(&now, "now", true, "change the epoch now rather than at the devnet's next epoch change")
	return cmd
}

func newDevnetJoinCmd() *cobra.Command {
	var (
		dir   string
		stake uint64
		now   bool
	)
	cmd := &cobra.Command{
		Use:   "join --dir DIR [--stake FROST] [--now=false]",
		Short: "Add a storage node to a running devnet; it joins the committee at the next election",
		Long: `Create a new node in DIR/node-I (the next free I) with its own key, register
it with the ledger with a proof of possession and --stake (default: the
average member's), and let the running devnet start its process. Once
elected it takes its shards over from their owners with sync_shard. With
--now (the default) it waits for the node to answer and changes the epoch
at once.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDevnetAdmin(cmd, dir, "join", 2*time.Minute, func(ctx context.Context, a *devnet.Admin) error {
				j, err := a.Join(ctx, stake)
				if err != nil {
					return fmt.Errorf("devnet join: %w", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s registered at %s with stake %d FROST\n", j.Node.Name, j.Node.Address, j.Stake)
				if !now {
					return nil
				}
				if err := devnet.WaitHealthy(ctx, j.Node, time.Minute); err != nil {
					return err
				}
				return advance(ctx, cmd, a)
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the devnet's directory")
	cmd.Flags().Uint64Var(&stake, "stake", 0, "the node's stake in FROST (default: the average member's)")
	cmd.Flags().BoolVar(&now, "now", true, "change the epoch now rather than at the devnet's next epoch change")
	return cmd
}
