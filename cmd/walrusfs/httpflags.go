package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/httpblobs"
)

// httpFlags choose a Walrus publisher and aggregator, as public Testnet
// ones are used: no wallet, no chain.
type httpFlags struct {
	publisher  string
	aggregator string
	nShards    int
	maxBody    int64
}

// addHTTPFlags adds the flags of the services a command uses.
func addHTTPFlags(cmd *cobra.Command, f *httpFlags, publisher, aggregator bool) {
	fl := cmd.Flags()
	if publisher {
		fl.StringVar(&f.publisher, "publisher", "", "store through this Walrus publisher (http(s)://HOST[:PORT]) instead of a network of your own: no wallet needed")
		f.maxBody = httpblobs.DefaultMaxBody
		fl.Var((*sizeFlag)(&f.maxBody), "publisher-max-body", "the largest blob the publisher takes (its body limit): larger files fail, and the mount cuts files into smaller chunks")
	}
	if aggregator {
		fl.StringVar(&f.aggregator, "aggregator", "", "read through this Walrus aggregator (http(s)://HOST[:PORT]), verifying every blob against its ID: no wallet needed")
	}
	fl.IntVar(&f.nShards, "n-shards", httpblobs.DefaultNShards, "with --publisher or --aggregator: the network's shard count, which blob IDs depend on (1000 on Walrus Testnet and Mainnet; a devnet's from its configuration)")
}

// chosen reports whether a publisher or an aggregator is given.
func (f httpFlags) chosen() bool { return f.publisher != "" || f.aggregator != "" }

// check refuses bad values, and a publisher or aggregator beside a network
// of one's own, before anything is dialed or created.
func (f httpFlags) check(net networkFlags) error {
	if !f.chosen() {
		return nil
	}
	if net.network != "" || net.config != "" || net.context != "" || net.wallet != "" {
		return usageError{errors.New("--publisher and --aggregator use Walrus over HTTP; they do not go with --network, --config, --context or --wallet")}
	}
	if _, err := encoding.MaxBlobSize(f.nShards); err != nil {
		return usageError{fmt.Errorf("--n-shards %d: %w", f.nShards, err)}
	}
	if f.publisher != "" && f.maxBody <= 0 {
		return usageError{fmt.Errorf("--publisher-max-body %d must be positive", f.maxBody)}
	}
	if _, err := f.client(nil); err != nil {
		return usageError{err}
	}
	return nil
}

// client returns the publisher's and aggregator's client.
func (f httpFlags) client(log *slog.Logger) (*httpblobs.Client, error) {
	return httpblobs.New(httpblobs.Options{Publisher: f.publisher, Aggregator: f.aggregator, NShards: f.nShards,
		MaxBody: f.maxBody, Logger: log})
}
