package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/devnet"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// The devnet's staking verbs stand in for Walrus's staking with WAL: they
// set a node's stake through the ledger's admin endpoint (with the token the
// devnet wrote to DIR/ledger/admin-token), and the committee
// follows at the next election, half an epoch before the epoch change. With
// --now (the default) the epoch changes at once, electing the committee
// from the new stakes, as a devnet without --epoch-duration needs.

// devnetAdmin is what the staking verbs share: the devnet's directory, its
// ledger's admin endpoint and its committee.
type devnetAdmin struct {
	dir   string
	admin *ledger.Client
	com   *chain.Committee
}

func openDevnetAdmin(ctx context.Context, dir string) (*devnetAdmin, error) {
	cfg, err := netconfig.Load(filepath.Join(dir, devnet.NetworkFile))
	if err != nil {
		return nil, fmt.Errorf("is the devnet running? %w", err)
	}
	token, err := ledger.ReadAdminToken(filepath.Join(dir, "ledger", ledger.AdminTokenFile))
	if err != nil {
		return nil, fmt.Errorf("the ledger's admin endpoints need its token: %w", err)
	}
	admin := ledger.Dial(cfg.Ledger, nil).WithAdminToken(token)
	com, err := admin.Committee(ctx)
	if err != nil {
		return nil, err
	}
	return &devnetAdmin{dir: dir, admin: admin, com: com}, nil
}

// withDevnetAdmin runs fn on the devnet in dir, within timeout.
func withDevnetAdmin(cmd *cobra.Command, dir, verb string, timeout time.Duration, fn func(context.Context, *devnetAdmin) error) error {
	if dir == "" {
		return usageError{errors.New("--dir is required")}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	a, err := openDevnetAdmin(ctx, dir)
	if err != nil {
		return fmt.Errorf("devnet %s: %w", verb, err)
	}
	return fn(ctx, a)
}

// advance changes the epoch now, electing from the stakes, and prints the
// new committee.
func (a *devnetAdmin) advance(ctx context.Context, cmd *cobra.Command) error {
	com, err := a.admin.AdvanceEpoch(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "epoch %d: %d nodes\n", com.Epoch, len(com.Members))
	for _, m := range com.Members {
		fmt.Fprintf(cmd.OutOrStdout(), "  %-8s %3d shards\n", m.Name, len(m.Shards))
	}
	return nil
}

// nodeKey reads DIR/node-I's key.
func (a *devnetAdmin) nodeKey(node int) (*bls.PrivateKey, error) {
	key, err := nodekeys.ReadKeyFile(filepath.Join(a.dir, fmt.Sprintf("node-%d", node), nodekeys.KeyFileName))
	if err != nil {
		return nil, usageError{fmt.Errorf("--node %d: %w", node, err)}
	}
	return key, nil
}

// memberStake is the stake that gives a node the committee's average share.
func memberStake(com *chain.Committee) uint64 {
	return uint64(com.NShards/max(len(com.Members), 1)) * ledger.DefaultStakePerShard
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
			return withDevnetAdmin(cmd, dir, "leave", time.Minute, func(ctx context.Context, a *devnetAdmin) error {
				key, err := a.nodeKey(node)
				if err != nil {
					return err
				}
				i, err := nodekeys.FindMember(a.com, key.PublicKey())
				if err != nil {
					return usageError{fmt.Errorf("--node %d: %w", node, err)}
				}
				if len(a.com.Members) == 1 {
					return usageError{errors.New("the last node of a committee cannot leave")}
				}
				if err := a.admin.SetStake(ctx, a.com.Members[i].ID, 0, nil); err != nil {
					return fmt.Errorf("devnet leave: %w", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node-%d left the committee (stake withdrawn)\n", node)
				if now {
					return a.advance(ctx, cmd)
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
			return withDevnetAdmin(cmd, dir, "stake", time.Minute, func(ctx context.Context, a *devnetAdmin) error {
				key, err := a.nodeKey(node)
				if err != nil {
					return err
				}
				id := ledger.NodeID(key.PublicKey())
				if i, err := nodekeys.FindMember(a.com, key.PublicKey()); err == nil {
					id = a.com.Members[i].ID
				}
				if err := a.admin.SetStake(ctx, id, stake, nil); err != nil {
					return fmt.Errorf("devnet stake: %w", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node-%d staked %d FROST\n", node, stake)
				if now {
					return a.advance(ctx, cmd)
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
			return withDevnetAdmin(cmd, dir, "join", 2*time.Minute, func(ctx context.Context, a *devnetAdmin) error {
				if stake == 0 {
					stake = memberStake(a.com)
				}
				name, nd, err := a.createNode()
				if err != nil {
					return fmt.Errorf("devnet join: %w", err)
				}
				// The proof of possession names the epoch, which may end
				// meanwhile: sign again then.
				for try := 0; ; try++ {
					com, err := a.admin.Committee(ctx)
					if err != nil {
						return fmt.Errorf("devnet join: %w", err)
					}
					reg := ledger.NewNodeRegistration(nd.key, chain.Node{Name: name, Address: nd.addr}, nodekeys.NodeAccount(nd.key.PublicKey()), com.Epoch)
					err = a.admin.SetStake(ctx, ledger.NodeID(nd.key.PublicKey()), stake, &reg)
					if err == nil {
						break
					}
					if try == 2 || !errors.Is(err, chain.ErrInvalidArgument) {
						return fmt.Errorf("devnet join: %w", err)
					}
				}
				// The devnet starts the node once the address file appears.
				if err := os.WriteFile(filepath.Join(nd.dir, devnet.CandidateAddressFile), []byte(nd.addr+"\n"), 0o600); err != nil {
					return fmt.Errorf("devnet join: %w", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s registered at %s with stake %d FROST\n", name, nd.addr, stake)
				if !now {
					return nil
				}
				member := chain.Node{ID: ledger.NodeID(nd.key.PublicKey()), Name: name, Address: nd.addr, PublicKey: nd.key.PublicKey()}
				if err := devnet.WaitHealthy(ctx, member, time.Minute); err != nil {
					return err
				}
				return a.advance(ctx, cmd)
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the devnet's directory")
	cmd.Flags().Uint64Var(&stake, "stake", 0, "the node's stake in FROST (default: the average member's)")
	cmd.Flags().BoolVar(&now, "now", true, "change the epoch now rather than at the devnet's next epoch change")
	return cmd
}

// newNode is a node created for joining.
type newNode struct {
	dir  string
	addr string
	key  *bls.PrivateKey
}

// createNode makes DIR/node-I for the first free I, with a key and a free
// loopback port for its API.
func (a *devnetAdmin) createNode() (string, *newNode, error) {
	for i := 0; ; i++ {
		name := "node-" + strconv.Itoa(i)
		d := filepath.Join(a.dir, name)
		if err := os.Mkdir(d, 0o700); errors.Is(err, fs.ErrExist) {
			continue
		} else if err != nil {
			return "", nil, err
		}
		key, err := bls.GenerateKey(nil)
		if err == nil {
			err = nodekeys.WriteKeyFile(filepath.Join(d, nodekeys.KeyFileName), key)
		}
		if err != nil {
			return "", nil, err
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, fmt.Errorf("pick a port for %s: %w", name, err)
		}
		addr := lis.Addr().String()
		lis.Close()
		return name, &newNode{dir: d, addr: strings.TrimSpace(addr), key: key}, nil
	}
}
