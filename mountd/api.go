package mountd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/walrusfs/walrusfs/walrus/daemon"
)

// serveAPI serves Walrus's aggregator routes for the mount's network when
// APIListen asks, until stop: the blobs of the tree (files by their blob
// or quilt patch IDs, as the user.walrus.* attributes name them) and any
// other blob on that network. It reads only: a publisher would spend the
// mount's wallet for whoever reaches it.
func (m *mount) serveAPI(ctx context.Context, h Host) (stop func(), err error) {
	addr := m.o.APIListen
	if addr == "" {
		return func() {}, nil
	}
	reader, ok := m.nw.blobs.(daemon.Reader)
	if !ok || m.nw.chain == nil {
		return nil, errors.New("--api-listen: the mount's network cannot be served (Walrus over HTTP has its own aggregator)")
	}
	api, err := daemon.New(daemon.Config{Chain: m.nw.chain, Reader: reader, Logger: m.o.Log.With("component", "api")})
	if err != nil {
		return nil, fmt.Errorf("--api-listen: %w", err)
	}
	lis, err := h.Listen(ctx, addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("--api-listen: %w", err)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(lis) }()
	m.o.Log.Info("serving the Walrus aggregator API", "listen", lis.Addr().String())
	return func() {
		// Reads in flight end with the mount: the network closes after.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
