package client

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// ErrStatusUnverified means the storage nodes that answered did not agree on
// a blob status: no one status came from nodes holding more than f shards.
var ErrStatusUnverified = errors.New("no blob status is backed by nodes holding more than f shards")

// NodeStatus is a blob status as the committee's storage nodes report it.
type NodeStatus struct {
	chain.BlobStatus
	// Weight is the shards held by the nodes that reported exactly this
	// status; Answered is the shards of all nodes that answered, and
	// NShards the committee's.
	Weight, Answered, NShards int
	// Epoch is the committee's epoch.
	Epoch chain.Epoch
}

// statusRank orders Walrus's blob status kinds as the official SDK prefers
// them when several are backed by enough nodes: the later in a blob's life,
// the better.
var statusRank = map[string]int{
	api.BlobStatusNonexistent: 0,
	api.BlobStatusDeletable:   1,
	api.BlobStatusPermanent:   2,
	api.BlobStatusInvalid:     3,
}

// BlobStatus returns the status of a blob ID as the storage nodes of the
// current committee report it (GET /v1/blobs/{id}/status), for chains that
// cannot look a blob ID up themselves (Sui). See NodeBlobStatus.
func (c *Client) BlobStatus(ctx context.Context, id encoding.BlobID) (chain.BlobStatus, error) {
	st, err := c.NodeBlobStatus(ctx, id)
	return st.BlobStatus, err
}

// NodeBlobStatus asks every member of the current committee at once for a
// blob ID's status and decides as Walrus's official SDK does: once nodes
// holding a quorum (more than 2f shards) have answered, the answers are
// grouped by equal status, and the most advanced kind (invalid, then
// permanent, then deletable, then nonexistent) whose nodes hold more than f
// shards wins; nodes that answer 404 for a quorum of shards mean the blob
// does not exist. Nodes holding at most f shards, lying together, cannot make
// up a status. Without a decision at quorum it waits for the other nodes,
// each request bounded by Options.RequestTimeout (the whole by twice that
// unless ctx ends earlier), and then returns ErrStatusUnverified.
func (c *Client) NodeBlobStatus(ctx context.Context, id encoding.BlobID) (NodeStatus, error) {
	com, err := c.chain.Committee(ctx)
	if err != nil {
		return NodeStatus{}, fmt.Errorf("blob status of %s: committee: %w", id, err)
	}
	return c.nodeBlobStatus(ctx, com, id)
}

type statusAnswer struct {
	member int
	st     chain.BlobStatus
	err    error
}

type statusGroup struct {
	st     chain.BlobStatus
	kind   string
	weight int
}

func (c *Client) nodeBlobStatus(ctx context.Context, com *chain.Committee, id encoding.BlobID) (NodeStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*c.opts.RequestTimeout)
	defer cancel()
	members := c.members(com)
	answers := make(chan statusAnswer, len(members))
	asked := 0
	for _, m := range members {
		if com.Weight(m.index) == 0 {
			continue
		}
		asked++
		go func() {
			var st chain.BlobStatus
			err := c.retryN(ctx, 1, 0, func(ctx context.Context) error {
				var err error
				st, err = m.api.BlobStatus(ctx, id)
				return err
			})
			answers <- statusAnswer{member: m.index, st: st, err: err}
		}()
	}

	out := NodeStatus{NShards: com.NShards, Epoch: com.Epoch}
	groups := map[string]*statusGroup{}
	notFound := 0
	var errs []string
	for range asked {
		var a statusAnswer
		select {
		case a = <-answers:
		case <-ctx.Done():
			return out, fmt.Errorf("blob status of %s: %d of %d shards answered: %w", id, out.Answered, com.NShards, ctx.Err())
		}
		w := com.Weight(a.member)
		if a.err != nil {
			if nodeclient.IsNotFound(a.err) {
				notFound += w
				if com.IsQuorum(notFound) {
					c.log.Debug("blob status: nodes holding a quorum answer 404", "blob", id)
					out.Weight = notFound
					return out, nil
				}
			}
			c.log.Debug("blob status: node failed", "blob", id, "node", com.Members[a.member].Name, "err", a.err)
			errs = append(errs, fmt.Sprintf("%s: %v", com.Members[a.member].Name, a.err))
			continue
		}
		key, err := api.NewBlobStatus(a.st).MarshalJSON()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", com.Members[a.member].Name, err))
			continue
		}
		g := groups[string(key)]
		if g == nil {
			g = &statusGroup{st: a.st, kind: api.StatusKind(a.st)}
			groups[string(key)] = g
		}
		g.weight += w
		out.Answered += w
		if !com.IsQuorum(out.Answered) {
			continue
		}
		if g, ok := decideStatus(com, groups); ok {
			out.BlobStatus, out.Weight = g.st, g.weight
			return out, nil
		}
	}
	if g, ok := decideStatus(com, groups); ok {
		out.BlobStatus, out.Weight = g.st, g.weight
		return out, nil
	}
	msg := fmt.Sprintf("blob status of %s: %d of %d shards answered in %d different ways", id, out.Answered, com.NShards, len(groups))
	if len(errs) > 0 {
		msg += "; " + strings.Join(errs, "; ")
	}
	return out, fmt.Errorf("%s: %w", msg, ErrStatusUnverified)
}

// decideStatus returns the most advanced status that nodes holding more
// than f shards reported, the heavier first among equally advanced ones.
func decideStatus(com *chain.Committee, groups map[string]*statusGroup) (*statusGroup, bool) {
	gs := make([]*statusGroup, 0, len(groups))
	for _, g := range groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool {
		if ri, rj := statusRank[gs[i].kind], statusRank[gs[j].kind]; ri != rj {
			return ri > rj
		}
		return gs[i].weight > gs[j].weight
	})
	for _, g := range gs {
		if com.IsValidity(g.weight) {
			return g, true
		}
	}
	return nil, false
}
