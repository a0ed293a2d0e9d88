package devnet

import (
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
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// create makes the keys of a new network in dir and its ledger. Unless
// o.BasePort is set, the nodes' ports are picked free and stay bound, by
// the returned listeners, until the nodes start.
func create(dir string, o Options, lopts ledger.Options) (*ledger.Ledger, []net.Listener, error) {
	shards, err := ledger.AssignShards(o.Shards, o.Nodes)
	if err != nil {
		return nil, nil, &OptionsError{err}
	}
	var held []net.Listener
	fail := func(err error) (*ledger.Ledger, []net.Listener, error) {
		closeAll(held)
		return nil, nil, err
	}
	var regs []ledger.NodeRegistration
	for i := range o.Nodes {
		name := fmt.Sprintf("node-%d", i)
		nodeDir := filepath.Join(dir, name)
		if _, err := os.Stat(filepath.Join(nodeDir, "store")); err == nil {
			return fail(fmt.Errorf("%s holds a node's store but there is no ledger; use an empty directory", nodeDir))
		}
		if err := os.MkdirAll(nodeDir, 0o700); err != nil {
			return fail(err)
		}
		// A key left by a creation that stopped before the ledger was
		// written is reused.
		key, err := readKey(nodeDir)
		if errors.Is(err, fs.ErrNotExist) {
			if key, err = bls.GenerateKey(nil); err == nil {
				err = writeKey(nodeDir, key)
			}
		}
		if err != nil {
			return fail(fmt.Errorf("%s: %w", name, err))
		}
		var addr string
		if o.BasePort > 0 {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.BasePort+1+i))
		} else {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fail(fmt.Errorf("pick a port for %s: %w", name, err))
			}
			held = append(held, lis)
			addr = lis.Addr().String()
		}
		info := chain.Node{Name: name, Address: addr, Shards: shards[i]}
		if o.TLS {
			if info.NetworkPublicKey, err = nodekeys.CreateTLSKey(filepath.Join(nodeDir, nodekeys.TLSKeyFileName)); err != nil {
				return fail(fmt.Errorf("%s: %w", name, err))
			}
		}
		regs = append(regs, ledger.NewNodeRegistration(key, info, nodekeys.NodeAccount(key.PublicKey()), 0))
	}
	grant, err := walletGrant(dir)
	if err != nil {
		return fail(err)
	}
	g := ledger.Genesis{NShards: o.Shards, Nodes: regs, EpochDuration: o.EpochDuration, Sui: &ledger.SuiGenesis{
		Grants: []ledger.Grant{grant},
	}}
	l, err := ledger.Create(filepath.Join(dir, "ledger"), g, lopts)
	if err != nil {
		return fail(err)
	}
	o.Log.Info("created a network", "dir", dir, "nodes", o.Nodes, "n_shards", o.Shards)
	return l, held, nil
}
