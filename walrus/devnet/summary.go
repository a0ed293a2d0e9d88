package devnet

import (
	"fmt"
	"io"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/wallet"
	"github.com/walrusfs/walrusfs/encoding"
)

// summary is what printSummary describes.
type summary struct {
	dir, networkFile   string
	ledgerURL, faceURL string
	apiURL             string // the aggregator's, or ""
	files              wallet.DevnetFiles
	context            string // of the client configuration
	metrics            string // host:port of the ledger's metrics, or ""
	com                *chain.Committee
	nodes              []*storageNode
	created            bool
}

// printSummary tells the user what runs where.
func printSummary(w io.Writer, s summary) {
	verb := "reopened"
	if s.created {
		verb = "created"
	}
	fmt.Fprintf(w, "walrusfs devnet: %d nodes, %d shards (f = %d), epoch %d, %s in %s\n",
		len(s.nodes), s.com.NShards, encoding.MaxFaulty(s.com.NShards), s.com.Epoch, verb, s.dir)
	fmt.Fprintf(w, "  ledger   %s\n", s.ledgerURL)
	if s.metrics != "" {
		fmt.Fprintf(w, "  metrics  http://%s/metrics\n", s.metrics)
	}
	fmt.Fprintf(w, "  network  %s\n", s.networkFile)
	fmt.Fprintf(w, "  sui      %s (Sui gRPC v2 and gRPC-Web)\n", s.faceURL)
	if s.apiURL != "" {
		fmt.Fprintf(w, "  api      %s (Walrus aggregator API)\n", s.apiURL)
	}
	fmt.Fprintf(w, "  config   %s (context %q; wallet %s)\n", s.files.ClientConfig, s.context, s.files.Wallet)
	for _, nd := range s.nodes {
		fmt.Fprintf(w, "  %-8s http://%s  %3d shards  pid %-7d metrics http://%s/metrics\n", nd.name, nd.addr, nd.shards, nd.proc.currentPID(), nd.metrics)
	}
	fmt.Fprintf(w, "Try: walrusfs store --config %s FILE\n", s.files.ClientConfig)
	fmt.Fprintf(w, "Stop with Ctrl-C (SIGINT) or SIGTERM.\n")
}
