// Package devnet runs a whole Walrus network on this machine: the ledger,
// served over HTTP by this process together with its Sui face, and one
// storage-node process per node, each supervised (restarted when it dies,
// stopped with SIGTERM then SIGKILL). It is what "walrusfs devnet" runs;
// Admin is what "walrusfs devnet join|leave|stake" do to a running one.
//
// A devnet lives in a directory: DIR/ledger holds the ledger, DIR/node-I
// node I's key, store and pid file, and DIR/network.yaml the network's
// client configuration while it runs.
package devnet

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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/walrus/netconfig"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
)

// Files of a devnet directory.
const (
	// NetworkFile, in DIR, is the network's client configuration (package
	// netconfig), written once every node is up and removed at the next
	// start.
	NetworkFile = "network.yaml"
	// CandidateAddressFile, in DIR/node-I, marks a node that joined the
	// running devnet: it holds the address the node registered, and the
	// devnet runs the node whether the committee has elected it yet or not.
	CandidateAddressFile = "address"

	pidFileName = "pid"
)

// ErrLocked is returned (wrapped) by Run when another devnet holds the
// directory; Host.LockDir returns it when the lock is taken.
var ErrLocked = errors.New("another devnet is running on this directory")

// OptionsError is an error in Options, or Options that do not fit the
// network already in Dir: a usage error on a command line.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// Options say which network Run runs and how. Nodes, Shards, TLS and
// EpochDuration only matter when Run creates the network.
type Options struct {
	Dir    string // the network's directory, created if missing
	Nodes  int    // storage nodes
	Shards int
	// SizeSet says Nodes and Shards were chosen: a network reopened from
	// Dir must then have as many.
	SizeSet bool
	// BasePort, when not 0, is the first of the 2N+2 loopback ports: the
	// ledger on P, node I's API on P+1+I and its metrics on P+1+N+I, the
	// Sui face on P+1+2N. Otherwise ports are picked free.
	BasePort int
	// MetricsListen, when set, is the host:port to serve the ledger's
	// Prometheus metrics on.
	MetricsListen string
	// APIListen, when set, is the host:port to serve Walrus's aggregator
	// API (reads) for the network on.
	APIListen     string
	Restart       bool          // restart nodes that die
	StopGrace     time.Duration // from a node's SIGTERM to its SIGKILL
	StartTimeout  time.Duration // how long to wait for healthy nodes
	TLS           bool          // nodes serve TLS with keys published on chain
	EpochDuration time.Duration // 0: epochs never end

	// Program is the walrusfs executable whose "node" command runs a node;
	// empty means this program.
	Program string
	// NodeFlags are added to every node's command line (logging flags).
	NodeFlags []string
	Log       *slog.Logger
	// Summary receives the description of the network once it is up.
	Summary io.Writer
}

// Host is what Run takes from the program that runs it: pieces it shares
// with its other commands.
type Host struct {
	Sui Sui
	// Registry receives the ledger's and the Sui face's metrics;
	// MetricsHandler serves it on /metrics.
	Registry       *prometheus.Registry
	MetricsHandler http.Handler
	// LockDir takes an exclusive lock on the file at path for the life of
	// the process, or fails with ErrLocked if another process holds it.
	LockDir func(path string) (release func(), err error)
	// Listen binds a TCP address, retrying a port in use for up to wait.
	Listen func(ctx context.Context, addr string, wait time.Duration) (net.Listener, error)
	// Serve serves h on lis until shutdown, which waits up to grace for
	// requests in flight; what names the server in logs.
	Serve func(lis net.Listener, h http.Handler, what string) (shutdown func(grace time.Duration))
}

// Sui is the devnet's face as a small Sui; the devnet writes the wallet for
// it itself (wallet.go).
type Sui struct {
	// Serve serves l as Sui on lis until stop.
	Serve func(lis net.Listener, l *ledger.Ledger, reg prometheus.Registerer, log *slog.Logger) (stop func(), err error)
}

