package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// Files of a devnet directory.
const (
	networkFileName = "network.yaml"
	pidFileName     = "pid"
)

type devnetOptions struct {
	dir           string
	nodes         int
	shards        int
	basePort      int
	metricsListen string
	restart       bool
	stopGrace     time.Duration
	startTimeout  time.Duration
	tls           bool
	epochDuration time.Duration
}

func newDevnetCmd(g *globals) *cobra.Command {
	var o devnetOptions
	cmd := &cobra.Command{
		Use:   "devnet --dir DIR [--nodes N] [--shards S] [--base-port P]",
		Short: "Run a Walrus network on this machine: the ledger and N storage-node processes",
		Long: `Run a whole Walrus network on loopback until SIGINT or SIGTERM: the ledger,
served over HTTP by this process, and N "walrusfs node" processes sharing S
shards.

The first run creates the network in DIR: a BLS key per node in
DIR/node-I/key (mode 0600), the ledger in DIR/ledger with the committee of
epoch 0 (node I at 127.0.0.1:P+1+I with --base-port P, else at free ports).
Later runs on the same DIR reuse it, with every blob, registration and
certificate kept; --nodes and --shards must then match it or be left out.

Once every node answers its health check, the network's client configuration
is written to DIR/network.yaml (see package walrus/netconfig) and a summary is
printed on standard output. DIR/node-I/pid holds the process ID of node I
while it runs. A node that dies is logged and, unless --restart=false,
started again after a delay that doubles from 1 s up to 30 s.

The devnet also presents its ledger as a small Sui: the Sui gRPC v2 services
that Walrus clients use (native gRPC and gRPC-Web on one URL), with the
Walrus objects in their Move layouts, executing signed transactions. It
writes DIR/client_config.yaml, a Walrus client configuration with a context
named "devnet", and DIR/sui/client.yaml with its keystore, whose key (derived
from node 0's key) holds SUI and WAL: "walrusfs store --config
DIR/client_config.yaml FILE" and the official Walrus SDK work with nothing
else.

Ports with --base-port P: the ledger on P, node I's API on P+1+I and its
metrics on P+1+N+I, the Sui face on P+1+2N; without it, free ports. The nodes' API addresses are
registered in the committee when the network is created and kept by later
runs. Each node serves its Prometheus metrics (requests, bytes, errors,
latencies, stored slivers) on its metrics port; with --metrics-listen the
devnet serves the ledger's there, on /metrics.

The ledger's transactions must be signed by their senders' keys; its admin
endpoints, which "walrusfs devnet join|stake|leave" use, take a token that
each run writes to DIR/ledger/admin-token, readable by this user only.

On SIGINT or SIGTERM it sends the nodes SIGTERM, kills those still running
after --stop-grace, and closes the ledger.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.dir == "" {
				return usageError{errors.New("--dir is required")}
			}
			if o.nodes < 1 {
				return usageError{fmt.Errorf("--nodes %d: need at least one node", o.nodes)}
			}
			if o.shards < encoding.MinShards || o.shards > encoding.MaxShards {
				return usageError{fmt.Errorf("--shards %d: must be between %d and %d", o.shards, encoding.MinShards, encoding.MaxShards)}
			}
			if o.epochDuration < 0 || (o.epochDuration > 0 && o.epochDuration < time.Second) {
				return usageError{fmt.Errorf("--epoch-duration %v: at least 1s, or 0 for epochs that never end", o.epochDuration)}
			}
			if o.shards < o.nodes {
				return usageError{fmt.Errorf("--shards %d: every one of the %d nodes needs a shard", o.shards, o.nodes)}
			}
			if o.basePort < 0 || (o.basePort > 0 && o.basePort+2*o.nodes+1 > 65535) {
				return usageError{fmt.Errorf("--base-port %d: the ports P to P+2N+1 must fit below 65536", o.basePort)}
			}
			if o.metricsListen != "" {
				if err := listenFlag("metrics-listen", o.metricsListen); err != nil {
					return err
				}
			}
			log, err := g.logger(cmd.ErrOrStderr(), slog.LevelInfo)
			if err != nil {
				return err
			}
			fixed := cmd.Flags().Changed("nodes") || cmd.Flags().Changed("shards")
			err = runDevnet(cmd.Context(), o, fixed, g, log, cmd.OutOrStdout())
			if err != nil && errors.Is(err, context.Canceled) && cmd.Context().Err() != nil {
				return nil // interrupted while starting
			}
			return err
		},
	}
	cmd.AddCommand(newDevnetJoinCmd(), newDevnetLeaveCmd(), newDevnetStakeCmd())
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "directory of the network's data, created if missing")
	f.IntVar(&o.nodes, "nodes", 4, "number of storage nodes (when creating the network)")
	f.IntVar(&o.shards, "shards", 100, "number of shards (when creating the network)")
	f.IntVar(&o.basePort, "base-port", 0, "first of the 2N+2 loopback ports to use (0: free ports)")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "host:port to serve the ledger's Prometheus metrics on (/metrics); none when empty")
	f.BoolVar(&o.restart, "restart", true, "restart nodes that die")
	f.DurationVar(&o.stopGrace, "stop-grace", 10*time.Second, "how long nodes may take to stop after SIGTERM before they are killed")
	f.DurationVar(&o.startTimeout, "start-timeout", time.Minute, "how long to wait for the nodes to become healthy before writing network.yaml anyway")
	f.DurationVar(&o.epochDuration, "epoch-duration", 0, "advance the epoch this often, as Walrus does every two weeks on Mainnet (when creating the network; 0: never)")
	f.BoolVar(&o.tls, "tls", false, "nodes serve TLS with self-signed certificates for network keys published on chain, which clients pin (when creating the network)")
	return cmd
}

// devnetNode is one node of a devnet as the devnet runs it.
type devnetNode struct {
	index   int
	name    string
	dir     string
	addr    string // API host:port, as the committee lists it
	metrics string // metrics host:port
	shards  int
	proc    *child
	member  chain.Node
}

func runDevnet(ctx context.Context, o devnetOptions, fixed bool, g *globals, log *slog.Logger, stdout io.Writer) error {
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	release, err := lockDir(filepath.Join(dir, ".devnet.lock"))
	if errors.Is(err, errLocked) {
		err = errors.New("another devnet is running on this directory")
	}
	if err != nil {
		return fmt.Errorf("devnet %s: %w", dir, err)
	}
	defer release()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("devnet: find this program to start the nodes: %w", err)
	}
	reg := newRegistry()
	lopts := ledger.Options{Logger: log.With("component", "ledger"), Registerer: reg}

	// Open the ledger, or create the network.
	ledgerDir := filepath.Join(dir, "ledger")
	var (
		held    []net.Listener // free ports picked for the nodes of a new network
		created bool
	)
	l, err := ledger.Open(ledgerDir, lopts)
	if errors.Is(err, ledger.ErrNoLedger) {
		l, held, err = createDevnet(dir, o, lopts, log)
		created = true
	}
	if err != nil {
		return fmt.Errorf("devnet %s: %w", dir, err)
	}
	defer l.Close()
	defer closeAll(held)
	// A network.yaml left by an earlier run names a ledger that is gone;
	// the new one appears once this network is up.
	networkFile := filepath.Join(dir, networkFileName)
	if err := os.Remove(networkFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("devnet: %w", err)
	}

	com, err := l.As(chain.Address{}).Committee(ctx)
	if err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	if !created && fixed && (len(com.Members) != o.nodes || com.NShards != o.shards) {
		return usageError{fmt.Errorf("%s holds a network of %d nodes and %d shards: leave out --nodes and --shards, or use another --dir",
			dir, len(com.Members), com.NShards)}
	}
	nodes, err := devnetNodes(dir, com)
	if err != nil {
		return err
	}
	if err := assignMetricsPorts(nodes, o.basePort); err != nil {
		return err
	}

	// Serve the ledger, and its metrics.
	ledgerAddr := "127.0.0.1:0"
	if o.basePort > 0 {
		ledgerAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.basePort))
	}
	lis, err := listen(ctx, ledgerAddr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("devnet: serve the ledger: %w", err)
	}
	// A new admin token each run; "walrusfs devnet join|stake|leave" read
	// it from the ledger's directory, which only this user can.
	adminToken, err := ledger.NewAdminToken(filepath.Join(ledgerDir, ledger.AdminTokenFile))
	if err != nil {
		lis.Close()
		return fmt.Errorf("devnet: %w", err)
	}
	ledgerSrv := serve(lis, ledger.NewHandler(l, ledger.HandlerOptions{AdminToken: adminToken}), log, "ledger")
	defer ledgerSrv.shutdown(time.Second)
	ledgerURL := "http://" + ledgerSrv.addr
	if o.metricsListen != "" {
		mlis, err := listen(ctx, o.metricsListen, 5*time.Second)
		if err != nil {
			return fmt.Errorf("devnet: serve metrics: %w", err)
		}
		defer serve(mlis, metricsHandler(reg, log), log, "metrics").shutdown(time.Second)
	}
	faceAddr := "127.0.0.1:0"
	if o.basePort > 0 {
		faceAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.basePort+1+2*len(nodes)))
	}
	flis, err := listen(ctx, faceAddr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("devnet: serve the Sui face: %w", err)
	}
	face, err := serveFace(flis, l, reg, log)
	if err != nil {
		return err
	}
	defer face.shutdown()
	faceURL := "http://" + flis.Addr().String()
	log.Info("ledger served", "url", ledgerURL, "sui", faceURL, "chain", l.ChainID(), "epoch", com.Epoch, "nodes", len(nodes), "n_shards", com.NShards, "created", created)

	// Start the nodes; each child stops its process when childCtx ends.
	closeAll(held)
	held = nil
	childCtx, stopChildren := context.WithCancel(ctx)
	defer stopChildren()
	var wg sync.WaitGroup
	startNode := func(nd *devnetNode) {
		args := append([]string{"node", "--dir", nd.dir, "--ledger", ledgerURL, "--listen", nd.addr, "--metrics-listen", nd.metrics,
			"--shutdown-grace", (o.stopGrace * 8 / 10).String()}, g.childLogFlags()...)
		nd.proc = &child{name: nd.name, exe: exe, args: args, pidFile: filepath.Join(nd.dir, pidFileName),
			restart: o.restart, grace: o.stopGrace, log: log.With("node", nd.name)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			nd.proc.supervise(childCtx)
		}()
	}
	known := map[string]bool{}
	for _, nd := range nodes {
		known[nd.dir] = true
		startNode(nd)
	}
	// Nodes that "walrusfs devnet join" adds are started as they appear.
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchCandidates(childCtx, dir, known, func(nd *devnetNode) {
			log.Info("starting a joining node", "node", nd.name, "addr", nd.addr, "metrics", nd.metrics)
			startNode(nd)
		})
	}()
	stop := func() {
		stopChildren()
		wg.Wait()
		log.Info("nodes stopped")
	}

	if err := waitHealthy(ctx, nodes, o.startTimeout, log); err != nil {
		stop()
		return err
	}
	files, err := writeDevnetWallet(dir, l, faceURL)
	if err != nil {
		log.Error("cannot write the Walrus client configuration", "dir", dir, "err", err)
		stop()
		return fmt.Errorf("devnet: %w", err)
	}
	netcfg := &netconfig.Network{Ledger: ledgerURL, NShards: com.NShards, Account: nodekeys.DevnetClientAccount(l.ChainID()), ChainID: l.ChainID(),
		WalrusConfig: files.ClientConfig}
	if err := netcfg.Write(networkFile); err != nil {
		log.Error("cannot write the network configuration", "path", networkFile, "err", err)
		stop()
		return fmt.Errorf("devnet: %w", err)
	}
	printSummary(stdout, dir, networkFile, ledgerURL, faceURL, files, o.metricsListen, com, nodes, created)
	log.Info("devnet up", "network", networkFile)

	<-ctx.Done()
	log.Info("stopping the devnet")
	stop()
	return nil
}

// createDevnet makes the keys of a new network and its ledger. Unless
// basePort is set, the nodes' ports are picked free and stay bound, by the
// returned listeners, until the nodes start.
func createDevnet(dir string, o devnetOptions, lopts ledger.Options, log *slog.Logger) (*ledger.Ledger, []net.Listener, error) {
	shards, err := ledger.AssignShards(o.shards, o.nodes)
	if err != nil {
		return nil, nil, usageError{err}
	}
	var held []net.Listener
	fail := func(err error) (*ledger.Ledger, []net.Listener, error) {
		closeAll(held)
		return nil, nil, err
	}
	var regs []ledger.NodeRegistration
	for i := range o.nodes {
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
		keyPath := filepath.Join(nodeDir, nodekeys.KeyFileName)
		key, err := nodekeys.ReadKeyFile(keyPath)
		if errors.Is(err, fs.ErrNotExist) {
			if key, err = bls.GenerateKey(nil); err == nil {
				err = nodekeys.WriteKeyFile(keyPath, key)
			}
		}
		if err != nil {
			return fail(fmt.Errorf("%s: %w", name, err))
		}
		var addr string
		if o.basePort > 0 {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.basePort+1+i))
		} else {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fail(fmt.Errorf("pick a port for %s: %w", name, err))
			}
			held = append(held, lis)
			addr = lis.Addr().String()
		}
		pk := key.PublicKey()
		info := chain.Node{Name: name, Address: addr, Shards: shards[i]}
		if o.tls {
			if info.NetworkPublicKey, err = nodekeys.CreateTLSKey(filepath.Join(dir, name, nodekeys.TLSKeyFileName)); err != nil {
				return fail(fmt.Errorf("%s: %w", name, err))
			}
		}
		regs = append(regs, ledger.NewNodeRegistration(key, info, nodekeys.NodeAccount(pk), 0))
	}
	wkey, err := devnetWalletKey(dir)
	if err != nil {
		return fail(err)
	}
	g := ledger.Genesis{NShards: o.shards, Nodes: regs, EpochDuration: o.epochDuration, Sui: &ledger.SuiGenesis{
		Grants: []ledger.Grant{{Owner: wkey.Address(), SUI: devnetGrantSUI, WAL: devnetGrantWAL}},
	}}
	l, err := ledger.Create(filepath.Join(dir, "ledger"), g, lopts)
	if err != nil {
		return fail(err)
	}
	log.Info("created a network", "dir", dir, "nodes", o.nodes, "n_shards", o.shards)
	return l, held, nil
}

// devnetNodes lists the committee's members as devnet nodes, each with the
// DIR/node-I that holds its key (after a node left, member I need not be
// node I).
func devnetNodes(dir string, com *chain.Committee) ([]*devnetNode, error) {
	dirs, err := filepath.Glob(filepath.Join(dir, "node-*"))
	if err != nil {
		return nil, err
	}
	byKey := map[bls.PublicKey]string{}
	for _, d := range dirs {
		if key, err := nodekeys.ReadKeyFile(filepath.Join(d, nodekeys.KeyFileName)); err == nil {
			byKey[key.PublicKey()] = d
		}
	}
	var out []*devnetNode
	members := map[string]bool{}
	for i, m := range com.Members {
		nodeDir, ok := byKey[m.PublicKey]
		if !ok {
			return nil, fmt.Errorf("devnet: no DIR/node-*/key in %s holds the key of member %d (%s) of the committee", dir, i, m.Name)
		}
		members[nodeDir] = true
		out = append(out, &devnetNode{index: i, name: filepath.Base(nodeDir), dir: nodeDir, addr: m.Address, shards: len(m.Shards), member: m})
	}
	return append(out, devnetCandidates(dir, members)...), nil
}

// candidateAddressFile, in DIR/node-I, marks a node that joined with
// "walrusfs devnet join": it holds the address the node registered, and the
// devnet runs the node whether the committee has elected it yet or not.
const candidateAddressFile = "address"

// devnetCandidates lists the joined nodes whose directories are not in
// known.
func devnetCandidates(dir string, known map[string]bool) []*devnetNode {
	dirs, _ := filepath.Glob(filepath.Join(dir, "node-*"))
	var out []*devnetNode
	for _, d := range dirs {
		if known[d] {
			continue
		}
		addr, err := os.ReadFile(filepath.Join(d, candidateAddressFile))
		if err != nil {
			continue
		}
		key, err := nodekeys.ReadKeyFile(filepath.Join(d, nodekeys.KeyFileName))
		if err != nil {
			continue
		}
		a := strings.TrimSpace(string(addr))
		out = append(out, &devnetNode{index: -1, name: filepath.Base(d), dir: d, addr: a,
			member: chain.Node{ID: ledger.NodeID(key.PublicKey()), Name: filepath.Base(d), Address: a, PublicKey: key.PublicKey()}})
	}
	return out
}

// watchCandidates starts, through start, every joined node that appears in
// dir, until ctx ends.
func watchCandidates(ctx context.Context, dir string, known map[string]bool, start func(*devnetNode)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		for _, nd := range devnetCandidates(dir, known) {
			known[nd.dir] = true
			if err := assignMetricsPorts([]*devnetNode{nd}, 0); err != nil {
				continue
			}
			start(nd)
		}
	}
}

// assignMetricsPorts gives every node a metrics port: P+1+N+I with a base
// port, else a free one.
func assignMetricsPorts(nodes []*devnetNode, basePort int) error {
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

// waitHealthy waits until every node answers GET /v1/health, or timeout
// passes (then it logs the nodes still down and returns nil: a network
// works with up to a third of its shards down).
func waitHealthy(ctx context.Context, nodes []*devnetNode, timeout time.Duration, log *slog.Logger) error {
	pool := nodeclient.NewPool(&http.Client{Timeout: 2 * time.Second})
	deadline := time.Now().Add(timeout)
	pending := append([]*devnetNode(nil), nodes...)
	for len(pending) > 0 {
		var still []*devnetNode
		for _, nd := range pending {
			if !healthy(ctx, pool.Get(nd.member)) {
				still = append(still, nd)
			}
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			for _, nd := range pending {
				log.Error("node not healthy; going on without it", "node", nd.name, "addr", nd.addr, "waited", timeout)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

func healthy(ctx context.Context, c *nodeclient.Client) bool {
	_, err := nodeclient.Status[node.Health](ctx, c, api.HealthPath)
	return err == nil
}

func printSummary(w io.Writer, dir, networkFile, ledgerURL, faceURL string, files wallet.DevnetFiles, metrics string, com *chain.Committee, nodes []*devnetNode, created bool) {
	verb := "reopened"
	if created {
		verb = "created"
	}
	fmt.Fprintf(w, "walrusfs devnet: %d nodes, %d shards (f = %d), epoch %d, %s in %s\n",
		len(nodes), com.NShards, encoding.MaxFaulty(com.NShards), com.Epoch, verb, dir)
	fmt.Fprintf(w, "  ledger   %s\n", ledgerURL)
	if metrics != "" {
		fmt.Fprintf(w, "  metrics  http://%s/metrics\n", metrics)
	}
	fmt.Fprintf(w, "  network  %s\n", networkFile)
	fmt.Fprintf(w, "  sui      %s (Sui gRPC v2 and gRPC-Web)\n", faceURL)
	fmt.Fprintf(w, "  config   %s (context %q; wallet %s)\n", files.ClientConfig, devnetContext, files.Wallet)
	for _, nd := range nodes {
		fmt.Fprintf(w, "  %-8s http://%s  %3d shards  pid %-7d metrics http://%s/metrics\n", nd.name, nd.addr, nd.shards, nd.proc.currentPID(), nd.metrics)
	}
	fmt.Fprintf(w, "Try: walrusfs store --config %s FILE\n", files.ClientConfig)
	fmt.Fprintf(w, "Stop with Ctrl-C (SIGINT) or SIGTERM.\n")
}
