package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/daemon"
)

type serveOptions struct {
	net            networkFlags
	listen         string
	aggregator     bool
	publisher      bool
	uploadRelay    bool
	maxBodySize    sizeFlag
	allowedHeaders []string
	shutdownGrace  time.Duration
}

func newServeCmd(g *globals) *cobra.Command {
	o := serveOptions{maxBodySize: daemon.DefaultMaxBodySize}
	cmd := &cobra.Command{
		Use:   "serve [--config FILE | --network FILE] [--listen ADDR] [--aggregator] [--publisher] [--upload-relay]",
		Short: "Serve Walrus's aggregator and publisher HTTP API",
		Long: `Serve Walrus's HTTP API for blobs, as a Walrus aggregator and publisher do,
until SIGINT or SIGTERM: what is written for those (curl, web pages, SDKs)
works against it.

The aggregator (the default unless --publisher or --upload-relay alone is
given, or --aggregator) reads blobs:
  GET /v1/blobs/BLOB_ID                  the blob; a Range header (bytes=a-b,
                                         a- or -n) gives 206 with those bytes
  GET /v1/blobs/BLOB_ID/byte-range?start=S&length=L
  GET /v1/blobs/by-object-id/OBJECT_ID   the blob of a Sui Blob object, with
                                         its attributes listed in
                                         --allowed-headers as headers
Blobs are streamed as their slivers are verified, never held whole.

The publisher (--publisher) stores blobs: PUT /v1/blobs?epochs=N stores the
body (at most --max-body-size) and answers with Walrus's JSON, newlyCreated
or alreadyCertified; permanent=true, force=true, reuse_resources=true and
send_object_to=ADDRESS work as on Walrus. Every store is paid from the
wallet of --config (or of the devnet), for whoever can reach the server,
which checks no credentials: keep a publisher on the loopback address, or
behind a proxy that authenticates.

The upload relay (--upload-relay) serves Walrus's upload relay, asking no
tip: GET /v1/tip-config answers "no_tip", and POST /v1/blob-upload-relay?
blob_id=ID[&tx_id=DIGEST][&deletable_blob_object=OBJECT] uploads the body,
a blob its sender registered and pays for, to the storage nodes and
answers with their confirmation certificate, which the sender certifies
the blob with. Browsers and the official SDKs (uploadRelay: {host}) store
through it. With tx_id it checks that the transaction registered the blob,
with deletable_blob_object that the object is the blob's, and the body
must have the registered size; with neither, the nodes refuse a blob not
registered, and the body is bounded by --max-body-size. The relay spends
no funds, only bandwidth.

GET /status answers while the server runs, GET /v1/api describes the routes
(OpenAPI). Any web page may call the API (CORS).`,
		DisableFlagsInUseLine: true,
		Args:                  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := listenFlag("listen", o.listen); err != nil {
				return err
			}
			if o.maxBodySize <= 0 {
				return usageError{fmt.Errorf("--max-body-size %s: want a size above 0", o.maxBodySize.String())}
			}
			log, err := g.logger(cmd.ErrOrStderr(), slog.LevelInfo)
			if err != nil {
				return err
			}
			return runServe(cmd, o, log)
		},
	}
	addNetworkFlags(cmd, &o.net)
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:31415", "host:port to serve on (Walrus's daemon's default; 127.0.0.1 keeps it to this machine)")
	f.BoolVar(&o.aggregator, "aggregator", false, "serve the reads (the default unless --publisher or --upload-relay alone is given)")
	f.BoolVar(&o.publisher, "publisher", false, "serve PUT /v1/blobs: stores paid by the wallet, for anyone who reaches the server")
	f.BoolVar(&o.uploadRelay, "upload-relay", false, "serve Walrus's upload relay (no tip): uploads blobs their senders registered")
	f.Var(&o.maxBodySize, "max-body-size", "largest blob the publisher stores, and the relay takes without a registration to check (Walrus's default, 10M)")
	f.StringSliceVar(&o.allowedHeaders, "allowed-headers", daemon.DefaultAllowedHeaders, "blob attributes by-object-id reads return as headers")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace", 10*time.Second, "how long requests in flight may take to finish at shutdown")
	return cmd
}

// runServe serves the API until the command's context ends.
func runServe(cmd *cobra.Command, o serveOptions, log *slog.Logger) error {
	ctx := cmd.Context()
	nw, err := connectNetwork(ctx, o.net, log)
	if err != nil {
		return err
	}
	defer nw.Close()
	cl := client.New(nw.Chain, client.Options{Logger: log.With("component", "client")})
	defer cl.Close()
	cfg := daemon.Config{Chain: nw.Chain, MaxBodySize: int64(o.maxBodySize), AllowedHeaders: o.allowedHeaders, Logger: log}
	roles := []string{}
	if o.aggregator || !o.publisher && !o.uploadRelay {
		cfg.Reader = cl
		roles = append(roles, "aggregator")
	}
	if o.publisher {
		cfg.Storer = cl
		if nw.Sui != nil {
			cfg.Prices = nw.Sui.Prices
		}
		roles = append(roles, "publisher")
	}
	if o.uploadRelay {
		cfg.Relay = cl
		roles = append(roles, "upload relay")
	}
	srv, err := daemon.New(cfg)
	if err != nil {
		return usageError{err}
	}
	lis, err := listen(ctx, o.listen, 5*time.Second)
	if err != nil {
		return fmt.Errorf("serve on %s: %w", o.listen, err)
	}
	s := serve(lis, srv.Handler(), log, "Walrus API")
	log.Info("serving the Walrus HTTP API", "listen", s.addr, "roles", strings.Join(roles, ","), "network", nw.What)
	fmt.Fprintf(cmd.OutOrStdout(), "Serving the Walrus HTTP API (%s) on http://%s. Stop with Ctrl-C.\n", strings.Join(roles, ", "), s.addr)
	<-ctx.Done()
	log.Info("shutting down")
	s.shutdown(o.shutdownGrace)
	return nil
}
