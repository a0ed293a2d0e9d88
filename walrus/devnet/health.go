package devnet

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// WaitHealthy waits until the node m answers its health check, or timeout
// passes (then it returns nil, as a network works with some nodes down).
// It fails only when ctx ends.
func WaitHealthy(ctx context.Context, m chain.Node, timeout time.Duration) error {
	return waitHealthy(ctx, []*storageNode{{name: m.Name, addr: m.Address, member: m}}, timeout, slog.New(slog.DiscardHandler))
}

// waitHealthy waits until every node answers GET /v1/health, or timeout
// passes (then it logs the nodes still down and returns nil: a network
// works with up to a third of its shards down).
func waitHealthy(ctx context.Context, nodes []*storageNode, timeout time.Duration, log *slog.Logger) error {
	pool := nodeclient.NewPool(&http.Client{Timeout: 2 * time.Second})
	deadline := time.Now().Add(timeout)
	pending := append([]*storageNode(nil), nodes...)
	for len(pending) > 0 {
		var still []*storageNode
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
	_, err := nodeclient.Status[api.ServiceHealth](ctx, c, api.HealthPath)
	return err == nil
}
