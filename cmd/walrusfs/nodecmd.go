package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/nodekeys"
	"github.com/walrusfs/walrusfs/walrus/store"
	"github.com/walrusfs/walrusfs/walrus/tlspin"
)

type nodeOptions struct {
	dir           string
	ledgerURL     string
	listen        string
	metricsListen string
	ledgerWait    time.Duration
	shutdownGrace time.Duration
	fault         string
}

func newNodeCmd(g *globals) *cobra.Command {
	var o nodeOptions
	cmd := &cobra.Command{
		Use:   "node --dir DIR --ledger URL [--listen ADDR] [--metrics-listen ADDR]",
		Short: "Run one storage node",
		Long: `Run one Walrus storage node until SIGINT or SIGTERM.

DIR holds the node's BLS key in DIR/key (64 hex digits, mode 0600; "walrusfs
devnet" writes it) and its store in DIR/store, created if missing. The node
finds its ID in the ledger's committee by its public key, serves the
storage-node API on --listen (by default the address the committee lists for
it), and follows the chain's events: it promotes buffered uploads, rebuilds
slivers it missed and drops data of deleted blobs.

With --metrics-listen it serves Prometheus metrics on /metrics there:
requests, bytes, errors and latencies of its API, stored slivers and bytes,
recoveries.

On SIGINT or SIGTERM it stops accepting requests, lets those in flight finish
(up to --shutdown-grace), stops following the chain and closes its store.`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.dir == "" {
				return usageError{errors.New("--dir is required")}
			}
			if err := checkLedgerURL(o.ledgerURL); err != nil {
				return err
			}
			for name, v := range map[string]string{"listen": o.listen, "metrics-listen": o.metricsListen} {
				if v != "" {
					if err := listenFlag(name, v); err != nil {
						return err
					}
				}
			}
			log, err := g.logger(cmd.ErrOrStderr(), slog.LevelInfo)
			if err != nil {
				return err
			}
			err = runNode(cmd.Context(), o, log)
			if err != nil && errors.Is(err, context.Canceled) && cmd.Context().Err() != nil {
				return nil // stopped while starting
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "the node's directory: its key file and its store")
	f.StringVar(&o.ledgerURL, "ledger", "", "base URL of the ledger's HTTP API, such as http://127.0.0.1:7070")
	f.StringVar(&o.listen, "listen", "", "host:port to serve the storage-node API on (default: the node's address in the committee)")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "host:port to serve Prometheus metrics on (/metrics); none when empty")
	f.DurationVar(&o.ledgerWait, "ledger-wait", 30*time.Second, "how long to wait for the ledger to answer at start")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace", 10*time.Second, "how long requests in flight may take to finish at shutdown")
	f.StringVar(&o.fault, "fault", "", "make the node lie, for tests: corrupt-slivers or wrong-metadata")
	_ = f.MarkHidden("fault")
	return cmd
}

func checkLedgerURL(s string) error {
	if s == "" {
		return usageError{errors.New("--ledger is required")}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Errorf("--ledger %q: want an http(s) URL such as http://127.0.0.1:7070", s)}
	}
	return nil
}

