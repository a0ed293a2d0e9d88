package node

import (
	"errors"
	"net/http"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// blobStatus serves GET /v1/blobs/{id}/status: what the node's chain knows
// of a blob ID, in Walrus's JSON enum form (api.BlobStatus) inside the
// success envelope. Clients whose own chain cannot look a blob ID up (Sui
// keeps no index by blob ID) ask the committee's nodes for it, so this is
// answered from the chain at the time of the request; a nonexistent blob is a
// 200 "nonexistent", as on Walrus, not a 404.
func (n *Node) blobStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathBlobID(w, r)
	if !ok {
		return
	}
	st, err := n.chain.BlobStatus(r.Context(), id)
	if errors.Is(err, chain.ErrUnsupported) {
		fail(w, http.StatusServiceUnavailable, api.ReasonUnavailable, "this node cannot look blob IDs up on its chain")
		return
	}
	if err != nil {
		n.internal(w, r, err)
		return
	}
	api.WriteSuccess(w, http.StatusOK, api.NewBlobStatus(st))
}
