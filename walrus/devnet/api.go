package devnet

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/daemon"
)

// serveAggregator serves Walrus's aggregator API (reads only: a publisher
// would need a wallet's funds) for the network of l on addr, until stop.
func serveAggregator(ctx context.Context, addr string, l *ledger.Ledger, h Host, log *slog.Logger) (url string, stop func(), err error) {
	ch := l.As(chain.Address{})
	cl := client.New(ch, client.Options{Logger: log.With("component", "client")})
	api, err := daemon.New(daemon.Config{Chain: ch, Reader: cl, Logger: log.With("component", "api")})
	if err != nil {
		cl.Close()
		return "", nil, fmt.Errorf("devnet: %w", err)
	}
	lis, err := h.Listen(ctx, addr, 5*time.Second)
	if err != nil {
		cl.Close()
		return "", nil, fmt.Errorf("devnet: serve the aggregator API: %w", err)
	}
	shutdown := h.Serve(lis, api.Handler(), "aggregator API")
	return "http://" + lis.Addr().String(), func() {
		shutdown(time.Second)
		cl.Close()
	}, nil
}
