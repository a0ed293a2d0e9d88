package devnet

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// storageNode is one node of a devnet as the devnet runs it.
type storageNode struct {
	index   int // in the committee; -1 for a candidate
	name    string
	dir     string
	addr    string // API host:port, as the committee lists it
	metrics string // metrics host:port
	shards  int
	proc    *nodeProcess
	member  chain.Node
}

// listNodes lists the committee's members as devnet nodes, each with the
// DIR/node-I that holds its key (after a node left, member I need not be
// node I), and then the candidates.
func listNodes(dir string, com *chain.Committee) ([]*storageNode, error) {
	dirs, err := filepath.Glob(filepath.Join(dir, "node-*"))
	if err != nil {
		return nil, err
	}
	byKey := map[bls.PublicKey]string{}
	for _, d := range dirs {
		if key, err := readKey(d); err == nil {
			byKey[key.PublicKey()] = d
		}
	}
	var out []*storageNode
	members := map[string]bool{}
	for i, m := range com.Members {
		nodeDir, ok := byKey[m.PublicKey]
		if !ok {
			return nil, fmt.Errorf("devnet: no DIR/node-*/key in %s holds the key of member %d (%s) of the committee", dir, i, m.Name)
		}
		members[nodeDir] = true
		out = append(out, &storageNode{index: i, name: filepath.Base(nodeDir), dir: nodeDir, addr: m.Address, shards: len(m.Shards), member: m})
	}
	return append(out, candidates(dir, members)...), nil
}

// candidates lists the joined nodes (those with a CandidateAddressFile)
// whose directories are not in known.
func candidates(dir string, known map[string]bool) []*storageNode {
	dirs, _ := filepath.Glob(filepath.Join(dir, "node-*"))
	var out []*storageNode
	for _, d := range dirs {
		if known[d] {
			continue
		}
		addr, err := os.ReadFile(filepath.Join(d, CandidateAddressFile))
		if err != nil {
			continue
		}
		key, err := readKey(d)
		if err != nil {
			continue
		}
		a := strings.TrimSpace(string(addr))
		out = append(out, &storageNode{index: -1, name: filepath.Base(d), dir: d, addr: a,
			member: chain.Node{ID: ledger.NodeID(key.PublicKey()), Name: filepath.Base(d), Address: a, PublicKey: key.PublicKey()}})
	}
	return out
}

// watchCandidates starts, through start, every joined node that appears in
// dir, until ctx ends.
func watchCandidates(ctx context.Context, dir string, known map[string]bool, start func(*storageNode)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		for _, nd := range candidates(dir, known) {
			known[nd.dir] = true
			if err := assignMetricsPorts([]*storageNode{nd}, 0); err != nil {
				continue
			}
			start(nd)
		}
	}
}

// assignMetricsPorts gives every node a metrics port: P+1+N+I with a base
// port, else a free one.
func assignMetricsPorts(nodes []*storageNode, basePort int) error {
	for i, nd := range nodes {
		if basePort > 0 {
			nd.metrics = net.JoinHostPort("127.0.0.1", strconv.Itoa(basePort+1+len(nodes)+i))
			continue
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("devnet: pick a metrics port: %w", err)
		}
		nd.metrics = lis.Addr().String()
		lis.Close()
	}
	return nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

// readKey reads the BLS key of the node in nodeDir; an error wraps
// fs.ErrNotExist when there is none.
func readKey(nodeDir string) (*bls.PrivateKey, error) {
	return nodekeys.ReadKeyFile(filepath.Join(nodeDir, nodekeys.KeyFileName))
}

// writeKey writes a node's BLS key into nodeDir, readable by its owner only.
func writeKey(nodeDir string, key *bls.PrivateKey) error {
	return nodekeys.WriteKeyFile(filepath.Join(nodeDir, nodekeys.KeyFileName), key)
}
