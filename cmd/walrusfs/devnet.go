package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/devnet"
)

type devnetOptions struct {
	dir           string
	nodes         int
	shards        int
	basePort      int
	metricsListen string
	apiListen     string
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
			if o.apiListen != "" {
				if err := listenFlag("api-listen", o.apiListen); err != nil {
					return err
				}
			}
			log, err := g.logger(cmd.ErrOrStderr(), slog.LevelInfo)
			if err != nil {
				return err
			}
			sizeSet := cmd.Flags().Changed("nodes") || cmd.Flags().Changed("shards")
			err = runDevnet(cmd.Context(), o, sizeSet, g, log, cmd.OutOrStdout())
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
	f.StringVar(&o.apiListen, "api-listen", "", "host:port to serve Walrus's aggregator API (reads) for the network on, as \"walrusfs serve\" does; none when empty")
	f.BoolVar(&o.restart, "restart", true, "restart nodes that die")
	f.DurationVar(&o.stopGrace, "stop-grace", 10*time.Second, "how long nodes may take to stop after SIGTERM before they are killed")
	f.DurationVar(&o.startTimeout, "start-timeout", time.Minute, "how long to wait for the nodes to become healthy before writing network.yaml anyway")
	f.DurationVar(&o.epochDuration, "epoch-duration", 0, "advance the epoch this often, as Walrus does every two weeks on Mainnet (when creating the network; 0: never)")
	f.BoolVar(&o.tls, "tls", false, "nodes serve TLS with self-signed certificates for network keys published on chain, which clients pin (when creating the network)")
	return cmd
}

// runDevnet runs the devnet of o, wiring package devnet to this program's
// key files, HTTP servers and Sui face.
func runDevnet(ctx context.Context, o devnetOptions, sizeSet bool, g *globals, log *slog.Logger, stdout io.Writer) error {
	reg := newRegistry()
	err := devnet.Run(ctx, devnet.Options{
		Dir: o.dir, Nodes: o.nodes, Shards: o.shards, SizeSet: sizeSet,
		BasePort: o.basePort, MetricsListen: o.metricsListen, APIListen: o.apiListen,
		Restart: o.restart, StopGrace: o.stopGrace, StartTimeout: o.startTimeout,
		TLS: o.tls, EpochDuration: o.epochDuration,
		NodeFlags: g.childLogFlags(), Log: log, Summary: stdout,
	}, devnet.Host{
		Sui:            devnetSui,
		Registry:       reg,
		MetricsHandler: metricsHandler(reg, log),
		LockDir: func(path string) (func(), error) {
			release, err := lockDir(path)
			if errors.Is(err, errLocked) {
				return nil, devnet.ErrLocked
			}
			return release, err
		},
		Listen: listen,
		Serve: func(lis net.Listener, h http.Handler, what string) func(time.Duration) {
			return serve(lis, h, log, what).shutdown
		},
	})
	if errors.As(err, new(*devnet.OptionsError)) {
		return usageError{err}
	}
	return err
}

// devnetSui is the devnet's Sui face, as devnetsui.go serves it.
var devnetSui = devnet.Sui{
	Serve: func(lis net.Listener, l *ledger.Ledger, reg prometheus.Registerer, log *slog.Logger) (func(), error) {
		face, err := serveFace(lis, l, reg, log)
		if err != nil {
			return nil, err
		}
		return face.shutdown, nil
	},
}
