package node

import (
	"net/http"
	"time"

	"github.com/walrusfs/walrusfs/walrus/api"
)

// health serves GET /v1/health: Walrus's ServiceHealthInfo, from what the
// node knows — its committee and shards, how far it has applied the
// chain's events (its stored cursor), and the state of each shard's data.
// ?detailed=true adds each shard's status.
func (n *Node) health(w http.ResponseWriter, r *http.Request) {
	var detailed bool
	switch v := r.URL.Query().Get("detailed"); v {
	case "", "false":
	case "true":
		detailed = true
	default:
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "detailed=%q: want true or false", v)
		return
	}
	cursor, err := n.store.Cursor()
	if err != nil {
		n.internal(w, r, err)
		return
	}
	progress := api.EventProgress{Persisted: uint64(cursor), Pending: uint64(max(n.pendingEvents.Load(), 0))}
	if cursor > 0 {
		last := uint64(cursor) - 1
		progress.HighestFinishedEventIndex = &last
	}
	c, _, _ := n.view()
	status := api.NodeStatusStandby
	if _, member := memberShards(c, n.id); member {
		status = api.NodeStatusActive
	}
	owned, other := n.shardHealth()
	h := api.ServiceHealth{
		Uptime:        api.NewUptime(time.Since(n.started)),
		Epoch:         c.Epoch,
		PublicKey:     n.key.PublicKey().String(),
		NodeStatus:    status,
		EventProgress: progress,
		ShardSummary:  api.SummarizeShards(owned, other),
	}
	if detailed {
		h.ShardDetail = &api.ShardDetail{Owned: owned, Other: other}
	}
	api.WriteSuccess(w, http.StatusOK, h)
}

// openAPI serves GET /v1/api: the OpenAPI document of these routes.
func (n *Node) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", api.ContentTypeYAML)
	_, _ = w.Write([]byte(api.OpenAPI))
}