// Run runs the network in o.Dir, creating it first if Dir holds none, until
// ctx ends; then it stops the nodes and the ledger. Once every node is
// healthy (or StartTimeout passed) it writes DIR/network.yaml and the Sui
// wallet, and prints a summary to o.Summary. Nodes that "walrusfs devnet
// join" adds while it runs are started as they appear.
func Run(ctx context.Context, o Options, h Host) error {
	log := o.Log
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	release, err := h.LockDir(filepath.Join(dir, ".devnet.lock"))
	if errors.Is(err, ErrLocked) {
		err = ErrLocked
	}
	if err != nil {
		return fmt.Errorf("devnet %s: %w", dir, err)
	}
	defer release()
	exe := o.Program
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("devnet: find this program to start the nodes: %w", err)
		}
	}
	lopts := ledger.Options{Logger: log.With("component", "ledger"), Registerer: h.Registry}

	// Open the ledger, or create the network.
	ledgerDir := filepath.Join(dir, "ledger")
	var (
		held    []net.Listener // free ports picked for the nodes of a new network
		created bool
	)
	l, err := ledger.Open(ledgerDir, lopts)
	if errors.Is(err, ledger.ErrNoLedger) {
		l, held, err = create(dir, o, lopts)
		created = true
	}
	if err != nil {
		return fmt.Errorf("devnet %s: %w", dir, err)
	}
	defer l.Close()
	defer closeAll(held)
	// A network.yaml left by an earlier run names a ledger that is gone;
	// the new one appears once this network is up.
	networkFile := filepath.Join(dir, NetworkFile)
	if err := os.Remove(networkFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("devnet: %w", err)
	}

	com, err := l.As(chain.Address{}).Committee(ctx)
	if err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	if !created && o.SizeSet && (len(com.Members) != o.Nodes || com.NShards != o.Shards) {
		return &OptionsError{fmt.Errorf("%s holds a network of %d nodes and %d shards: leave out --nodes and --shards, or use another --dir",
			dir, len(com.Members), com.NShards)}
	}
	nodes, err := listNodes(dir, com)
	if err != nil {
		return err
	}
	if err := assignMetricsPorts(nodes, o.BasePort); err != nil {
		return err
	}

	// Serve the ledger, and its metrics.
	ledgerAddr := "127.0.0.1:0"
	if o.BasePort > 0 {
		ledgerAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.BasePort))
	}
	lis, err := h.Listen(ctx, ledgerAddr, 5*time.Second)
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
	ledgerURL := "http://" + lis.Addr().String()
	stopLedger := h.Serve(lis, ledger.NewHandler(l, ledger.HandlerOptions{AdminToken: adminToken}), "ledger")
	defer stopLedger(time.Second)
	if o.MetricsListen != "" {
		mlis, err := h.Listen(ctx, o.MetricsListen, 5*time.Second)
		if err != nil {
			return fmt.Errorf("devnet: serve metrics: %w", err)
		}
		stopMetrics := h.Serve(mlis, h.MetricsHandler, "metrics")
		defer stopMetrics(time.Second)
	}
	faceAddr := "127.0.0.1:0"
	if o.BasePort > 0 {
		faceAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(o.BasePort+1+2*len(nodes)))
	}
	flis, err := h.Listen(ctx, faceAddr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("devnet: serve the Sui face: %w", err)
	}
	stopFace, err := h.Sui.Serve(flis, l, h.Registry, log)
	if err != nil {
		return err
	}
	defer stopFace()
	faceURL := "http://" + flis.Addr().String()
	log.Info("ledger served", "url", ledgerURL, "sui", faceURL, "chain", l.ChainID(), "epoch", com.Epoch, "nodes", len(nodes), "n_shards", com.NShards, "created", created)

	// Start the nodes; each stops its process when childCtx ends.
	closeAll(held)
	held = nil
	childCtx, stopChildren := context.WithCancel(ctx)
	defer stopChildren()
	var wg sync.WaitGroup
	startNode := func(nd *storageNode) {
		args := append([]string{"node", "--dir", nd.dir, "--ledger", ledgerURL, "--listen", nd.addr, "--metrics-listen", nd.metrics,
			"--shutdown-grace", (o.StopGrace * 8 / 10).String()}, o.NodeFlags...)
		nd.proc = &nodeProcess{exe: exe, args: args, pidFile: filepath.Join(nd.dir, pidFileName),
			restart: o.Restart, grace: o.StopGrace, log: log.With("node", nd.name)}
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
		watchCandidates(childCtx, dir, known, func(nd *storageNode) {
			log.Info("starting a joining node", "node", nd.name, "addr", nd.addr, "metrics", nd.metrics)
			startNode(nd)
		})
	}()
	stop := func() {
		stopChildren()
		wg.Wait()
		log.Info("nodes stopped")
	}

	if err := waitHealthy(ctx, nodes, o.StartTimeout, log); err != nil {
		stop()
		return err
	}
	files, err := writeWallet(dir, l, faceURL)
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
	apiURL := ""
	if o.APIListen != "" {
		url, stopAPI, err := serveAggregator(ctx, o.APIListen, l, h, log)
		if err != nil {
			stop()
			return err
		}
		defer stopAPI()
		apiURL = url
	}
	printSummary(o.Summary, summary{dir: dir, networkFile: networkFile, ledgerURL: ledgerURL, faceURL: faceURL, apiURL: apiURL, files: files,
		context: walletContext, metrics: o.MetricsListen, com: com, nodes: nodes, created: created})
	log.Info("devnet up", "network", networkFile)

	<-ctx.Done()
	log.Info("stopping the devnet")
	stop()
	return nil
}