func runNode(ctx context.Context, o nodeOptions, log *slog.Logger) error {
	if _, err := faulty(o.fault, http.NotFoundHandler()); err != nil {
		return err
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	log = log.With("node", filepath.Base(dir))
	keyPath := filepath.Join(dir, nodekeys.KeyFileName)
	key, err := nodekeys.ReadKeyFile(keyPath)
	if err != nil {
		return fmt.Errorf("node %s: %w", dir, err)
	}
	if err := nodekeys.CheckKeyFileMode(keyPath); err != nil {
		log.Warn("insecure key file", "err", err)
	}
	pk := key.PublicKey()
	// A node reads the ledger and reports syncs, which its BLS signature
	// authenticates: it needs no account key.
	ch := ledger.Dial(o.ledgerURL, nil)

	com, err := waitCommittee(ctx, ch, o.ledgerURL, o.ledgerWait, log)
	if err != nil {
		return err
	}
	var me chain.Node
	if idx, err := nodekeys.FindMember(com, pk); err == nil {
		me = com.Members[idx]
	} else if o.listen != "" {
		// A node registered to join (walrusfs devnet join) serves from the
		// start, so that it can take its shards over once elected.
		me = chain.Node{ID: ledger.NodeID(pk), Address: o.listen}
		log.Info("not in the committee; serving as a candidate", "epoch", com.Epoch)
	} else {
		return fmt.Errorf("node %s: public key %s: %w of epoch %d at %s (a candidate needs --listen)", dir, pk, err, com.Epoch, o.ledgerURL)
	}
	addr := o.listen
	if addr == "" {
		addr = me.Address
	} else if addr != me.Address {
		log.Warn("listening on another address than the committee lists; clients use the committee's", "listen", addr, "committee_address", me.Address)
	}

	// The committee lists a network key for nodes that serve TLS.
	var tlsConfig *tls.Config
	if len(me.NetworkPublicKey) > 0 {
		tk, err := nodekeys.LoadTLSKey(filepath.Join(dir, nodekeys.TLSKeyFileName), me.NetworkPublicKey)
		if err != nil {
			return fmt.Errorf("node %s: %w", dir, err)
		}
		cert, err := tlspin.Certificate(tk, me.Address)
		if err != nil {
			return fmt.Errorf("node %s: %w", dir, err)
		}
		tlsConfig = tlspin.ServerConfig(cert)
	}

	reg := newRegistry()
	st, err := store.Open(filepath.Join(dir, "store"), store.Options{Logger: log.With("component", "store"), Registerer: reg})
	if err != nil {
		return fmt.Errorf("node %s: %w", dir, err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	wn, err := node.New(ctx, node.Config{Key: key, ID: me.ID, Chain: ch, Store: st, Logger: log, Registerer: reg})
	if err != nil {
		return fmt.Errorf("node %s: %w", dir, err)
	}

	lis, err := listen(ctx, addr, 10*time.Second)
	if err != nil {
		return fmt.Errorf("node %s: serve the API: %w", dir, err)
	}
	if tlsConfig != nil {
		lis = tls.NewListener(lis, tlsConfig)
	}
	handler, err := faulty(o.fault, wn.Handler())
	if err != nil {
		lis.Close()
		return err
	}
	if o.fault != "" {
		log.Warn("this node lies on purpose", "fault", o.fault)
	}
	api := serveWith(node.LimitListener(lis, 0), node.NewServer(handler, node.ServerOptions{}), log, "API")
	var metrics *server
	if o.metricsListen != "" {
		// A node serves its shards without its metrics: a metrics port
		// taken by another process (a restart's port reused meanwhile)
		// must not keep it down.
		if mlis, err := listen(ctx, o.metricsListen, 10*time.Second); err != nil {
			log.Error("serving without metrics", "listen", o.metricsListen, "err", err)
		} else {
			metrics = serve(mlis, metricsHandler(reg, log), log, "metrics")
		}
	}

	runCtx, stopRun := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- wn.Run(runCtx) }()
	log.Info("node started", "id", ledger.FormatObjectID(me.ID), "listen", api.addr, "metrics", o.metricsListen,
		"shards", len(me.Shards), "epoch", com.Epoch, "n_shards", com.NShards, "ledger", o.ledgerURL)

	var failure error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-runErr:
		failure = fmt.Errorf("node %s: following the chain: %w", dir, err)
		log.Error("node stopped following the chain", "err", err)
		runErr <- err
	}
	api.shutdown(o.shutdownGrace)
	stopRun()
	if err := <-runErr; err != nil && !errors.Is(err, context.Canceled) && failure == nil {
		failure = fmt.Errorf("node %s: following the chain: %w", dir, err)
	}
	metrics.shutdown(time.Second)
	if failure == nil {
		log.Info("node stopped")
	}
	return failure
}

// waitCommittee reads the committee, retrying while the ledger does not
// answer, for up to wait.
func waitCommittee(ctx context.Context, ch chain.Chain, url string, wait time.Duration, log *slog.Logger) (*chain.Committee, error) {
	deadline := time.Now().Add(wait)
	backoff := 100 * time.Millisecond
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		com, err := ch.Committee(cctx)
		cancel()
		if err == nil {
			return com, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var remote *ledger.RemoteError
		if errors.As(err, &remote) || time.Now().After(deadline) {
			return nil, fmt.Errorf("read the committee from the ledger at %s: %w", url, err)
		}
		log.Warn("waiting for the ledger", "ledger", url, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}
