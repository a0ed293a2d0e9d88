package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/walrus/bls"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
)

// newDevnetLeaveCmd takes a node out of a running devnet's committee at the
// next epoch, its shards spread over the others, which rebuild their slivers.
func newDevnetLeaveCmd() *cobra.Command {
	var (
		dir  string
		node int
	)
	cmd := &cobra.Command{
		Use:   "leave --dir DIR --node I",
		Short: "Take node I out of a running devnet's committee; the others take its shards",
		Long: `Advance a running devnet to the next epoch with node I out of the committee:
its shards are spread over the remaining nodes, which rebuild their slivers
from each other's recovery symbols, so that node I can then be stopped
without losing a shard. The node process keeps running until the devnet
stops.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usageError{errors.New("--dir is required")}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			com, err := leaveCommittee(ctx, dir, node)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "epoch %d: %d nodes; node-%d left the committee\n", com.Epoch, len(com.Members), node)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the devnet's directory")
	cmd.Flags().IntVar(&node, "node", -1, "the node to take out (I of DIR/node-I)")
	return cmd
}

func leaveCommittee(ctx context.Context, dir string, node int) (chain.Committee, error) {
	cfg, err := netconfig.Load(filepath.Join(dir, networkFileName))
	if err != nil {
		return chain.Committee{}, fmt.Errorf("devnet leave: is the devnet running? %w", err)
	}
	admin := ledger.Dial(cfg.Ledger, chain.Address{})
	com, err := admin.Committee(ctx)
	if err != nil {
		return chain.Committee{}, fmt.Errorf("devnet leave: %w", err)
	}
	leaving, err := readKeyFile(filepath.Join(dir, fmt.Sprintf("node-%d", node), keyFileName))
	if err != nil {
		return chain.Committee{}, usageError{fmt.Errorf("--node %d: %w", node, err)}
	}
	out, err := findMember(com, leaving.PublicKey())
	if err != nil {
		return chain.Committee{}, usageError{fmt.Errorf("--node %d: %w", node, err)}
	}
	if len(com.Members) == 1 {
		return chain.Committee{}, usageError{errors.New("the last node of a committee cannot leave")}
	}
	// The leaving node's shards go round the others, in committee order.
	stay := make([]chain.Node, 0, len(com.Members)-1)
	for i, m := range com.Members {
		if i != out {
			stay = append(stay, m)
		}
	}
	for j, s := range com.Members[out].Shards {
		k := j % len(stay)
		stay[k].Shards = append(stay[k].Shards, s)
	}
	var next []ledger.NodeRegistration
	for _, m := range stay {
		key, err := devnetMemberKey(dir, com, m)
		if err != nil {
			return chain.Committee{}, err
		}
		next = append(next, ledger.NewNodeRegistration(key, m, nodeAccount(m.PublicKey), com.Epoch))
	}
	return admin.AdvanceEpoch(ctx, next)
}

// devnetMemberKey finds, among DIR/node-*/key, the key of a committee member.
func devnetMemberKey(dir string, com *chain.Committee, m chain.Node) (*bls.PrivateKey, error) {
	dirs, err := filepath.Glob(filepath.Join(dir, "node-*"))
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		key, err := readKeyFile(filepath.Join(d, keyFileName))
		if err == nil && key.PublicKey() == m.PublicKey {
			return key, nil
		}
	}
	return nil, fmt.Errorf("devnet leave: no key in %s for member %s of epoch %d", dir, m.Name, com.Epoch)
}
