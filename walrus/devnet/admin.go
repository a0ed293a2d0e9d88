package devnet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// The devnet's staking stands in for Walrus's staking with WAL: Admin sets a
// node's stake through the ledger's admin endpoint (with the token the
// devnet wrote to DIR/ledger/admin-token), and the committee follows at the
// next election, half an epoch before the epoch change, or at once with
// AdvanceEpoch, as a devnet without an epoch duration needs.

// ErrLastMember is returned by Leave for the committee's only member: a
// committee cannot be empty.
var ErrLastMember = errors.New("the last node of a committee cannot leave")

// NodeError is a node Admin was asked about but cannot act on: DIR/node-I
// holds no key, or the node is not in the committee. On a command line it
// is a usage error in the node named.
type NodeError struct {
	Node int // I of DIR/node-I
	Err  error
}

func (e *NodeError) Error() string { return fmt.Sprintf("node-%d: %v", e.Node, e.Err) }
func (e *NodeError) Unwrap() error { return e.Err }

// Admin administers the staking of the devnet running in a directory.
type Admin struct {
	dir    string
	ledger *ledger.Client
	// com is the committee when Admin was opened: stakes are set against it.
	com *chain.Committee
}

// OpenAdmin connects to the ledger of the devnet running in dir, through
// its admin endpoint, and reads its committee.
func OpenAdmin(ctx context.Context, dir string) (*Admin, error) {
	cfg, err := netconfig.Load(filepath.Join(dir, NetworkFile))
	if err != nil {
		return nil, fmt.Errorf("is the devnet running? %w", err)
	}
	token, err := ledger.ReadAdminToken(filepath.Join(dir, "ledger", ledger.AdminTokenFile))
	if err != nil {
		return nil, fmt.Errorf("the ledger's admin endpoints need its token: %w", err)
	}
	client := ledger.Dial(cfg.Ledger, nil).WithAdminToken(token)
	com, err := client.Committee(ctx)
	if err != nil {
		return nil, err
	}
	return &Admin{dir: dir, ledger: client, com: com}, nil
}

// AdvanceEpoch changes the epoch now, electing the committee from the
// stakes, and returns the new committee.
func (a *Admin) AdvanceEpoch(ctx context.Context) (chain.Committee, error) {
	return a.ledger.AdvanceEpoch(ctx, nil)
}

// NodeKey reads the key of DIR/node-I; the error is a *NodeError.
func (a *Admin) NodeKey(node int) (*bls.PrivateKey, error) {
	key, err := readKey(filepath.Join(a.dir, nodeName(node)))
	if err != nil {
		return nil, &NodeError{Node: node, Err: err}
	}
	return key, nil
}

// Leave withdraws the stake of DIR/node-I, a committee member, so that the
// next election leaves it out. It fails with a *NodeError for a node that
// is not a member and ErrLastMember for the only one.
func (a *Admin) Leave(ctx context.Context, node int) error {
	key, err := a.NodeKey(node)
	if err != nil {
		return err
	}
	i, err := nodekeys.FindMember(a.com, key.PublicKey())
	if err != nil {
		return &NodeError{Node: node, Err: err}
	}
	if len(a.com.Members) == 1 {
		return ErrLastMember
	}
	return a.ledger.SetStake(ctx, a.com.Members[i].ID, 0, nil)
}

// SetStake sets the stake of DIR/node-I, in FROST, whether it is a member
// or not; a missing key is a *NodeError.
func (a *Admin) SetStake(ctx context.Context, node int, stake uint64) error {
	key, err := a.NodeKey(node)
	if err != nil {
		return err
	}
	id := ledger.NodeID(key.PublicKey())
	// A genesis member's ID need not be derived from its key.
	if i, err := nodekeys.FindMember(a.com, key.PublicKey()); err == nil {
		id = a.com.Members[i].ID
	}
	return a.ledger.SetStake(ctx, id, stake, nil)
}

// Joined is a node that Join registered.
type Joined struct {
	// Node is the node as the committee will list it once elected.
	Node chain.Node
	// Stake is its stake in FROST.
	Stake uint64
}

// Join creates a node in DIR/node-I, the first free I, with a new key and
// a free loopback port, registers it with the ledger with stake (0: the
// average member's), and marks it a candidate so that the running devnet
// starts its process.
func (a *Admin) Join(ctx context.Context, stake uint64) (*Joined, error) {
	if stake == 0 {
		stake = memberStake(a.com)
	}
	nd, err := a.createNode()
	if err != nil {
		return nil, err
	}
	// The proof of possession names the epoch, which may end meanwhile:
	// sign again then.
	for try := 0; ; try++ {
		com, err := a.ledger.Committee(ctx)
		if err != nil {
			return nil, err
		}
		reg := ledger.NewNodeRegistration(nd.key, chain.Node{Name: nd.name, Address: nd.addr}, nodekeys.NodeAccount(nd.key.PublicKey()), com.Epoch)
		err = a.ledger.SetStake(ctx, ledger.NodeID(nd.key.PublicKey()), stake, &reg)
		if err == nil {
			break
		}
		if try == 2 || !errors.Is(err, chain.ErrInvalidArgument) {
			return nil, err
		}
	}
	// The devnet starts the node once the address file appears.
	if err := os.WriteFile(filepath.Join(nd.dir, CandidateAddressFile), []byte(nd.addr+"\n"), 0o600); err != nil {
		return nil, err
	}
	pub := nd.key.PublicKey()
	return &Joined{
		Node:  chain.Node{ID: ledger.NodeID(pub), Name: nd.name, Address: nd.addr, PublicKey: pub},
		Stake: stake,
	}, nil
}

// memberStake is the stake that gives a node the committee's average share.
func memberStake(com *chain.Committee) uint64 {
	return uint64(com.NShards/max(len(com.Members), 1)) * ledger.DefaultStakePerShard
}

// newNode is a node created for joining.
type newNode struct {
	name string
	dir  string
	addr string
	key  *bls.PrivateKey
}

// createNode makes DIR/node-I for the first free I, with a key and a free
// loopback port for its API.
func (a *Admin) createNode() (*newNode, error) {
	for i := 0; ; i++ {
		name := nodeName(i)
		d := filepath.Join(a.dir, name)
		if err := os.Mkdir(d, 0o700); errors.Is(err, fs.ErrExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		key, err := bls.GenerateKey(nil)
		if err == nil {
			err = writeKey(d, key)
		}
		if err != nil {
			return nil, err
		}
		// The port is free now; the node binds it when the devnet starts it.
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a port for %s: %w", name, err)
		}
		addr := lis.Addr().String()
		lis.Close()
		return &newNode{name: name, dir: d, addr: addr, key: key}, nil
	}
}

// nodeName is the name, and directory in DIR, of node I.
func nodeName(i int) string { return "node-" + strconv.Itoa(i) }
